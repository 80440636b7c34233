"""Making deliveries: each outbox event becomes one delivery per subscription it names.

The request that records an event writes only its outbox row (issue 19: one row per filing,
not one plus one per receiver); the deliverer fans it out before each round of sending, and an
admin's read of deliveries does so first, so what it shows is exact. Two deliverers never fan
out the same event: on PostgreSQL each takes its batch `FOR UPDATE SKIP LOCKED`, SQLite's
writers queue (every transaction is BEGIN IMMEDIATE). A subscription deleted since the event
is skipped; one added since is not named on it.
"""

import uuid

from sqlalchemy import insert, select, update

from app.core.clock import now
from app.extensions import db
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription

BATCH = 200
_INSERT_DELIVERY = insert(WebhookDelivery.__table__)


def fan_out(batch: int = BATCH) -> int:
    """Make the deliveries of every waiting event, `batch` events per transaction (each
    committed); how many events were fanned out."""
    done = 0
    while True:
        waiting = db.session.execute(
            select(OutboxEvent.id, OutboxEvent.receivers)
            .where(OutboxEvent.fanned_out_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        if not waiting:
            db.session.commit()
            return done
        named = {sid for event in waiting for sid in event.receivers}
        alive = set(
            db.session.scalars(
                select(WebhookSubscription.id).where(WebhookSubscription.id.in_(named))
            )
        )
        moment = now()
        rows = [
            {
                "delivery_id": str(uuid.uuid4()),
                "subscription_id": sid,
                "outbox_event_id": event.id,
                "next_attempt_at": moment,
                "created_at": moment,
            }
            for event in waiting
            for sid in event.receivers
            if sid in alive
        ]
        if rows:
            db.session.execute(_INSERT_DELIVERY, rows)
        db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([event.id for event in waiting]))
            .values(fanned_out_at=moment)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        done += len(waiting)

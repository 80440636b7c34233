"""The transactional outbox: report events other systems follow, written with the change itself.

`note_event` receives the `event_recorded` signal (app.lifecycle.signals); just before the
transaction commits, the noted events that some subscription follows become outbox rows naming
those subscriptions, so they commit together with the change or, rolled back, are never sent.
The deliverer makes one delivery per named subscription later (app.webhooks.fan_out): the
request that files a report writes one row, whatever the number of receivers.
"""

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.core import versions
from app.core.clock import in_shanghai, now
from app.core.database import insert_values
from app.core.plain_dump import instance_dumper
from app.core.version_sql import SUBSCRIPTIONS
from app.extensions import db
from app.reports.models import ReportEvent
from app.reports.schemas import ReportSchema
from app.webhooks.models import OutboxEvent, WebhookSubscription

# Timeline actions → the webhook event they produce. Other actions are not sent.
ACTION_EVENTS = {
    "created": "report.created",
    "dispatch": "report.dispatched",
    "card_changed": "report.card_changed",
    "escalate": "report.escalated",
    "resolve": "report.resolved",
    "close": "report.closed",
    "close_without_follow_up": "report.closed",
}

# What a receiver learns about the case: no reporter name or phone.
REPORT_FIELDS = (
    "id",
    "tracking_no",
    "status",
    "channel",
    "description",
    "category_code",
    "risk_level",
    "location",
    "area_code",
    "subdistrict_code",
    "unit_code",
    "tier",
    "accept_due_at",
    "due_at",
    "card",
    "duplicate_of",
    "outcome",
    "satisfaction",
    "reopen_count",
    "dispatched_at",
    "resolved_at",
    "created_at",
    "updated_at",
    "version",
)
# Dumped by the plain dumper: the same dict as the schema's, at every report filed.
_dump_report = instance_dumper(ReportSchema(only=REPORT_FIELDS))
_PENDING = "webhook_outbox_pending"


def note_event(event: ReportEvent) -> None:
    """Receiver of `event_recorded`: remember the events that other systems follow until commit."""
    if event.action in ACTION_EVENTS:
        db.session.info.setdefault(_PENDING, []).append(event)


def event_payload(name: str, event: ReportEvent) -> dict:
    """The delivery body without its delivery id: what happened and the case after it."""
    return {
        "event": name,
        "occurred_at": in_shanghai(event.created_at).isoformat(),
        "report": _dump_report(event.report),
        "change": {
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "actor_role": event.actor_role,
            "actor_unit_code": event.actor_unit_code,
            "reason": event.reason,
            "details": event.payload or {},
        },
    }


# Which subscription follows which events: two columns, not the entities, kept per process
# under the subscriptions' change version (triggers move it when a subscription is added,
# removed or its events change; app/core/version_sql.py). This runs at every commit that
# recorded a followed event, i.e. on every report filed: the version, read once with the
# others in the transaction, is all it asks the database.
_FOLLOWERS = select(WebhookSubscription.id, WebhookSubscription.events)
_FOLLOWERS_KEY = "jiefen.webhook_followers"
_INSERT_OUTBOX = insert(OutboxEvent.__table__)


def _followers(session: Session, connection) -> list[tuple[int, frozenset[str]]]:
    """Every subscription's id and the events it follows, as this transaction sees them."""
    version = versions.current(SUBSCRIPTIONS, connection)
    kept = current_app.extensions.get(_FOLLOWERS_KEY)
    # No row (a table emptied by hand) says nothing about the subscriptions: read them.
    if kept is not None and version is not None and kept[0] == version:
        return kept[1]
    followers = [(row.id, frozenset(row.events or ())) for row in session.execute(_FOLLOWERS)]
    current_app.extensions[_FOLLOWERS_KEY] = (version, followers)
    return followers


def _write_outbox(session: Session) -> None:
    """before_commit: turn this transaction's noted events into outbox rows."""
    noted = session.info.pop(_PENDING, None)
    if not noted:
        return
    # An event added inside a savepoint that was rolled back has left the session.
    events = [e for e in noted if e in session]
    if not events:
        return
    # Asked once: Session.connection() resolves the bind and the transaction each time.
    connection = session.connection()
    subscriptions = _followers(session, connection)
    if not subscriptions:
        return
    session.flush()
    moment = now()
    rows = []
    for event in events:
        name = ACTION_EVENTS[event.action]
        receivers = [id_ for id_, follows in subscriptions if name in follows]
        if receivers:
            rows.append(
                {
                    "event": name,
                    "report_id": event.report_id,
                    "report_event_id": event.id,
                    "payload": event_payload(name, event),
                    "created_at": moment,
                    "receivers": receivers,
                }
            )
    # Core statements: nothing reads these rows back in this transaction. A report filed
    # writes one row: compiled once, sent at the driver (insert_values).
    if len(rows) == 1:
        insert_values(connection, OutboxEvent.__table__, rows[0])
    elif rows:
        connection.execute(_INSERT_OUTBOX, rows)


def _forget_on_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def install() -> None:
    """Write the outbox at every commit (once per process; create_app calls this)."""
    if not sa_event.contains(Session, "before_commit", _write_outbox):
        sa_event.listen(Session, "before_commit", _write_outbox)
        sa_event.listen(Session, "after_soft_rollback", _forget_on_rollback)

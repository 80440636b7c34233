"""Webhook subscriptions, the outbox of events they follow, and one delivery per receiver."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import now
from app.core.database import Base
from app.core.types import UTCDateTime

WEBHOOK_EVENTS = (
    "report.created",
    "report.dispatched",
    "report.card_changed",
    "report.escalated",
    "report.resolved",
    "report.closed",
)
SUBSCRIPTION_STATES = ("active", "failing")
DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)
    # Kept in clear: every delivery is signed with it (a hash could not sign).
    secret: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # A failing receiver is left alone until then, so a dead one is not hammered.
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


# The outbox rows the deliverer has not yet turned into deliveries (app.webhooks.fan_out).
WAITING = "fanned_out_at IS NULL"


class OutboxEvent(Base):
    """One event other systems follow, written in the transaction of the change itself."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        Index(
            "ix_webhook_outbox_waiting",
            "id",
            postgresql_where=text(WAITING),
            sqlite_where=text(WAITING),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    report_event_id: Mapped[int | None] = mapped_column(ForeignKey("report_events.id"))
    # The body's content as of the commit (the case as it was then, not when delivered).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    # The subscriptions that followed this event when it was committed. The deliverer makes
    # their deliveries later (fan_out), so a filing writes one row here, not one plus one per
    # receiver; a subscription added after the commit is not among them and never gets it.
    receivers: Mapped[list[int]] = mapped_column(JSON, default=list)
    # When the deliveries were made; NULL while the event waits for the deliverer.
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """Sending one outbox event to one subscription, with its retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "outbox_event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Sent as X-Jiefen-Delivery; the same on every retry so receivers can drop repeats.
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    # Indexed by the unique constraint, whose first column it is.
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("webhook_outbox.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # A deliverer's lease: nobody else sends this delivery before claimed_until.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    outbox_event: Mapped[OutboxEvent] = relationship()

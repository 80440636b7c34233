"""`flask outbox deliver | status | purge`: the webhook deliverer and its housekeeping."""

import signal
import threading
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import delete, exists, func, select

from app.core.clock import now
from app.extensions import db
from app.webhooks.delivery import Settings, deliver_due
from app.webhooks.models import OutboxEvent, WebhookDelivery, WebhookSubscription

outbox_cli = AppGroup("outbox", help="Deliver webhook events to subscribed systems.")


@outbox_cli.command("deliver")
@click.option("--once", is_flag=True, help="Send what is due, then exit (for cron).")
@click.option("--interval", type=float, default=None, help="Seconds between polls.")
def deliver(once: bool, interval: float | None):
    """Send due deliveries; several deliverers may run side by side."""
    settings = Settings.from_config(current_app.config)
    interval = interval if interval is not None else current_app.config["WEBHOOK_POLL_SECONDS"]
    stop = threading.Event()
    if not once:
        # Finish the delivery in hand on SIGTERM rather than leaving it to the lease.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while True:
        outcomes = deliver_due(settings)
        if outcomes:
            click.echo(", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
        if once or stop.wait(interval):
            break


@outbox_cli.command("status")
def status():
    """Deliveries by state, and the subscriptions that are failing."""
    counts = db.session.execute(
        select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    ).all()
    for state, count in sorted(counts):
        click.echo(f"{state}: {count}")
    waiting = db.session.scalar(select(func.count()).where(OutboxEvent.fanned_out_at.is_(None)))
    click.echo(f"events waiting for fan-out: {waiting}")
    for sub in db.session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.status == "failing")
    ):
        click.echo(f"failing: #{sub.id} {sub.url} ({sub.consecutive_failures}) {sub.last_error}")


@outbox_cli.command("purge")
@click.option("--days", type=int, default=30, show_default=True)
def purge(days: int):
    """Delete finished deliveries, and events left without deliveries, older than --days."""
    cutoff = now() - timedelta(days=days)
    done = db.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status.in_(("delivered", "failed")),
            WebhookDelivery.created_at < cutoff,
        )
    ).rowcount
    orphaned = db.session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.created_at < cutoff,
            OutboxEvent.fanned_out_at.is_not(None),
            ~exists().where(WebhookDelivery.outbox_event_id == OutboxEvent.id),
        )
    ).rowcount
    db.session.commit()
    click.echo(f"deleted {done} deliveries and {orphaned} events")

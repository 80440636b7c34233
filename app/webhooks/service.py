"""Webhook subscriptions: add, look up, remove, and how their deliveries stand."""

from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from app.accounts.models import User
from app.core.errors import Invalid
from app.core.lookup import get_or_404
from app.extensions import db
from app.webhooks.destinations import DestinationRefused, safe_addresses
from app.webhooks.fan_out import fan_out
from app.webhooks.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookSubscription
from app.webhooks.signing import new_secret


def check_url(url: str) -> str:
    url = url.strip()
    problem = Invalid.field("url", "must be an absolute http:// or https:// URL")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise problem
    try:
        parts = urlsplit(url)
        _ = parts.port  # a malformed port or IPv6 address raises here
    except ValueError as error:
        raise problem from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise problem
    try:
        safe_addresses(parts.hostname, parts.port)
    except DestinationRefused as error:
        raise Invalid.field("url", f"cannot be used: {error}") from None
    return url


def create_subscription(
    url: str,
    events: list[str],
    secret: str | None = None,
    description: str = "",
    created_by: User | None = None,
) -> WebhookSubscription:
    """A new receiver of `events`; without a secret one is generated (shown once)."""
    url = check_url(url)
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if not events or unknown:
        raise Invalid.field("events", f"give one or more of {', '.join(WEBHOOK_EVENTS)}")
    subscription = WebhookSubscription(
        url=url,
        events=[e for e in WEBHOOK_EVENTS if e in events],
        secret=secret or new_secret(),
        description=description,
        created_by_user_id=created_by.id if created_by else None,
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def get_subscription(subscription_id: int) -> WebhookSubscription:
    return get_or_404(WebhookSubscription, subscription_id, "webhook subscription")


def delete_subscription(subscription_id: int) -> None:
    """Remove the receiver and the deliveries still waiting for it."""
    subscription = get_subscription(subscription_id)
    db.session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    )
    db.session.delete(subscription)


def delivery_counts(subscriptions: list[WebhookSubscription]) -> None:
    """Attach `pending_deliveries` and `failed_deliveries` to each (one query), after making
    the deliveries of events still waiting for the deliverer (commits), so none is missed."""
    fan_out()
    ids = [s.id for s in subscriptions]
    counts = {
        (sub_id, status): n
        for sub_id, status, n in db.session.execute(
            select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.subscription_id.in_(ids))
            .group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)
        )
    }
    for s in subscriptions:
        s.pending_deliveries = counts.get((s.id, "pending"), 0)
        s.failed_deliveries = counts.get((s.id, "failed"), 0)

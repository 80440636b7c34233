"""Webhook subscriptions (admin): add, list, look at deliveries, remove."""

from sqlalchemy import select

from app.audit import record_change
from app.audit.setup_subjects import webhook_fields
from app.core.auth import current_user
from app.core.pagination import CursorArgs, page_by_id, page_schema
from app.extensions import Blueprint, db
from app.webhooks import service
from app.webhooks.fan_out import fan_out
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.schemas import (
    DeliveryArgs,
    DeliverySchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookSchema,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Outgoing webhooks: signed, retried deliveries of case events (see README).",
)


@blp.post("")
@blp.staff("admin")
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookCreatedSchema)
def create_webhook(args):
    """Subscribe a URL to case events; the response carries the signing secret once."""
    subscription = service.create_subscription(**args, created_by=current_user())
    record_change("webhook.create", "webhook", subscription.id, subscription.url,
                  after=webhook_fields(subscription))  # fmt: skip
    db.session.commit()
    service.delivery_counts([subscription])
    return subscription


@blp.get("")
@blp.staff("admin")
@blp.arguments(CursorArgs, location="query")
@blp.response(200, page_schema(WebhookSchema, "WebhookPage"))
def list_webhooks(args):
    """List subscriptions with their health and waiting deliveries."""
    items, cursor = page_by_id(
        select(WebhookSubscription), WebhookSubscription.id, args["limit"], args["cursor"], False
    )
    service.delivery_counts(items)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<int:subscription_id>")
@blp.staff("admin")
@blp.response(200, WebhookSchema)
def get_webhook(subscription_id):
    """One subscription."""
    subscription = service.get_subscription(subscription_id)
    service.delivery_counts([subscription])
    return subscription


@blp.delete("/<int:subscription_id>")
@blp.staff("admin")
@blp.response(204)
def delete_webhook(subscription_id):
    """Remove a subscription; deliveries still waiting for it are dropped."""
    before = webhook_fields(service.get_subscription(subscription_id))
    service.delete_subscription(subscription_id)
    record_change("webhook.delete", "webhook", subscription_id, before["url"], before=before)
    db.session.commit()


@blp.get("/<int:subscription_id>/deliveries")
@blp.staff("admin")
@blp.arguments(DeliveryArgs, location="query")
@blp.response(200, page_schema(DeliverySchema, "WebhookDeliveryPage"))
def list_deliveries(args, subscription_id):
    """The subscription's deliveries, newest first: status, attempts, last answer."""
    service.get_subscription(subscription_id)
    fan_out()  # events still waiting for the deliverer are listed as the deliveries they make
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if "status" in args:
        query = query.where(WebhookDelivery.status == args["status"])
    items, cursor = page_by_id(query, WebhookDelivery.id, args["limit"], args["cursor"])
    return {"items": items, "next_cursor": cursor}

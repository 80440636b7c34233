"""Request and response shapes for webhook subscriptions and their deliveries."""

import marshmallow as ma

from app.core.pagination import CursorArgs
from app.core.schemas import Schema, ShanghaiDateTime
from app.webhooks.models import DELIVERY_STATES, SUBSCRIPTION_STATES, WEBHOOK_EVENTS

EVENTS_FIELD_DOC = {"description": f"any of: {', '.join(WEBHOOK_EVENTS)}"}
NO_CONTROL_CHARACTERS = ma.validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="control characters")


class WebhookCreateSchema(Schema):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(WEBHOOK_EVENTS)),
        required=True,
        validate=ma.validate.Length(min=1),
        metadata=EVENTS_FIELD_DOC,
    )
    secret = ma.fields.String(
        load_default=None,
        validate=[
            ma.validate.Length(min=16, max=128),
            ma.validate.Regexp(r"^[\x21-\x7e]*$", error="printable ASCII without spaces"),
        ],
        metadata={"description": "HMAC key for X-Jiefen-Signature; generated when absent"},
    )
    description = ma.fields.String(
        load_default="", validate=[ma.validate.Length(max=200), NO_CONTROL_CHARACTERS]
    )


class WebhookSchema(Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    events = ma.fields.List(ma.fields.String(), required=True, metadata=EVENTS_FIELD_DOC)
    description = ma.fields.String()
    status = ma.fields.String(
        metadata={
            "enum": list(SUBSCRIPTION_STATES),
            "description": "failing: repeated errors; paused until `paused_until`, then probed",
        }
    )
    consecutive_failures = ma.fields.Integer()
    paused_until = ShanghaiDateTime(allow_none=True)
    last_success_at = ShanghaiDateTime(allow_none=True)
    last_failure_at = ShanghaiDateTime(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    pending_deliveries = ma.fields.Integer()
    failed_deliveries = ma.fields.Integer(metadata={"description": "given up after all retries"})
    created_at = ShanghaiDateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(
        required=True, metadata={"description": "shown only in this response; keep it"}
    )


class DeliveryArgs(CursorArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(DELIVERY_STATES))


class DeliverySchema(Schema):
    id = ma.fields.Integer(required=True)
    delivery_id = ma.fields.String(required=True, metadata={"description": "X-Jiefen-Delivery"})
    event = ma.fields.String(attribute="outbox_event.event", metadata=EVENTS_FIELD_DOC)
    event_id = ma.fields.Integer(attribute="outbox_event_id")
    report_id = ma.fields.Integer(attribute="outbox_event.report_id")
    status = ma.fields.String(metadata={"enum": list(DELIVERY_STATES)})
    attempts = ma.fields.Integer()
    next_attempt_at = ShanghaiDateTime(allow_none=True)
    last_attempt_at = ShanghaiDateTime(allow_none=True)
    last_status_code = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    delivered_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime()

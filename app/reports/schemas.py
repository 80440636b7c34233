"""How a report looks to staff (phones masked for roles that do not need them) and its timeline."""

from contextvars import ContextVar

import marshmallow as ma
from flask import g, has_request_context

from app.accounts.models import ROLES_SEEING_PHONES
from app.core.privacy import mask_phone
from app.core.schemas import GeoJSONGeometry, Schema, ShanghaiDateTime
from app.reports.models import CARDS, CHANNELS, LOCATION_SOURCES, RISK_LEVELS, STATUSES

# Who the report is being shown to, when not the signed-in user of the request (CLI, tests).
_viewer: ContextVar = ContextVar("report_viewer", default=None)


def shows_phones(user) -> bool:
    return user is not None and user.has_role(*ROLES_SEEING_PHONES)


class PhoneField(ma.fields.String):
    """A phone number, masked (138****5678) unless the viewer's role needs to ring it."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        viewer = _viewer.get() or (g.get("current_user") if has_request_context() else None)
        return value if shows_phones(viewer) else mask_phone(value)


class EventSchema(Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    actor_user_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(allow_none=True)
    actor_unit_code = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    payload = ma.fields.Dict()
    public = ma.fields.Boolean()
    created_at = ShanghaiDateTime()


class ReportSchema(Schema):
    id = ma.fields.Integer(required=True)
    tracking_no = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(STATUSES)})
    channel = ma.fields.String(required=True, metadata={"enum": list(CHANNELS)})
    description = ma.fields.String(required=True)
    category_code = ma.fields.String(allow_none=True)
    risk_level = ma.fields.String(allow_none=True, metadata={"enum": list(RISK_LEVELS)})
    location = GeoJSONGeometry(allow_none=True)
    location_source = ma.fields.String(allow_none=True, metadata={"enum": list(LOCATION_SOURCES)})
    accuracy_m = ma.fields.Float(allow_none=True)
    area_code = ma.fields.String(allow_none=True, metadata={"description": "the deepest area"})
    subdistrict_code = ma.fields.String(allow_none=True)
    unit_code = ma.fields.String(allow_none=True)
    in_coverage = ma.fields.Boolean()
    snapped_m = ma.fields.Float(allow_none=True)
    tier = ma.fields.String(allow_none=True)
    accept_due_at = ShanghaiDateTime(allow_none=True)
    due_at = ShanghaiDateTime(allow_none=True)
    card = ma.fields.String(metadata={"enum": list(CARDS)})
    duplicate_of = ma.fields.Integer(allow_none=True)
    reporter_name = ma.fields.String(allow_none=True)
    reporter_phone = PhoneField(allow_none=True)
    outcome = ma.fields.String(allow_none=True)
    satisfaction = ma.fields.String(allow_none=True)
    reopen_count = ma.fields.Integer()
    return_count = ma.fields.Integer()
    occurred_at = ShanghaiDateTime(allow_none=True)
    queued_at = ShanghaiDateTime(allow_none=True)
    triaged_at = ShanghaiDateTime(allow_none=True)
    dispatched_at = ShanghaiDateTime(allow_none=True)
    resolved_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime(required=True)
    updated_at = ShanghaiDateTime(required=True)
    version = ma.fields.Integer(required=True)


class ReportDetailSchema(ReportSchema):
    timeline = ma.fields.List(ma.fields.Nested(EventSchema), attribute="events")


def dump_report(report, user, schema_class: type[ReportSchema] = ReportSchema) -> dict:
    """Serialise for a given viewer outside a request (in a view, the signed-in user counts)."""
    token = _viewer.set(user)
    try:
        return schema_class().dump(report)
    finally:
        _viewer.reset(token)

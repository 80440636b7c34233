"""How a report looks to staff (phones masked for roles that do not need them) and its timeline."""

from contextvars import ContextVar
from datetime import timedelta

import marshmallow as ma
from flask import g, has_request_context, request
from flask_smorest.fields import Upload

from app.accounts.models import ROLES_SEEING_PHONES
from app.core.clock import now
from app.core.pagination import CursorArgs
from app.core.plain_dump import dumper
from app.core.privacy import mask_phone, normalise_mobile
from app.core.schemas import (
    GeoJSONGeometry,
    PositionSchema,
    Schema,
    ShanghaiDateTime,
)
from app.reports.models import (
    CARDS,
    CHANNELS,
    LOCATION_SOURCES,
    PARTY_ROLES,
    RISK_LEVELS,
    STATUSES,
)

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
    qr_site_id = ma.fields.Integer(allow_none=True, metadata={"description": "the scanned QR site"})
    device_location = GeoJSONGeometry(
        allow_none=True, metadata={"description": "where the phone said it was (QR reports)"}
    )
    device_distance_m = ma.fields.Float(allow_none=True)
    far_from_site = ma.fields.Boolean(
        allow_none=True, metadata={"description": "the phone was far from the scanned site"}
    )
    attributes = ma.fields.Dict(
        allow_none=True,
        metadata={"description": "answers to the category's questions (Open311 attributes)"},
    )
    do_not_publish = ma.fields.Boolean(
        metadata={"description": "the reporter asked not to publish: left out of public lists"}
    )
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
    assigned_at = ShanghaiDateTime(
        allow_none=True, metadata={"description": "when the current unit got the case"}
    )
    accepted_at = ShanghaiDateTime(allow_none=True)
    resolved_at = ShanghaiDateTime(allow_none=True)
    closed_at = ShanghaiDateTime(allow_none=True)
    archived_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime(required=True)
    updated_at = ShanghaiDateTime(required=True)
    version = ma.fields.Integer(required=True)


class PartySchema(Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    phone = PhoneField(allow_none=True)
    role = ma.fields.String(required=True, metadata={"enum": list(PARTY_ROLES)})


class PhotoSchema(Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.Function(
        lambda p: photo_path(p.report_id, p.id), metadata={"type": "string"}, required=True
    )
    thumb_url = ma.fields.Function(
        lambda p: photo_path(p.report_id, p.id, thumb=True),
        metadata={"type": "string"},
        required=True,
    )
    width = ma.fields.Integer(required=True)
    height = ma.fields.Integer(required=True)
    exif_lon = ma.fields.Float(allow_none=True, metadata={"description": "WGS84, from the photo"})
    exif_lat = ma.fields.Float(allow_none=True)
    uploaded_by_user_id = ma.fields.Integer(allow_none=True)
    created_at = ShanghaiDateTime(required=True)


def photo_path(report_id: int, photo_id: int, thumb: bool = False) -> str:
    return f"/api/v1/reports/{report_id}/photos/{photo_id}" + ("?thumb=1" if thumb else "")


class ReportDetailSchema(ReportSchema):
    timeline = ma.fields.List(ma.fields.Nested(EventSchema), attribute="events")
    parties = ma.fields.List(ma.fields.Nested(PartySchema))
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema))
    mediation = ma.fields.Method(
        "_mediation",
        metadata={
            "description": "the attempt rule (三级调解) at the case's tier: sessions used "
            "and left, days left, whether the tier is spent; null before mediation begins "
            "there (see GET /reports/<id>/sessions)"
        },
    )

    def _mediation(self, report):
        from app.mediation.rule import attempt_status
        from app.mediation.schemas import AttemptSchema

        status = attempt_status(report) if report.id else None
        return AttemptSchema().dump(status.as_dict()) if status else None


class ReportCreatedSchema(ReportDetailSchema):
    tracking_key = ma.fields.String(
        required=True,
        metadata={
            "description": "Shown once: give it to a walk-in resident with the tracking number "
            "so they can follow the case; only its hash is kept on the report."
        },
    )


# --- what phones send -----------------------------------------------------------------------

# Channels staff file through. qr_scan comes through the public intake (app.public); no
# intake path writes open311 yet: the channel is reserved for an Open311 interface.
STAFF_CHANNELS = ("grid_worker", "walk_in", "hotline_12345", "video_patrol", "import")
# A phone's clock may run a little fast; further ahead than this, the clock is wrong.
CLOCK_SKEW = timedelta(hours=1)
CLIENT_UUID = ma.validate.Regexp(
    r"^[A-Za-z0-9_.:-]{1,64}$", error="1 to 64 letters, digits or _.:- (a UUID is best)"
)
SYNC_LIMIT = 100


class MobileField(ma.fields.String):
    """A mainland mobile number in any usual spelling (+86, spaces, dashes), kept as 11 digits."""

    default_error_messages = {"mobile": "must be a mainland mobile number, e.g. 13812345678"}

    def _deserialize(self, value, attr, data, **kwargs):
        phone = normalise_mobile(super()._deserialize(value, attr, data, **kwargs))
        if phone is None:
            raise self.make_error("mobile")
        return phone


class PartyInSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    phone = MobileField(load_default=None, allow_none=True)
    role = ma.fields.String(load_default="当事人", validate=ma.validate.OneOf(PARTY_ROLES))


class LocationInSchema(PositionSchema):
    accuracy_m = ma.fields.Float(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=0, max=100_000),
        metadata={"description": "the accuracy radius the phone reports, in metres"},
    )


class ReportInSchema(Schema):
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(STAFF_CHANNELS))
    category_code = ma.fields.String(load_default=None, allow_none=True)
    location = ma.fields.Nested(LocationInSchema, load_default=None, allow_none=True)
    location_source = ma.fields.String(
        load_default="device",
        validate=ma.validate.OneOf(("device", "manual", "photo_exif")),
        metadata={"description": "device (GPS fix) or manual (picked on a map)"},
    )
    occurred_at = ShanghaiDateTime(load_default=None, allow_none=True)
    client_uuid = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=CLIENT_UUID,
        metadata={"description": "made by the phone; a retry with the same one files nothing new"},
    )
    reporter_name = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=60)
    )
    reporter_phone = MobileField(load_default=None, allow_none=True)
    parties = ma.fields.List(
        ma.fields.Nested(PartyInSchema), load_default=list, validate=ma.validate.Length(max=20)
    )

    @ma.validates("occurred_at")
    def _not_in_the_future(self, value, **_kwargs):
        if value is not None and value > now() + CLOCK_SKEW:
            raise ma.ValidationError("is in the future; check the phone's clock")


class SyncItemSchema(ReportInSchema):
    client_uuid = ma.fields.String(required=True, validate=CLIENT_UUID)
    occurred_at = ShanghaiDateTime(required=True)


class _EachOnItsOwn(ma.fields.Nested):
    """Documented as the item schema, but loaded raw: the service checks each item by itself,
    so one bad item is rejected alone instead of failing the whole batch."""

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class SyncRequestSchema(Schema):
    reports = ma.fields.List(
        _EachOnItsOwn(SyncItemSchema),
        required=True,
        validate=[
            ma.validate.Length(min=1, error="send at least one report"),
            ma.validate.Length(
                max=SYNC_LIMIT,
                error=f"at most {SYNC_LIMIT} reports per sync; send the rest in another request",
            ),
        ],
    )


class SyncItemResultSchema(Schema):
    index = ma.fields.Integer(required=True, metadata={"description": "position in the request"})
    client_uuid = ma.fields.String(allow_none=True)
    result = ma.fields.String(required=True, metadata={"enum": ["created", "existed", "rejected"]})
    id = ma.fields.Integer(allow_none=True)
    tracking_no = ma.fields.String(allow_none=True)
    tracking_key = ma.fields.String(allow_none=True)
    errors = ma.fields.Dict(
        allow_none=True, metadata={"description": "rejected only: field → messages"}
    )


class SyncResponseSchema(Schema):
    created = ma.fields.Integer(required=True)
    existed = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)
    results = ma.fields.List(ma.fields.Nested(SyncItemResultSchema), required=True)


class PhotoUploadSchema(Schema):
    photos = Upload(
        required=True,
        metadata={"description": "one JPEG, PNG or WebP photo per request (≤ 10 MB)"},
    )
    client_uuid = ma.fields.String(load_default=None, allow_none=True, validate=CLIENT_UUID)

    @ma.pre_load
    def _with_form_fields(self, data, **_kwargs):
        # Multipart puts the file in request.files and the plain fields in request.form.
        return {**request.form.to_dict(), **{key: data[key] for key in data}}


class PhotoArgs(Schema):
    thumb = ma.fields.Boolean(load_default=False, metadata={"description": "the 320 px thumbnail"})


# --- what staff ask for ---------------------------------------------------------------------


class ConditionalHeaders(Schema):
    if_none_match = ma.fields.String(
        data_key="If-None-Match",
        load_default=None,
        metadata={"description": "the ETag of the answer you have; 304 while it still holds"},
    )


class ReportFilterArgs(CursorArgs):
    status = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(STATUSES)),
        load_default=list,
        metadata={"description": "repeat for several"},
    )
    area_code = ma.fields.String(
        load_default=None, metadata={"description": "that area and everything inside it"}
    )
    category_code = ma.fields.String(
        load_default=None, metadata={"description": "that category and its sub-kinds"}
    )
    channel = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(CHANNELS)), load_default=list
    )
    since = ShanghaiDateTime(load_default=None, metadata={"description": "created at or after"})
    until = ShanghaiDateTime(load_default=None, metadata={"description": "created before"})
    mine = ma.fields.Boolean(load_default=False, metadata={"description": "filed by me"})

    @ma.validates_schema
    def _since_before_until(self, data, **_kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ma.ValidationError("must be later than since", "until")


def dump_report(report, user, schema_class: type[ReportSchema] = ReportSchema) -> dict:
    """Serialise for a given viewer outside a request (in a view, the signed-in user counts)."""
    token = _viewer.set(user)
    try:
        # The plain dumper: the same dict, without marshmallow's per-value machinery (the
        # answer to every report filed).
        return dumper(schema_class)(report)
    finally:
        _viewer.reset(token)

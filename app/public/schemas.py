"""Shapes of the public intake and tracking API (no account; the tracking key is the proof)."""

import marshmallow as ma
from flask_smorest.fields import Upload

from app.core.schemas import COORD_SYS_FIELD, Schema, ShanghaiDateTime
from app.public.intake import MAX_DESCRIPTION, MAX_PHOTOS
from app.public.reporter_actions import MAX_ANSWER, MAX_COMMENT
from app.reports.models import SATISFACTIONS, STATUSES

POSITION_HELP = "the phone's position; with a site_code it is kept beside the site's"


class PublicReportSchema(Schema):
    """A resident's report as JSON (photos need multipart/form-data)."""

    site_code = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=64),
        metadata={"description": "the code from the scanned QR (/s/<code>)"},
    )
    lon = ma.fields.Float(
        load_default=None,
        validate=ma.validate.Range(min=-180, max=180),
        metadata={"description": POSITION_HELP},
    )
    lat = ma.fields.Float(load_default=None, validate=ma.validate.Range(min=-90, max=90))
    coord_sys = COORD_SYS_FIELD
    accuracy_m = ma.fields.Float(load_default=None, validate=ma.validate.Range(min=0, max=1e6))
    description = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=MAX_DESCRIPTION * 2),
        metadata={"description": f"what happened, up to {MAX_DESCRIPTION} characters"},
    )
    category_code = ma.fields.String(load_default=None, validate=ma.validate.Length(max=40))
    contact_phone = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=20),
        metadata={"description": "mainland mobile number (11 digits; +86 and spaces are fine)"},
    )
    client_uuid = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=64),
        metadata={
            "description": "16-64 of A-Z a-z 0-9 - _; sending the same one again returns the "
            "same report and key (or send an Idempotency-Key header)"
        },
    )


class PublicReportFormSchema(PublicReportSchema):
    """The same report as multipart/form-data, with up to three photos."""

    photos = ma.fields.List(
        Upload(),
        metadata={"description": f"up to {MAX_PHOTOS} JPEG, PNG or WebP files, 10 MB each"},
    )


class FiledSchema(Schema):
    tracking_no = ma.fields.String(required=True)
    tracking_key = ma.fields.String(
        required=True, metadata={"description": "keep it: with the number it shows the case"}
    )
    status = ma.fields.String(required=True, metadata={"enum": list(STATUSES)})
    tracking_url = ma.fields.String(required=True, metadata={"description": "the tracking page"})


class TrackArgs(Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(max=64))


class TimelineEntrySchema(Schema):
    at = ShanghaiDateTime(required=True)
    action = ma.fields.String(required=True)
    text = ma.fields.String(required=True, metadata={"description": "in Chinese, for residents"})


class PublicCaseSchema(Schema):
    tracking_no = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(STATUSES)})
    status_text = ma.fields.String(required=True)
    case_status = ma.fields.String(
        required=True,
        metadata={
            "enum": list(STATUSES),
            "description": "for a merged report, the status of the report it was merged into",
        },
    )
    case_status_text = ma.fields.String(required=True)
    merged = ma.fields.Boolean(required=True)
    description = ma.fields.String(required=True)
    category_name = ma.fields.String(allow_none=True)
    site_name = ma.fields.String(allow_none=True)
    created_at = ShanghaiDateTime(required=True)
    updated_at = ShanghaiDateTime(required=True)
    question = ma.fields.String(
        allow_none=True, metadata={"description": "what the centre asks, when needs_info"}
    )
    can_answer = ma.fields.Boolean(required=True)
    can_rate = ma.fields.Boolean(required=True)
    satisfaction = ma.fields.String(allow_none=True)
    satisfaction_text = ma.fields.String(allow_none=True)
    outcome_text = ma.fields.String(allow_none=True)
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntrySchema), required=True)


class FeedbackSchema(Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(max=64))
    satisfaction = ma.fields.String(required=True, validate=ma.validate.OneOf(SATISFACTIONS))
    comment = ma.fields.String(load_default=None, validate=ma.validate.Length(max=MAX_COMMENT))


class InfoSchema(Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(max=64))
    answer = ma.fields.String(required=True, validate=ma.validate.Length(max=MAX_ANSWER * 2))

"""Request and response shapes for the loop after dispatch, supervision, deadlines and calendar."""

import marshmallow as ma

from app.core.pagination import CursorArgs
from app.core.schemas import Schema, ShanghaiDateTime
from app.lifecycle.ending import METHODS
from app.reports.models import OUTCOMES, RISK_LEVELS, SATISFACTIONS
from app.workflow.models import DAY_KINDS, TIME_UNITS

NOTE = ma.validate.Length(min=1, max=2000)


class StepSchema(Schema):
    version = ma.fields.Integer(
        load_default=None,
        metadata={
            "description": "the report's version you acted on; 409 when someone changed it since"
        },
    )


class AcceptSchema(StepSchema):
    note = ma.fields.String(load_default=None, validate=NOTE)


class ReasonSchema(StepSchema):
    reason = ma.fields.String(required=True, validate=NOTE)


class NoteSchema(StepSchema):
    note = ma.fields.String(required=True, validate=NOTE)


class ProgressForm(StepSchema):
    note = ma.fields.String(load_default=None, validate=ma.validate.Length(max=2000))
    # Read from the multipart files by the view; declared here so the document shows it.
    photos = ma.fields.List(
        ma.fields.Raw(metadata={"type": "string", "format": "binary"}),
        load_only=True,
        metadata={"description": "JPEG/PNG photos (at most 9 per report)"},
    )


class ResolveSchema(StepSchema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(OUTCOMES))
    note = ma.fields.String(required=True, validate=NOTE)


class FollowUpSchema(StepSchema):
    satisfaction = ma.fields.String(required=True, validate=ma.validate.OneOf(SATISFACTIONS))
    method = ma.fields.String(required=True, validate=ma.validate.OneOf(METHODS))
    note = ma.fields.String(load_default=None, validate=NOTE)


class CloseSchema(StepSchema):
    without_follow_up = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "supervisors only, for reports without reporter contact"},
    )
    reason = ma.fields.String(load_default=None, validate=NOTE)


class OverdueArgs(CursorArgs):
    card = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("yellow", "red")))
    unit_code = ma.fields.String(load_default=None)


class PolicySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    category_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "null: every category without a policy of its own"},
    )
    risk_level = ma.fields.String(required=True, validate=ma.validate.OneOf(RISK_LEVELS))
    accept_within = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=720))
    accept_unit = ma.fields.String(required=True, validate=ma.validate.OneOf(TIME_UNITS))
    resolve_within = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=720))
    resolve_unit = ma.fields.String(required=True, validate=ma.validate.OneOf(TIME_UNITS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    updated_at = ShanghaiDateTime(dump_only=True)


class PreviewArgs(Schema):
    category_code = ma.fields.String(load_default=None)
    risk_level = ma.fields.String(required=True, validate=ma.validate.OneOf(RISK_LEVELS))
    start = ShanghaiDateTime(load_default=None, metadata={"description": "default: now"})


class PreviewSchema(Schema):
    policy = ma.fields.String(metadata={"description": "'policy <id>' or 'default'"})
    start = ShanghaiDateTime()
    accept_yellow_at = ShanghaiDateTime()
    accept_due_at = ShanghaiDateTime()
    yellow_at = ShanghaiDateTime()
    due_at = ShanghaiDateTime()


class CalendarDaySchema(Schema):
    day = ma.fields.Date(dump_only=True)
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(DAY_KINDS),
        metadata={"description": "holiday: a rest day; workday: a weekend day worked (调休)"},
    )
    name = ma.fields.String(load_default="", validate=ma.validate.Length(max=40))


class CalendarArgs(Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=2000, max=2100))

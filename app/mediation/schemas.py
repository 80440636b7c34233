"""Request and response shapes for mediation sessions and the attempt rule."""

import marshmallow as ma

from app.core.schemas import Schema, ShanghaiDateTime
from app.mediation.models import RESULTS
from app.reports.models import TIERS
from app.workflow.schemas import StepSchema

TEXT = ma.validate.Length(min=1, max=2000)
NAMES = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=60)))


class SessionInSchema(StepSchema):
    held_at = ShanghaiDateTime(required=True, metadata={"description": "when it was held"})
    place = ma.fields.String(load_default=None, validate=ma.validate.Length(max=200))
    online = ma.fields.Boolean(load_default=False)
    mediators = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
        required=True,
        metadata={"description": "names: staff, or outside mediators (金牌调解员, 法律顾问 …)"},
    )
    parties_present = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=60)), load_default=list
    )
    proposal = ma.fields.String(load_default=None, validate=TEXT)
    result = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(RESULTS),
        metadata={
            "description": "达成协议 agreement / 部分达成 partial / 未达成 no_agreement / "
            "当事人未到场 absent"
        },
    )
    terms = ma.fields.String(
        load_default=None, validate=TEXT, metadata={"description": "what was agreed"}
    )
    performance = ma.fields.String(
        load_default=None,
        validate=TEXT,
        metadata={"description": "履行方式、时限: how and by when the terms are carried out"},
    )
    note = ma.fields.String(load_default=None, validate=TEXT)
    next_step = ma.fields.String(load_default=None, validate=TEXT)


class SessionSchema(Schema):
    id = ma.fields.Integer()
    report_id = ma.fields.Integer()
    tier = ma.fields.String(allow_none=True)
    unit_code = ma.fields.String(allow_none=True)
    held_at = ShanghaiDateTime()
    place = ma.fields.String()
    online = ma.fields.Boolean()
    mediators = ma.fields.List(ma.fields.String())
    parties_present = ma.fields.List(ma.fields.String())
    proposal = ma.fields.String(allow_none=True)
    result = ma.fields.String()
    terms = ma.fields.String(allow_none=True)
    performance = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    next_step = ma.fields.String(allow_none=True)
    event_id = ma.fields.Integer(allow_none=True)
    created_at = ShanghaiDateTime()


class AttemptSchema(Schema):
    tier = ma.fields.String()
    max_sessions = ma.fields.Integer()
    within_days = ma.fields.Integer()
    sessions_used = ma.fields.Integer()
    sessions_left = ma.fields.Integer()
    started_at = ShanghaiDateTime(allow_none=True)
    ends_at = ShanghaiDateTime(allow_none=True)
    days_left = ma.fields.Float(allow_none=True)
    agreed = ma.fields.Boolean()
    spent = ma.fields.Boolean(
        metadata={
            "description": "attempts or days used without agreement: "
            "the case is offered for escalation"
        }
    )
    spent_at = ShanghaiDateTime(allow_none=True)
    escalate_at = ShanghaiDateTime(
        allow_none=True, metadata={"description": "when the sweep sends the case up a tier"}
    )
    cause = ma.fields.String(allow_none=True, metadata={"enum": ["sessions", "days"]})


class SessionListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(SessionSchema))
    attempts = ma.fields.Nested(
        AttemptSchema,
        allow_none=True,
        metadata={
            "description": "the attempt rule at the case's tier; null before mediation begins there"
        },
    )


class MediationPolicySchema(Schema):
    tier = ma.fields.String(required=True, validate=ma.validate.OneOf(TIERS))
    category_code = ma.fields.String(load_default=None, allow_none=True)
    max_sessions = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 365))
    within_days = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 365))
    source = ma.fields.String(dump_only=True, metadata={"enum": ["stored", "default"]})


class SummonsInSchema(StepSchema):
    unit_codes = ma.fields.List(ma.fields.String(), required=True)
    reason = ma.fields.String(required=True, validate=TEXT)
    due_at = ShanghaiDateTime(required=True, metadata={"description": "report by then"})


class PartNoteSchema(Schema):
    note = ma.fields.String(load_default=None, validate=TEXT)


class PartReportSchema(Schema):
    note = ma.fields.String(required=True, validate=TEXT)


class PartReasonSchema(Schema):
    reason = ma.fields.String(required=True, validate=TEXT)


class PartSchema(Schema):
    id = ma.fields.Integer()
    report_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["co_unit", "summons"]})
    unit_code = ma.fields.String()
    by_unit_code = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    state = ma.fields.String(metadata={"enum": ["open", "accepted", "reported", "released"]})
    due_at = ShanghaiDateTime(allow_none=True)
    card = ma.fields.String()
    accepted_at = ShanghaiDateTime(allow_none=True)
    reported_at = ShanghaiDateTime(allow_none=True)
    report_note = ma.fields.String(allow_none=True)
    released_at = ShanghaiDateTime(allow_none=True)
    release_reason = ma.fields.String(allow_none=True)
    created_at = ShanghaiDateTime()


class TierSuccessSchema(Schema):
    tier = ma.fields.String()
    cases = ma.fields.Integer(metadata={"description": "cases with a session at this tier"})
    agreed = ma.fields.Integer()
    success_rate = ma.fields.Float(allow_none=True)


class SummonsAnswerSchema(Schema):
    unit_code = ma.fields.String()
    name = ma.fields.String()
    summoned = ma.fields.Integer()
    on_time = ma.fields.Integer()
    late = ma.fields.Integer()
    unanswered = ma.fields.Integer()
    on_time_rate = ma.fields.Float()


class MediationFiguresSchema(Schema):
    sessions = ma.fields.Integer()
    by_tier = ma.fields.List(ma.fields.Nested(TierSuccessSchema))
    agreements = ma.fields.Integer()
    avg_sessions_to_agreement = ma.fields.Float(allow_none=True)
    escalated_by_attempt_rule = ma.fields.Integer()
    joint_cases = ma.fields.Integer()
    joint_resolved = ma.fields.Integer()
    joint_median_hours_to_resolve = ma.fields.Float(allow_none=True)
    summons_by_department = ma.fields.List(ma.fields.Nested(SummonsAnswerSchema))

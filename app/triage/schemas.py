"""Request and response shapes for the queue, triage decisions and the rules."""

import marshmallow as ma

from app.core.pagination import CursorArgs
from app.core.schemas import PatchSchema, Schema, ShanghaiDateTime
from app.lifecycle.triage import DECISIONS as ACTIONS
from app.lifecycle.triage import REJECT_REASONS
from app.reports.models import CHANNELS, RISK_LEVELS, STATUSES
from app.reports.schemas import ReportSchema
from app.triage.models import RULE_KINDS, RULE_MATCHES


class QueueArgs(CursorArgs):
    claimed = ma.fields.String(
        load_default="all",
        validate=ma.validate.OneOf(("all", "mine", "free")),
        metadata={"description": "all; mine (leased to me); free (nobody's lease is running)"},
    )
    channel = ma.fields.String(load_default=None, validate=ma.validate.OneOf(CHANNELS))


class ClaimSchema(Schema):
    user_id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(allow_none=True)
    expires_at = ShanghaiDateTime(required=True)
    mine = ma.fields.Boolean(required=True)


class DuplicateSchema(Schema):
    report_id = ma.fields.Integer(required=True)
    tracking_no = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(STATUSES)})
    score = ma.fields.Float(required=True, metadata={"description": "0…1, higher is likelier"})
    distance_m = ma.fields.Float(required=True)
    reasons = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "why it may be the same matter, in Chinese (「80 米内」…)"},
    )
    created_at = ShanghaiDateTime(required=True)
    description = ma.fields.String(
        required=True, metadata={"description": "the first 60 characters"}
    )


class RoutingSchema(Schema):
    in_coverage = ma.fields.Boolean(required=True)
    subdistrict_code = ma.fields.String(allow_none=True)
    subdistrict_name = ma.fields.String(allow_none=True)
    unit_code = ma.fields.String(allow_none=True)
    unit_name = ma.fields.String(allow_none=True)
    snapped_m = ma.fields.Float(allow_none=True)
    note = ma.fields.String(allow_none=True, metadata={"description": "set when outside coverage"})


class HandlingSchema(Schema):
    mode = ma.fields.String(required=True, metadata={"enum": ["single", "joint", "district"]})
    reason = ma.fields.String(required=True)


class SuggestionsSchema(Schema):
    duplicates = ma.fields.List(ma.fields.Nested(DuplicateSchema), required=True)
    category_code = ma.fields.String(allow_none=True)
    category_name = ma.fields.String(allow_none=True)
    category_reasons = ma.fields.List(ma.fields.String(), required=True)
    risk_level = ma.fields.String(required=True, metadata={"enum": list(RISK_LEVELS)})
    risk_reasons = ma.fields.List(ma.fields.String(), required=True)
    junk_score = ma.fields.Float(required=True, metadata={"description": "0…1"})
    junk_reasons = ma.fields.List(ma.fields.String(), required=True)
    routing = ma.fields.Nested(RoutingSchema, required=True)
    handling = ma.fields.Nested(
        HandlingSchema,
        required=True,
        metadata={
            "description": "风险分级: one unit (一般), joint handling (较大), the district "
            "tier (重大, 紧急); dispatch with co_unit_codes or the district unit"
        },
    )
    computed_at = ShanghaiDateTime(required=True)


class QueueItemSchema(Schema):
    report = ma.fields.Nested(ReportSchema, required=True)
    claim = ma.fields.Nested(ClaimSchema, allow_none=True, required=True)
    suggestions = ma.fields.Nested(SuggestionsSchema, required=True)


class QueuePageSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema), required=True)
    next_cursor = ma.fields.String(allow_none=True, required=True)


class ClaimArgs(Schema):
    limit = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=50))


class ClaimedSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema), required=True)
    lease_seconds = ma.fields.Integer(required=True)


class ReleaseArgs(Schema):
    report_ids = ma.fields.List(
        ma.fields.Integer(), required=True, validate=ma.validate.Length(min=1, max=200)
    )


class ReleasedSchema(Schema):
    released = ma.fields.List(ma.fields.Integer(), required=True)
    not_held = ma.fields.List(
        ma.fields.Integer(),
        required=True,
        metadata={"description": "ids the caller held no lease on (nothing changed for them)"},
    )


class TriageSchema(Schema):
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(ACTIONS))
    category_code = ma.fields.String(
        load_default=None, allow_none=True, metadata={"description": "required to dispatch"}
    )
    risk_level = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(RISK_LEVELS),
        metadata={"description": "required to dispatch"},
    )
    area_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "dispatch: send to this area's unit instead of the suggested"},
    )
    unit_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "dispatch: this unit; required when the report is outside coverage"
        },
    )
    co_unit_codes = ma.fields.List(
        ma.fields.String(),
        load_default=None,
        allow_none=True,
        metadata={
            "description": "dispatch: joint handling (联调联处) — co-units (协办) beside the lead "
            "`unit_code`; each accepts and reports its part, due with the case"
        },
    )
    duplicate_of = ma.fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "merge: the surviving report"}
    )
    reason = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=1000),
        metadata={
            "description": "dispatch: why, when overriding the routing (required then); "
            f"reject: one of {', '.join(REJECT_REASONS)}; "
            "need_info: the question for the reporter (shown on the tracking page)"
        },
    )
    note = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=1000),
        metadata={"description": "reject: optional words for the reporter (required for 其他)"},
    )


class TimingArgs(Schema):
    since = ShanghaiDateTime(required=True)
    until = ShanghaiDateTime(required=True)


class TimingRowSchema(Schema):
    day = ma.fields.Date(required=True, metadata={"description": "in Asia/Shanghai"})
    cleaner_user_id = ma.fields.Integer(allow_none=True)
    cleaner_name = ma.fields.String(allow_none=True)
    channel = ma.fields.String(required=True)
    triaged = ma.fields.Integer(required=True)
    dispatched = ma.fields.Integer(required=True)
    median_minutes = ma.fields.Float(required=True)
    mean_minutes = ma.fields.Float(required=True)
    max_minutes = ma.fields.Float(required=True)


class RuleSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(RULE_KINDS))
    match = ma.fields.String(
        load_default="keyword",
        validate=ma.validate.OneOf(RULE_MATCHES),
        metadata={
            "description": "keyword (a substring), regex (RE2 syntax: no backreferences or "
            "lookaround), people_at_least or "
            "amount_at_least (a number: people/households, or yuan, read from the text)"
        },
    )
    pattern = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    target = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "a category code (kind category) or a risk level (kind risk)"},
    )
    weight = ma.fields.Float(
        load_default=1.0,
        validate=ma.validate.Range(min=-100, max=100),
        metadata={"description": "category: matches add up, the heaviest category wins"},
    )
    active = ma.fields.Boolean(load_default=True)
    created_at = ShanghaiDateTime(dump_only=True)
    updated_at = ShanghaiDateTime(dump_only=True)


class RulePatchSchema(PatchSchema):
    kind = ma.fields.String(validate=ma.validate.OneOf(RULE_KINDS))
    match = ma.fields.String(validate=ma.validate.OneOf(RULE_MATCHES))
    pattern = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    target = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    weight = ma.fields.Float(validate=ma.validate.Range(min=-100, max=100))
    active = ma.fields.Boolean()


class RuleListArgs(CursorArgs):
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf(RULE_KINDS))

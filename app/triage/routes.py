"""The cleaner's desk: the queue, claims, triage decisions, timings and the rules."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.audit import record_change
from app.audit.setup_subjects import rule_fields
from app.core.auth import current_user
from app.core.errors import Conflict, Invalid
from app.core.idempotency import REPLAYED_HEADER_DOC
from app.core.pagination import page_by_id, page_schema
from app.core.plain_dump import json_response
from app.extensions import Blueprint, db
from app.lifecycle.engine import apply
from app.lifecycle.policy import report_for
from app.reports.retries import retry_safe_step
from app.reports.schemas import ReportDetailSchema
from app.triage import claims, rules, timings
from app.triage.models import TriageRule
from app.triage.queue import commit_keeping, items_for, list_queue
from app.triage.schemas import (
    ClaimArgs,
    ClaimedSchema,
    QueueArgs,
    QueuePageSchema,
    ReleaseArgs,
    ReleasedSchema,
    RuleListArgs,
    RulePatchSchema,
    RuleSchema,
    TimingArgs,
    TimingRowSchema,
    TriageSchema,
)
from app.triage.service import report_to_decide
from app.triage.suggestions import refresh_text_suggestions

queue_blp = Blueprint(
    "queue", __name__, url_prefix="/api/v1/queue", description="The cleaner's triage queue"
)
triage_blp = Blueprint(
    "triage", __name__, url_prefix="/api/v1", description="Triage decisions on one report"
)
rules_blp = Blueprint(
    "triage_rules",
    __name__,
    url_prefix="/api/v1/triage/rules",
    description="Rules that suggest a category and a risk level",
)

MAX_TIMING_SPAN = timedelta(days=366)


@queue_blp.get("")
@queue_blp.staff("cleaner", "supervisor", "admin")
@queue_blp.arguments(QueueArgs, location="query")
@queue_blp.response(200, QueuePageSchema)
def get_queue(args):
    """Reports waiting for triage in your areas, most urgent first, with suggestions."""
    items, cursor = list_queue(
        current_user(), args["limit"], args["cursor"], args["claimed"], args["channel"]
    )
    # Suggestions filled in for reports that came back to the queue are kept.
    commit_keeping(items, only_if_stored=True)
    return json_response(QueuePageSchema, {"items": items, "next_cursor": cursor})


@queue_blp.post("/claim")
@queue_blp.staff("cleaner")
@queue_blp.arguments(ClaimArgs)
@queue_blp.response(200, ClaimedSchema)
def post_claim(args):
    """Lease up to `limit` unclaimed reports from the top of the queue to yourself."""
    user = current_user()
    reports = claims.claim_next(user, args["limit"])
    items = items_for(reports, user)
    commit_keeping(items)
    return {"items": items, "lease_seconds": int(current_app.config["QUEUE_LEASE_SECONDS"])}


@queue_blp.post("/release")
@queue_blp.staff("cleaner")
@queue_blp.arguments(ReleaseArgs)
@queue_blp.response(200, ReleasedSchema)
def post_release(args):
    """Give back your leases on these reports, so other cleaners can take them."""
    released, not_held = claims.release(current_user(), args["report_ids"])
    db.session.commit()
    return {"released": released, "not_held": not_held}


@queue_blp.get("/timings")
@queue_blp.staff("cleaner", "supervisor", "admin")
@queue_blp.arguments(TimingArgs, location="query")
@queue_blp.response(200, TimingRowSchema(many=True))
def get_timings(args):
    """Time from entering the queue to triage, per day (Shanghai), cleaner and channel."""
    since, until = args["since"], args["until"]
    if until <= since:
        raise Invalid.field("until", "must be after since", "query")
    if until - since > MAX_TIMING_SPAN:
        raise Invalid.field("until", "at most 366 days after since", "query")
    return timings.triage_timings(current_user(), since, until)


@triage_blp.post("/reports/<int:report_id>/triage")
@triage_blp.staff("cleaner")
@triage_blp.arguments(TriageSchema)
@triage_blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def post_triage(args, report_id: int):
    """Dispatch, merge, reject or ask the reporter for more; needs your claim or a free report.

    Answers with the report as `GET /reports/<id>` shows it (timeline, photos, parties)."""
    user = current_user()
    report = report_to_decide(user, report_id, args)
    apply(report, args["action"], user, args)
    db.session.commit()
    return report


@triage_blp.post("/reports/<int:report_id>/claim")
@triage_blp.staff("cleaner")
@triage_blp.response(200, ClaimedSchema)
def post_report_claim(report_id: int):
    """Lease this report to yourself (or renew your lease); 409 if another cleaner holds it."""
    user = current_user()
    report = claims.claim_report(user, report_id)
    items = items_for([report], user)
    commit_keeping(items)
    return {"items": items, "lease_seconds": int(current_app.config["QUEUE_LEASE_SECONDS"])}


@triage_blp.delete("/reports/<int:report_id>/claim")
@triage_blp.staff("cleaner")
@triage_blp.response(204)
def delete_report_claim(report_id: int):
    """Give back your lease on this report; 409 if it is another cleaner's."""
    user = current_user()
    report = report_for(user, report_id, for_update=True)
    if claims.claim_is_active(report) and report.claimed_by_user_id != user.id:
        raise Conflict(f"report {report_id} is leased to another cleaner")
    if report.claimed_by_user_id == user.id:
        claims.clear_claim(report)
    db.session.commit()


@rules_blp.get("")
@rules_blp.staff("admin", "supervisor", "cleaner")
@rules_blp.arguments(RuleListArgs, location="query")
@rules_blp.response(200, page_schema(RuleSchema, "TriageRulePage"))
def list_rules(args):
    """The rules, oldest first (`kind` filters)."""
    query = select(TriageRule)
    if args["kind"]:
        query = query.where(TriageRule.kind == args["kind"])
    items, cursor = page_by_id(query, TriageRule.id, args["limit"], args["cursor"], False)
    return {"items": items, "next_cursor": cursor}


@rules_blp.post("")
@rules_blp.staff("admin")
@rules_blp.arguments(RuleSchema)
@rules_blp.response(201, RuleSchema)
def post_rule(args):
    """Add a rule; reports waiting in the queue are re-graded at once."""
    rule = rules.create_rule(**args)
    refresh_text_suggestions()
    record_change("rule.create", "rule", rule.id, rule.pattern, after=rule_fields(rule))
    db.session.commit()
    return rule


@rules_blp.patch("/<int:rule_id>")
@rules_blp.staff("admin")
@rules_blp.arguments(RulePatchSchema)
@rules_blp.response(200, RuleSchema)
def patch_rule(args, rule_id: int):
    """Change a rule (or switch it off with `active: false`); the queue is re-graded."""
    before = rule_fields(rules.get_rule(rule_id))
    rule = rules.update_rule(rule_id, **args)
    refresh_text_suggestions()
    kind = "rule.retire" if before["active"] and not rule.active else "rule.update"
    record_change(kind, "rule", rule.id, rule.pattern, before=before, after=rule_fields(rule))
    db.session.commit()
    return rule


@rules_blp.delete("/<int:rule_id>")
@rules_blp.staff("admin")
@rules_blp.response(204)
def delete_rule(rule_id: int):
    """Delete a rule; the queue is re-graded."""
    before = rule_fields(rules.get_rule(rule_id))
    rules.delete_rule(rule_id)
    refresh_text_suggestions()
    record_change("rule.retire", "rule", rule_id, before["pattern"], before=before,
                  summary="删除规则")  # fmt: skip
    db.session.commit()

"""Call-back (回访), reopening (返工) and closing: the end of the loop before the archive."""

from flask import current_app

from app.accounts.models import User
from app.core.clock import now
from app.core.errors import Conflict, Invalid
from app.reports.models import SATISFACTIONS, Report, ReportEvent
from app.workflow.deadlines import start_deadlines
from app.workflow.escalation import current_tier, escalate
from app.workflow.service import authorise_step, take_step
from app.workflow.transitions import REPORTER, SYSTEM

METHODS = ("phone", "visit", "online")


def record_follow_up(
    report: Report,
    satisfaction: str,
    method: str,
    note: str | None = None,
    actor: User | None = None,
    expected_version: int | None = None,
) -> ReportEvent:
    """Store the call-back; `dissatisfied` sends the case back to its unit, up to a limit.

    `actor=None` is the reporter rating the result on the tracking page.
    """
    as_role = None if actor else REPORTER
    authorise_step(report, "follow_up", actor, as_role, expected_version)
    if satisfaction not in SATISFACTIONS:
        raise Invalid.field("satisfaction", f"must be one of {', '.join(SATISFACTIONS)}")
    if method not in METHODS:
        raise Invalid.field("method", f"must be one of {', '.join(METHODS)}")
    event = take_step(
        report,
        "follow_up",
        actor,
        as_role=as_role,
        reason=note,
        payload={"satisfaction": satisfaction, "method": method},
        public=True,
        expected_version=expected_version,
    )
    report.satisfaction, report.followed_up_at = satisfaction, now()
    if satisfaction == "dissatisfied":
        reopen(report, actor, reason=note or "回访不满意")
    return event


def reopen(
    report: Report,
    actor: User | None,
    reason: str,
    *,
    as_role: str | None = None,
    expected_version: int | None = None,
) -> ReportEvent:
    """返工: back to the unit with fresh deadlines.

    Past REOPEN_LIMIT reopenings the unit has had its chances: the case goes to the district
    tier (城区兜底), where the centre's supervisors hold it, and the event says so.
    """
    as_role = as_role or (None if actor else SYSTEM)
    authorise_step(report, "reopen", actor, as_role, expected_version)
    if not (reason or "").strip():
        raise Invalid.field("reason", "say why the case is reopened")
    limit = int(current_app.config["REOPEN_LIMIT"])
    over_limit = report.reopen_count >= limit
    event = take_step(
        report,
        "reopen",
        actor,
        as_role=as_role,
        reason=reason,
        payload={"reopen_count": report.reopen_count + 1, "to_supervisor": over_limit},
        public=True,
        expected_version=expected_version,
    )
    report.reopen_count += 1
    report.satisfaction = report.followed_up_at = None
    report.resolved_at = report.closed_at = None
    report.outcome = report.resolution_note = None
    if over_limit and current_tier(report) != "district":
        try:
            escalated = escalate(
                report,
                None,
                f"返工已达{limit}次上限，转区级兜底并提请督办",
                as_role=SYSTEM,
                to_tier="district",
                cause="reopen_limit",
            )
        except Conflict as error:
            # No district unit configured: the case stays with its unit, and the event says why.
            event.payload = {**event.payload, "escalation_failed": error.message}
        else:
            event.payload = {**event.payload, "escalated_to": escalated.payload["to_unit"]}
            return event
    start_deadlines(report)
    return event


def has_reporter_contact(report: Report) -> bool:
    """Someone to call back: a phone number, or a staff reporter (a grid worker's own report)."""
    return bool(report.reporter_phone) or report.reporter_user_id is not None


def close(
    report: Report,
    actor: User,
    *,
    without_follow_up: bool = False,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ReportEvent:
    """结案 after a call-back; a supervisor may close without one when nobody can be called."""
    action = "close_without_follow_up" if without_follow_up else "close"
    authorise_step(report, action, actor, expected_version=expected_version)
    if without_follow_up and has_reporter_contact(report):
        raise Conflict(
            f"report {report.id} has a reporter to call back; record the call-back "
            "(POST /follow-up) and close it normally",
            {"json": {"without_follow_up": ["only for reports without reporter contact"]}},
        )
    if not without_follow_up and report.followed_up_at is None:
        raise Conflict(
            f"report {report.id} has no call-back (回访) yet; record one first, or — when the "
            "reporter left no contact — a supervisor closes it with without_follow_up",
            {"json": {"action": ["call-back missing"]}},
        )
    payload = (
        {"follow_up": "none: no reporter contact"}
        if without_follow_up
        else {"satisfaction": report.satisfaction}
    )
    event = take_step(
        report,
        action,
        actor,
        reason=reason or ("无联系方式，免回访结案" if without_follow_up else None),
        payload=payload,
        public=True,
        expected_version=expected_version,
    )
    report.closed_at = now()
    return event

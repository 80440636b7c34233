"""Call-back (回访), reopening (返工), closing and archiving: the end of the loop."""

from flask import current_app

from app.core.clock import now
from app.core.errors import Conflict, Invalid
from app.lifecycle.engine import REPORTER, SYSTEM, Step
from app.reports.models import SATISFACTIONS, Report
from app.workflow.deadlines import start_deadlines
from app.workflow.escalation import current_tier

METHODS = ("phone", "visit", "online")


def follow_up(step: Step) -> None:
    """Store the call-back; `dissatisfied` sends the case back to its unit, up to a limit."""
    report, satisfaction, method = (
        step.report,
        step.data.get("satisfaction"),
        step.data.get("method"),
    )
    if satisfaction not in SATISFACTIONS:
        raise Invalid.field("satisfaction", f"must be one of {', '.join(SATISFACTIONS)}")
    if method not in METHODS:
        raise Invalid.field("method", f"must be one of {', '.join(METHODS)}")
    note = step.data.get("note")
    step.move(note, {"satisfaction": satisfaction, "method": method})
    report.satisfaction, report.followed_up_at = satisfaction, now()
    if satisfaction == "dissatisfied":
        # The reporter's own rating reopens on the system's account, a call-back on the caller's.
        actor = SYSTEM if step.actor is REPORTER else None
        step.then("reopen", {"reason": note or "回访不满意"}, actor)


def reopen(step: Step) -> None:
    """返工: back to the unit with fresh deadlines.

    Past REOPEN_LIMIT reopenings the unit has had its chances: the case goes to the district
    tier (城区兜底), where the centre's supervisors hold it, and the event says so.
    """
    report = step.report
    reason = step.data.get("reason")
    if not (reason or "").strip():
        raise Invalid.field("reason", "say why the case is reopened")
    limit = int(current_app.config["REOPEN_LIMIT"])
    over_limit = report.reopen_count >= limit
    event = step.move(
        reason, {"reopen_count": report.reopen_count + 1, "to_supervisor": over_limit}
    )
    report.reopen_count += 1
    report.satisfaction = report.followed_up_at = None
    report.resolved_at = report.closed_at = None
    report.outcome = report.resolution_note = None
    if over_limit and current_tier(report) != "district":
        try:
            escalated = step.then(
                "escalate",
                {
                    "reason": f"返工已达{limit}次上限，转区级兜底并提请督办",
                    "to_tier": "district",
                    "cause": "reopen_limit",
                },
                SYSTEM,
            )
        except Conflict as error:
            # No district unit configured: the case stays with its unit, and the event says why.
            event.payload = {**event.payload, "escalation_failed": error.message}
        else:
            event.payload = {**event.payload, "escalated_to": escalated.payload["to_unit"]}
            return
    start_deadlines(report)


def has_reporter_contact(report: Report) -> bool:
    """Someone to call back: a phone number, or a staff reporter (a grid worker's own report)."""
    return bool(report.reporter_phone) or report.reporter_user_id is not None


def close(step: Step) -> None:
    """结案 after a call-back."""
    report = step.report
    if report.followed_up_at is None:
        raise Conflict(
            f"report {report.id} has no call-back (回访) yet; record one first, or — when the "
            "reporter left no contact — a supervisor closes it with without_follow_up",
            {"json": {"action": ["call-back missing"]}},
        )
    step.move(step.data.get("reason"), {"satisfaction": report.satisfaction})
    report.closed_at = now()


def close_without_follow_up(step: Step) -> None:
    """结案 by a supervisor when nobody can be called back."""
    report = step.report
    if has_reporter_contact(report):
        raise Conflict(
            f"report {report.id} has a reporter to call back; record the call-back "
            "(POST /follow-up) and close it normally",
            {"json": {"without_follow_up": ["only for reports without reporter contact"]}},
        )
    step.move(
        step.data.get("reason") or "无联系方式，免回访结案",
        {"follow_up": "none: no reporter contact"},
    )
    report.closed_at = now()


def archive(step: Step) -> None:
    """The case becomes a read-only record: every later write to it is refused with 409."""
    step.move()
    step.report.archived_at = now()

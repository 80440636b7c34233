"""Call-back (回访): the satisfaction result, and reopening (返工) when the reporter is unhappy."""

from flask import current_app

from app.accounts.models import User
from app.core.clock import now
from app.core.errors import Invalid
from app.reports.models import SATISFACTIONS, Report
from app.workflow.service import take_step
from app.workflow.transitions import REPORTER, SYSTEM

METHODS = ("phone", "visit", "online")


def record_follow_up(
    report: Report,
    satisfaction: str,
    method: str,
    note: str | None = None,
    actor: User | None = None,
) -> None:
    """Store the call-back; `dissatisfied` sends the case back to its unit, up to a limit."""
    if satisfaction not in SATISFACTIONS:
        raise Invalid.field("satisfaction", f"must be one of {', '.join(SATISFACTIONS)}")
    if method not in METHODS:
        raise Invalid.field("method", f"must be one of {', '.join(METHODS)}")
    take_step(
        report,
        "follow_up",
        actor,
        as_role=None if actor else REPORTER,
        reason=note,
        payload={"satisfaction": satisfaction, "method": method},
        public=True,
    )
    report.satisfaction, report.followed_up_at = satisfaction, now()
    if satisfaction == "dissatisfied":
        reopen(report, actor, reason=note or "回访不满意")


def reopen(report: Report, actor: User | None, reason: str) -> None:
    """返工: back to the unit; past REOPEN_LIMIT the supervisor is told instead (督办)."""
    limit = int(current_app.config.get("REOPEN_LIMIT", 2))
    over_limit = report.reopen_count >= limit
    take_step(
        report,
        "reopen",
        actor,
        as_role=None if actor else SYSTEM,
        reason=reason,
        payload={"reopen_count": report.reopen_count + 1, "to_supervisor": over_limit},
        public=True,
    )
    report.reopen_count += 1
    report.satisfaction = None
    report.resolved_at = None
    report.outcome = None

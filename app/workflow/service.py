"""Taking a step on a report: check the table and the role, change the state, write the event."""

from typing import Any

from app.accounts.models import User
from app.core.clock import now
from app.core.errors import Conflict, Forbidden, InvalidTransition
from app.reports.events import record_event
from app.reports.models import Report, ReportEvent
from app.workflow.transitions import SYSTEM, Step, step_for


def acting_role(actor: User | None, allowed: frozenset[str], as_role: str | None) -> str:
    """The role the actor takes this step in (staff: one of theirs that the table allows)."""
    if actor is None:
        if as_role in allowed and as_role is not None:
            return as_role
        raise Forbidden("this step needs a signed-in user with the right role")
    if as_role is not None:
        if as_role in allowed and (actor.has_role(as_role) or as_role == SYSTEM):
            return as_role
        raise Forbidden(f"you cannot take this step as {as_role}")
    for role in actor.roles:
        if role in allowed:
            return role
    raise Forbidden(f"this step needs the role {' or '.join(sorted(allowed))}")


def allowed_step(report: Report, action: str) -> Step:
    """The table's row for the report's state and `action`, or 409 naming both."""
    step = step_for(report.status, action)
    if step is None:
        raise InvalidTransition(
            f"cannot {action} a report that is {report.status}",
            {"json": {"action": [f"not allowed in state {report.status}"]}},
        )
    return step


def authorise_step(
    report: Report,
    action: str,
    actor: User | None,
    as_role: str | None = None,
    expected_version: int | None = None,
) -> tuple[Step, str]:
    """Everything that may refuse a step, in order: state (409), role and unit (403), version (409).

    Services call it before their own checks so that a refusal names the real reason first.
    """
    step = allowed_step(report, action)
    role = acting_role(actor, step.roles, as_role)
    if role == "responder" and (actor is None or actor.unit_code != report.unit_code):
        raise Forbidden(
            f"report {report.id} is with unit {report.unit_code}; "
            "responders act only on their own unit's cases"
        )
    if expected_version is not None and expected_version != report.version:
        raise Conflict(
            f"report {report.id} changed (version {report.version}, you had {expected_version}); "
            "reload and try again",
            {"json": {"version": [f"the report is at version {report.version}"]}},
        )
    return step, role


def take_step(
    report: Report,
    action: str,
    actor: User | None,
    *,
    as_role: str | None = None,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    public: bool = False,
    expected_version: int | None = None,
) -> ReportEvent:
    """Move `report` by `action`. The caller changes other fields and commits.

    A concurrent change is caught twice: `expected_version` from the client, and the row's
    version column at flush (SQLAlchemy's optimistic lock), both answered with 409.
    """
    step, role = authorise_step(report, action, actor, as_role, expected_version)
    from_status = report.status
    if step.to is not None:
        report.status = step.to
    report.updated_at = now()
    return record_event(
        report,
        action,
        actor=actor,
        role=role,
        from_status=from_status,
        to_status=report.status,
        reason=reason,
        payload=payload,
        public=public,
    )

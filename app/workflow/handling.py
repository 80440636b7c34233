"""Finding the case a unit's step is about (what the step does is in app.lifecycle)."""

from app.accounts.models import User
from app.core.errors import Conflict, Forbidden
from app.lifecycle.policy import report_for
from app.reports.models import Report
from app.workflow.escalation import escalated_away


def case_for(user: User, report_id: int) -> Report:
    """The case to act on, row-locked: of two people acting at once, the second sees the result.

    A unit that just had the case (escalated away meanwhile) gets a 409 saying where it went,
    not a bare 403.
    """
    try:
        return report_for(user, report_id, for_update=True)
    except Forbidden:
        moved = escalated_away(report_id, user.unit_code)
        if moved is None:
            raise
        raise Conflict(
            f"report {report_id} was escalated from your unit to {moved.payload['to_unit']}; "
            "it is no longer your unit's case",
            {"json": {"action": ["escalated away from your unit"]}},
        ) from None

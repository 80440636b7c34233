"""Who may see which report: area scope for staff, the unit's own cases for responders."""

from sqlalchemy import ColumnElement, false, or_, true

from app.accounts.models import User
from app.core.auth import scope_of
from app.core.errors import Forbidden
from app.core.lookup import get_or_404
from app.reports.models import Report

# Roles that see every report in their areas; responders see only their unit's cases.
AREA_ROLES = ("admin", "supervisor", "cleaner", "grid_worker")
# The centre's desk also sees reports that fell outside every area: someone must route them.
CENTRE_ROLES = ("admin", "supervisor", "cleaner")


def visible_clause(user: User) -> ColumnElement[bool]:
    """SQL filter for the reports `user` may see."""
    scope = scope_of(user)
    if scope.unrestricted:
        return true()
    clauses = [Report.reporter_user_id == user.id]
    if user.has_role(*AREA_ROLES):
        clauses.append(scope.clause(Report.area_path))
    if user.has_role(*CENTRE_ROLES):
        clauses.append(Report.area_path.is_(None))
    if user.has_role("responder") and user.unit_code:
        clauses.append(Report.unit_code == user.unit_code)
    return or_(*clauses) if clauses else false()


def can_see(user: User, report: Report) -> bool:
    scope = scope_of(user)
    return (
        scope.unrestricted
        or report.reporter_user_id == user.id
        or (user.has_role(*AREA_ROLES) and scope.covers(report.area_path))
        or (user.has_role(*CENTRE_ROLES) and report.area_path is None)
        or bool(
            user.has_role("responder") and user.unit_code and report.unit_code == user.unit_code
        )
    )


def report_for(user: User, report_id: int, *, for_update: bool = False) -> Report:
    """The report, or 404 when it does not exist, 403 when it is outside the caller's reach."""
    report = get_or_404(Report, report_id, "report", with_for_update=for_update or None)
    if not can_see(user, report):
        raise Forbidden(f"report {report_id} is outside your areas or unit")
    return report

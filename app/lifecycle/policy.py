"""Who may see which report: one definition, read both as SQL (lists) and in Python (one case).

`rule_for(user)` builds the user's rule once from small conditions that each know how to say
themselves as a WHERE clause and how to test a loaded report, so the list filter
(`visible_clause`) and the object check (`can_see`) cannot drift apart — the pattern of
BEMServer's authorization module. The rule:

* admins see everything;
* anyone sees the reports they filed themselves;
* area roles (supervisor, cleaner, grid worker) see the reports inside their areas;
* the centre's desk (supervisor, cleaner) with the whole district in scope also sees reports
  outside every area — someone must route them; a sub-district's staff do not;
* a responder sees the cases dispatched to their unit: not reports still in the queue (or
  rejected there) whose routing merely points at the unit; and the cases where their unit is a
  co-unit (协办) or was summoned (吹哨报到), nothing else of the lead unit's.

What a user may *do* to a report is `app.lifecycle.allowed_actions`, built on this rule.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from app.accounts.models import User
from app.core.auth import scope_of
from app.core.errors import Forbidden
from app.core.lookup import get_or_404
from app.lifecycle.states import WITH_A_UNIT
from app.reports.models import Report

AREA_ROLES = ("admin", "supervisor", "cleaner", "grid_worker")
CENTRE_ROLES = ("admin", "supervisor", "cleaner")


@dataclass(frozen=True)
class Condition:
    """One rule on a report, as SQL and as a test of a loaded report."""

    clause: Callable[[], ColumnElement[bool]]
    test: Callable[[Report], bool]


EVERYTHING = Condition(lambda: true(), lambda report: True)
NOTHING = Condition(lambda: false(), lambda report: False)


def equals(name: str, value: Any) -> Condition:
    column = getattr(Report, name)
    return Condition(lambda: column == value, lambda r: getattr(r, name) == value)


def is_null(name: str) -> Condition:
    column = getattr(Report, name)
    return Condition(lambda: column.is_(None), lambda r: getattr(r, name) is None)


def not_null(name: str) -> Condition:
    column = getattr(Report, name)
    return Condition(lambda: column.is_not(None), lambda r: getattr(r, name) is not None)


def one_of(name: str, values: Sequence[Any]) -> Condition:
    column = getattr(Report, name)
    return Condition(lambda: column.in_(values), lambda r: getattr(r, name) in values)


def under(paths: Sequence[str]) -> Condition:
    """Inside one of the area subtrees (a path prefix)."""
    if not paths:
        return NOTHING
    return Condition(
        lambda: or_(*(Report.area_path.startswith(p, autoescape=True) for p in paths)),
        lambda r: r.area_path is not None and any(r.area_path.startswith(p) for p in paths),
    )


def any_of(*conditions: Condition) -> Condition:
    if not conditions:
        return NOTHING
    if len(conditions) == 1:
        return conditions[0]
    return Condition(
        lambda: or_(*(c.clause() for c in conditions)),
        lambda r: any(c.test(r) for c in conditions),
    )


def all_of(*conditions: Condition) -> Condition:
    return Condition(
        lambda: and_(*(c.clause() for c in conditions)),
        lambda r: all(c.test(r) for c in conditions),
    )


def has_part(unit_code: str) -> Condition:
    """A case where the unit is a co-unit (协办) or was summoned (吹哨报到)."""
    from app.extensions import db
    from app.mediation.models import CasePart

    def parts():
        return select(CasePart.report_id).where(CasePart.unit_code == unit_code)

    return Condition(
        lambda: Report.id.in_(parts()),
        lambda r: r.id is not None
        and db.session.scalar(parts().where(CasePart.report_id == r.id).limit(1)) is not None,
    )


def whole_district(paths: Sequence[str]) -> bool:
    """A scope that includes a top area (a path of one code, e.g. "/D/")."""
    return any(p.strip("/").count("/") == 0 for p in paths)


def rule_for(user: User) -> Condition:
    scope = scope_of(user)
    if scope.unrestricted:
        return EVERYTHING
    rules = [equals("reporter_user_id", user.id)]
    if user.has_role(*AREA_ROLES):
        rules.append(under(scope.paths))
    if user.has_role(*CENTRE_ROLES) and whole_district(scope.paths):
        rules.append(is_null("area_path"))
    if user.has_role("responder") and user.unit_code:
        rules.append(
            all_of(
                equals("unit_code", user.unit_code),
                one_of("status", WITH_A_UNIT),
                not_null("dispatched_at"),
            )
        )
        # The cases their unit has a part of, and nothing else of the lead unit's.
        rules.append(all_of(one_of("status", WITH_A_UNIT), has_part(user.unit_code)))
    return any_of(*rules)


def visible_clause(user: User) -> ColumnElement[bool]:
    """SQL filter for the reports `user` may list."""
    return rule_for(user).clause()


def can_see(user: User, report: Report) -> bool:
    return rule_for(user).test(report)


def report_for(user: User, report_id: int, *, for_update: bool = False) -> Report:
    """The report, or 404 when it does not exist, 403 when it is outside the caller's reach."""
    report = get_or_404(Report, report_id, "report", with_for_update=for_update or None)
    if not can_see(user, report):
        raise Forbidden(f"report {report_id} is outside your areas or unit")
    return report

"""The overview from the daily rollups: settled cases of whole days, plus a live count of the rest.

The rollups (app/stats/models.py, kept by triggers) count the settled cases (resolved, closed,
archived, rejected, merged) per day of receipt in Asia/Shanghai and per sub-district path. The
overview reads them for the *covered* cases:

    settled, received in a whole day of the window, and inside the caller's areas (and the
    asked-for area) as the rollups can tell them apart (paths of a district or sub-district)

and reads the reports themselves for the rest of what the caller may see in the window:
cases still queued or open, settled cases received in the window's first and last part-days,
and cases the caller sees only as their reporter. The two never overlap and together are the
cases the direct query counts, so every figure is the same; percentiles are taken over the
kept spans and the live ones together, as exact as before.

When the rollups cannot tell the caller's cases apart (a scope or area below a sub-district, a
responder's unit, a filter on status, category or channel, a window without a whole day), there
is no coverage and the overview counts the reports directly (app/stats/overview.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Subquery,
    cast,
    false,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)

from app.accounts.models import User
from app.core.auth import scope_of
from app.core.clock import SHANGHAI, in_shanghai
from app.core.spatial import is_sqlite
from app.extensions import db
from app.lifecycle.policy import AREA_ROLES, CENTRE_ROLES, whole_district
from app.reports.models import STATUSES, Report
from app.stats.dialect import period_text
from app.stats.filters import ReportFilter, area_in_scope, report_clauses
from app.stats.models import DailyCounts, DailyTotals, MonthlyCounts
from app.stats.periods import next_period
from app.stats.rollup_sql import MEASURES, SETTLED

LIVE_STATUSES = tuple(s for s in STATUSES if s not in SETTLED)
# A scope the rollups can tell apart: a path of at most this many codes ('/district/sub/').
SCOPE_DEPTH = 2


@dataclass(frozen=True)
class Coverage:
    """Which cases the rollups answer for: settled, received in [first_day, end_day) (None:
    unbounded), inside `paths` (None: everywhere) or without a position when `pathless`, and
    inside `area_path` when given."""

    first_day: date | None
    end_day: date | None
    paths: tuple[str, ...] | None
    pathless: bool
    area_path: str | None
    reporter_id: int | None  # the caller sees their own reports too (None: sees everything)

    @property
    def starts(self) -> datetime | None:
        return _midnight(self.first_day)

    @property
    def ends(self) -> datetime | None:
        return _midnight(self.end_day)


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), SHANGHAI)


def _depth(path: str) -> int:
    return path.strip("/").count("/") + 1


def coverage(user: User, f: ReportFilter) -> Coverage | None:
    """What the rollups can answer for this caller and filter, or None.

    Mirrors app.lifecycle.policy.rule_for: a caller sees their areas' cases (AREA_ROLES), the
    cases without a position (CENTRE_ROLES with the whole district), and their own reports;
    responders of a unit see more, and are counted directly.
    """
    if f.statuses or f.category_code or f.channel:
        return None
    scope = scope_of(user)
    paths: tuple[str, ...] | None = None
    pathless = True
    if not scope.unrestricted:
        if user.has_role("responder") and user.unit_code:
            return None
        paths = scope.paths if user.has_role(*AREA_ROLES) else ()
        if any(_depth(p) > SCOPE_DEPTH for p in paths):
            return None
        pathless = user.has_role(*CENTRE_ROLES) and whole_district(paths)
        if not paths and not pathless:
            return None
    area_path = None
    if f.area_code:
        area_path = area_in_scope(user, f.area_code).path
        if _depth(area_path) > SCOPE_DEPTH:
            return None
    first_day = end_day = None
    if f.since is not None:
        day = in_shanghai(f.since).date()
        first_day = day if f.since == _midnight(day) else day + timedelta(days=1)
    if f.until is not None:
        end_day = in_shanghai(f.until).date()
    if first_day is not None and end_day is not None and first_day >= end_day:
        return None
    return Coverage(
        first_day, end_day, paths, pathless, area_path, None if scope.unrestricted else user.id
    )


def _paths_clause(cov: Coverage, column, pathless_value) -> ColumnElement[bool]:
    """Inside the caller's areas as the rollups know them (`column`: area_path or scope)."""
    if cov.paths is None:
        return true()
    options = [column.startswith(p, autoescape=True) for p in cov.paths]
    if cov.pathless:
        options.append(pathless_value)
    return or_(*options) if options else false()


def rollup_where(cov: Coverage, table) -> list[ColumnElement[bool]]:
    return [*days_between(table.day, cov.first_day, cov.end_day), *scope_where(cov, table.scope)]


def days_between(day, first: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """`day` in [first, end) (None: unbounded)."""
    return [
        *([day >= first] if first is not None else []),
        *([day < end] if end is not None else []),
    ]


def scope_where(cov: Coverage, scope) -> list[ColumnElement[bool]]:
    """A rollup's `scope` inside the covered paths and area."""
    clauses = []
    if cov.paths is not None:
        clauses.append(_paths_clause(cov, scope, scope == ""))
    if cov.area_path is not None:
        clauses.append(scope.startswith(cov.area_path, autoescape=True))
    return clauses


def live_source(user: User, f: ReportFilter, cov: Coverage, columns: list) -> Subquery:
    """The reports the caller may see in the window that the rollups do not count: three
    disjoint parts, each one an index's range."""
    base = report_clauses(user, f)
    parts = [select(*columns).where(*base, Report.status.in_(LIVE_STATUSES))]
    settled = Report.status.in_(SETTLED)
    if cov.starts is not None:
        parts.append(select(*columns).where(*base, settled, Report.created_at < cov.starts))
    if cov.ends is not None:
        parts.append(select(*columns).where(*base, settled, Report.created_at >= cov.ends))
    if cov.reporter_id is not None:
        # Seen only as their reporter: everything else they see is inside the covered paths.
        inside = _paths_clause(cov, Report.area_path, Report.area_path.is_(None))
        # NOT of a LIKE on a NULL path is NULL, not true: a case without a position is
        # outside unless the covered paths take those in.
        outside = not_(inside) if cov.pathless else or_(Report.area_path.is_(None), not_(inside))
        days = [
            *([Report.created_at >= cov.starts] if cov.starts is not None else []),
            *([Report.created_at < cov.ends] if cov.ends is not None else []),
        ]
        parts.append(
            select(*columns).where(
                *base, settled, *days, Report.reporter_user_id == cov.reporter_id, outside
            )
        )
    return union_all(*parts).subquery("r")


def day_period_key(day, group_by: str) -> ColumnElement:
    """A rollup's day as app.stats.dialect.period_key groups a moment: the same period."""
    if is_sqlite():
        if group_by == "week":
            return func.date(day, literal_column("'-6 days'"), literal_column("'weekday 1'"))
        return func.strftime(literal_column("'%Y-%m-01'"), day)
    return func.date_trunc(literal_column(f"'{group_by}'"), cast(day, DateTime()))


def rollup_measures(cov: Coverage, group_by: str | None) -> dict[str | None, dict[str, int]]:
    """{period (None: the window): {measure: sum}} over the covered cases."""
    sums = [func.coalesce(func.sum(getattr(DailyTotals, m)), 0).label(m) for m in MEASURES]
    where = rollup_where(cov, DailyTotals)
    out: dict[str | None, dict[str, int]] = {}
    queries = [select(null().label("period"), *sums).where(*where)]
    if group_by:
        key = day_period_key(DailyTotals.day, group_by)
        queries.append(select(period_text(key).label("period"), *sums).where(*where).group_by(key))
    for query in queries:
        for row in db.session.execute(query):
            out[row.period] = {m: int(row._mapping[m]) for m in MEASURES}
    return out


def rollup_counts(cov: Coverage) -> dict[str, dict[str | None, int]]:
    """{dimension: {value: covered cases}} (values with none left out): whole months from the
    monthly counts (a year of a district is 190,000 daily rows, 15,000 monthly), the other days
    from the daily ones."""
    months = whole_months(cov)
    parts = []
    if months is not None:
        parts.append(
            select(MonthlyCounts.dim, MonthlyCounts.value, MonthlyCounts.n).where(
                *days_between(MonthlyCounts.month, *months),
                *scope_where(cov, MonthlyCounts.scope),
            )
        )
    for first, end in other_days(cov, months):
        parts.append(
            select(DailyCounts.dim, DailyCounts.value, DailyCounts.n).where(
                *days_between(DailyCounts.day, first, end), *scope_where(cov, DailyCounts.scope)
            )
        )
    rows = union_all(*parts).subquery("c") if len(parts) > 1 else parts[0].subquery("c")
    total = func.sum(rows.c.n)
    query = select(rows.c.dim, rows.c.value, total).group_by(rows.c.dim, rows.c.value)
    out: dict[str, dict[str | None, int]] = {}
    for dim, value, n in db.session.execute(query.having(total > 0)):
        out.setdefault(dim, {})[value or None] = int(n)
    return out


def whole_months(cov: Coverage) -> tuple[date | None, date | None] | None:
    """[first, end) of the whole months inside the covered days (None: unbounded), or None
    when there are none: what the monthly rollups answer for."""
    first = cov.first_day
    if first is not None and first.day != 1:
        first = next_period(first.replace(day=1), "month")
    end = cov.end_day.replace(day=1) if cov.end_day is not None else None
    if first is not None and end is not None and first >= end:
        return None
    return first, end


def other_days(cov: Coverage, months) -> list[tuple[date | None, date | None]]:
    """The covered days outside the whole months, as [first, end) ranges."""
    if months is None:
        return [(cov.first_day, cov.end_day)]
    ranges = []
    if months[0] is not None and cov.first_day is not None and cov.first_day < months[0]:
        ranges.append((cov.first_day, months[0]))
    if months[1] is not None and cov.end_day is not None and months[1] < cov.end_day:
        ranges.append((months[1], cov.end_day))
    return ranges

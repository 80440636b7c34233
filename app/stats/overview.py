"""The overview: counts by state, category, channel, risk and sub-district; rates; times.

Every figure is an SQL aggregate over the reports the caller may see; Python only divides.
"""

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import ColumnElement, Subquery, case, func, select

from app.accounts.models import User
from app.areas.models import Area
from app.categories.models import Category
from app.core.clock import in_shanghai, now
from app.extensions import db
from app.reports.models import CHANNELS, RISK_LEVELS, STATUSES, Report
from app.stats.dialect import (
    counts_by,
    per_group_and_total,
    percentile_columns,
    percentiles,
    period_key,
    roomy_sorts,
    seconds_between,
)
from app.stats.filters import ReportFilter, report_clauses
from app.stats.labels import CHANNEL_NAMES, RISK_NAMES, STATUS_NAMES
from app.stats.periods import next_period, period_start
from app.stats.rollup import (
    Coverage,
    coverage,
    live_source,
    rollup_counts,
    rollup_measures,
)
from app.stats.rollup_sql import MEASURES
from app.stats.span_percentiles import span_percentiles

SETTLED_OUTCOMES = ("mediated", "agreement")
SATISFIED = ("satisfied", "basically_satisfied")
FRACTIONS = (0.5, 0.9)
GROUP_BY = ("week", "month")
# More periods than this in a zero-filled series means the window is not a real one.
MAX_SERIES_PERIODS = 1000
DIMENSIONS = ("status", "channel", "risk_level", "category_code", "subdistrict_code")

DEFINITIONS = """\
Which cases: those the caller may see (their areas; responders their unit) that were received
(`created_at`) in `[since, until)`, inside `area_code` when given. A date is midnight in
Asia/Shanghai.

* **by_status / by_category / by_channel / by_risk / by_subdistrict** — number of those cases
  per value (`key` null: not set yet, e.g. no category before triage, no sub-district when the
  position fell outside every area).
* **resolved** — cases with `resolved_at` set: resolved, closed or archived (a reopened case
  counts again once resolved again).
* **化解率 `rates.mediation`** — resolved cases whose outcome is `mediated` or `agreement`
  ÷ resolved cases.
* **按时办结率 `rates.on_time`** — resolved cases with `resolved_at ≤ due_at` ÷ resolved cases
  that had a deadline (`due_at` set). Cases resolved without a deadline are left out of both.
* **满意率 `rates.satisfaction`** — cases whose latest call-back (回访) was `satisfied` or
  `basically_satisfied` ÷ cases called back at least once (`followed_up_at` set). A case
  reopened after a dissatisfied call-back counts as not satisfied until called back again.
* **返工 `rework.reopens`** — sum of `reopen_count` (times cases went back to the unit after a
  call-back); `rework.cases` — cases reopened at least once.
* **派单用时 `time_to_dispatch`** — `dispatched_at − created_at` for cases dispatched: from
  receipt to the (latest) dispatch, as the reporter waits, including time spent waiting for
  more information and any return and re-dispatch.
* **办结用时 `time_to_resolve`** — `resolved_at − created_at` for resolved cases.
* Times are in seconds: `median_seconds` and `p90_seconds` are continuous percentiles
  (PostgreSQL `percentile_cont`; the same interpolation on SQLite).
* A rate's `value` is null when its denominator is 0.
* **series** (`group_by=week|month`) — the same figures per week (starting Monday) or month of
  receipt, in Asia/Shanghai, with empty periods filled with zeros.
"""


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _columns(group_by: str | None) -> list:
    columns = [
        Report.status,
        Report.channel,
        Report.category_code,
        Report.risk_level,
        Report.subdistrict_code,
        Report.outcome,
        Report.due_at,
        Report.resolved_at,
        Report.followed_up_at,
        Report.satisfaction,
        Report.reopen_count,
        Report.created_at,
        Report.dispatched_at,
    ]
    if group_by:
        columns.append(period_key(Report.created_at, group_by).label("period"))
    return columns


def _source(user: User, f: ReportFilter, group_by: str | None) -> Subquery:
    return select(*_columns(group_by)).where(*report_clauses(user, f)).subquery("r")


def _measures(r: Subquery) -> list:
    resolved = r.c.resolved_at.is_not(None)
    with_deadline = resolved & r.c.due_at.is_not(None)
    followed_up = r.c.followed_up_at.is_not(None)
    return [
        func.count().label("total"),
        _count_if(resolved).label("resolved"),
        _count_if(resolved & r.c.outcome.in_(SETTLED_OUTCOMES)).label("settled"),
        _count_if(with_deadline).label("with_deadline"),
        _count_if(with_deadline & (r.c.resolved_at <= r.c.due_at)).label("on_time"),
        _count_if(followed_up).label("followed_up"),
        _count_if(followed_up & r.c.satisfaction.in_(SATISFIED)).label("satisfied"),
        func.coalesce(func.sum(r.c.reopen_count), 0).label("reopens"),
        _count_if(r.c.reopen_count > 0).label("reopened"),
    ]


def _rate(numerator: int, denominator: int) -> dict:
    value = round(numerator / denominator, 4) if denominator else None
    return {"value": value, "numerator": int(numerator), "denominator": int(denominator)}


def _figures(row) -> dict:
    return {
        "total": int(row.total),
        "resolved": int(row.resolved),
        "rates": {
            "mediation": _rate(row.settled, row.resolved),
            "on_time": _rate(row.on_time, row.with_deadline),
            "satisfaction": _rate(row.satisfied, row.followed_up),
        },
        "rework": {"reopens": int(row.reopens), "cases": int(row.reopened)},
    }


def _duration(n, median, p90) -> dict:
    def seconds(value):
        return None if value is None else round(float(value), 1)

    return {"count": int(n or 0), "median_seconds": seconds(median), "p90_seconds": seconds(p90)}


EMPTY_DURATION = _duration(0, None, None)


def _duration_values(r: Subquery) -> dict[str, tuple[ColumnElement, ColumnElement]]:
    return {
        "time_to_dispatch": (seconds_between(r.c.dispatched_at, r.c.created_at), r.c.dispatched_at),
        "time_to_resolve": (seconds_between(r.c.resolved_at, r.c.created_at), r.c.resolved_at),
    }


def _totals(r: Subquery, grouped: bool) -> dict[str | None, tuple]:
    """{period: (measures, {"time_to_dispatch": …, "time_to_resolve": …})}, the whole window
    under None, periods ('YYYY-MM-DD') beside it when grouped. PostgreSQL reads the cases once:
    the percentiles are computed beside the measures, the periods beside the whole window;
    SQLite asks for the percentiles apart."""
    values = _duration_values(r)
    inline: list = []
    for name, (value, required) in values.items():
        columns = percentile_columns(value, required, FRACTIONS, name)
        if columns is None:
            inline = []
            break
        inline += columns
    aggregates = [*_measures(r), *inline]
    query = per_group_and_total(aggregates, r.c.period) if grouped else select(*aggregates)
    if not inline:
        rows = db.session.execute(query).all()
        durations = _durations(r, None)
        if grouped:
            durations.update(_durations(r, r.c.period))
        return {_period_of(row): (row, durations.get(_period_of(row), {})) for row in rows}
    roomy_sorts()
    return {
        _period_of(row): (
            row,
            {
                name: _duration(*(row._mapping[f"{name}_{part}"] for part in ("n", "p0", "p1")))
                for name in values
            },
        )
        for row in db.session.execute(query)
    }


def _period_of(row) -> str | None:
    return row._mapping.get("period")


def _durations(r: Subquery, group: ColumnElement | None) -> dict[str | None, dict]:
    """{period (None: not grouped): {"time_to_dispatch": …, "time_to_resolve": …}}."""
    out: dict[str | None, dict] = {}
    for name, (value, required) in _duration_values(r).items():
        query = percentiles(value, [required.is_not(None)], FRACTIONS, group)
        for row in db.session.execute(query):
            key = row.grp if group is not None else None
            out.setdefault(key, {})[name] = _duration(row.n, row.p0, row.p1)
    return out


def _listed(
    counts: dict, names: dict[str, str], unset: str, every: tuple[str, ...] = ()
) -> list[dict]:
    """[{key, name, count}]: every known value first (zeros too), then others by count."""
    items = [{"key": k, "name": names.get(k, k), "count": counts.get(k, 0)} for k in every]
    rest = sorted(((k, n) for k, n in counts.items() if k not in every), key=_by_count)
    items += [{"key": k, "name": names.get(k, k) if k else unset, "count": n} for k, n in rest]
    return items


def _by_count(item: tuple) -> tuple:
    key, count = item
    return (-count, key is None, key or "")


def names_for(code_column, name_column, codes) -> dict[str, str]:
    """{code: name} for the given codes (None and unknown codes left out)."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    query = select(code_column, name_column).where(code_column.in_(codes))
    return dict(db.session.execute(query).all())


def overview(
    user: User, f: ReportFilter, group_by: str | None = None, *, rollups: bool = True
) -> dict:
    """The figures (DEFINITIONS). From the daily rollups where they cover the caller's cases
    (app/stats/rollup.py) plus the reports they do not count; `rollups=False` counts every
    report directly (the same answer, slower: the tests compare the two)."""
    covered = coverage(user, f) if rollups else None
    if covered is None:
        r = _source(user, f, group_by)
        found = _totals(r, grouped=group_by is not None)
        counts = counts_by(r, DIMENSIONS)
    else:
        found, counts = _rolled_up(user, f, group_by, covered)
    totals, durations = found.pop(None)
    categories, subdistricts = counts["category_code"], counts["subdistrict_code"]
    result = {
        "since": f.since,
        "until": f.until,
        "area_code": f.area_code,
        "generated_at": now(),
        **_figures(totals),
        "time_to_dispatch": durations.get("time_to_dispatch", EMPTY_DURATION),
        "time_to_resolve": durations.get("time_to_resolve", EMPTY_DURATION),
        "by_status": _listed(counts["status"], STATUS_NAMES, "", STATUSES),
        "by_channel": _listed(counts["channel"], CHANNEL_NAMES, "", CHANNELS),
        "by_risk": _listed(counts["risk_level"], RISK_NAMES, "未分级", RISK_LEVELS),
        "by_category": _listed(
            categories, names_for(Category.code, Category.name, categories), "未分类"
        ),
        "by_subdistrict": _listed(
            subdistricts, names_for(Area.code, Area.name, subdistricts), "区域外"
        ),
        "group_by": group_by,
    }
    if group_by:
        result["series"] = _series(f, group_by, found)
    from app.mediation.stats import mediation_figures

    result["mediation"] = mediation_figures(user, f)
    return result


def _rolled_up(
    user: User, f: ReportFilter, group_by: str | None, covered: Coverage
) -> tuple[dict[str | None, tuple], dict[str, dict[str | None, int]]]:
    """As `_totals` and `counts_by` give them, from the rollups plus the uncovered reports."""
    live = live_source(user, f, covered, _columns(group_by))
    grouped = group_by is not None
    measures = rollup_measures(covered, group_by)
    query = (
        per_group_and_total(_measures(live), live.c.period) if grouped else select(*_measures(live))
    )
    for row in db.session.execute(query):
        into = measures.setdefault(_period_of(row), dict.fromkeys(MEASURES, 0))
        for name in MEASURES:
            into[name] += int(row._mapping[name])
    measures.setdefault(None, dict.fromkeys(MEASURES, 0))
    durations = span_percentiles(covered, live, group_by, FRACTIONS, _duration)
    found = {
        period: (SimpleNamespace(**sums), durations.get(period, {}))
        for period, sums in measures.items()
        if period is None or sums["total"]
    }
    counts = counts_by(live, DIMENSIONS)
    for dim, values in rollup_counts(covered).items():
        into = counts.setdefault(dim, {})
        for value, n in values.items():
            into[value] = into.get(value, 0) + n
    return found, counts


def _series(f: ReportFilter, group_by: str, found: dict[str, tuple]) -> list[dict]:
    series = []
    for start in _period_starts(f, group_by, sorted(found)):
        key = start.isoformat()
        row, spans = found.get(key, (_ZERO_ROW, {}))
        series.append(
            {
                "period_start": key,
                **_figures(row),
                "time_to_dispatch": spans.get("time_to_dispatch", EMPTY_DURATION),
                "time_to_resolve": spans.get("time_to_resolve", EMPTY_DURATION),
            }
        )
    return series


class _ZeroRow:
    total = resolved = settled = with_deadline = on_time = followed_up = satisfied = 0
    reopens = reopened = 0


_ZERO_ROW = _ZeroRow()


def _period_starts(f: ReportFilter, group_by: str, present: list[str]) -> list[date]:
    """Every period from the window's first to its last (or those with cases), none skipped."""
    days = [date.fromisoformat(p) for p in present]
    first = min(days) if days else None
    last = max(days) if days else None
    if f.since is not None:
        first = period_start(in_shanghai(f.since).date(), group_by)
    if f.until is not None:
        last = period_start(in_shanghai(f.until - timedelta(microseconds=1)).date(), group_by)
    if first is None or last is None:
        return days
    starts: list[date] = []
    current = first
    while current <= last:
        if len(starts) >= MAX_SERIES_PERIODS:
            return days
        starts.append(current)
        current = next_period(current, group_by)
    return starts

"""Exact percentiles of the overview's spans without sorting a year of them.

`percentile_cont` over a district's year sorted half a million spans per request (0.6 s; by
month 1.2 s at 1,000,000 reports). A percentile needs only the one or two values at its rank.
So: count the spans per bucket (app.stats.rollup_sql.span_bucket: at most a tenth of a value
wide) — whole months from `stats_span_buckets`, the window's other days from the spans' bucket
index, the live cases' spans in Python — walk the counts to the bucket holding each rank, and
sort only the spans of those buckets. The answer is the value `percentile_cont` gives (the same
interpolation, `lo + (hi - lo) × fraction`), not an estimate: only the reading is cut.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from sqlalchemy import Subquery, func, literal, null, select, union_all

from app.extensions import db
from app.stats.dialect import period_text, seconds_between
from app.stats.models import SettledSpans, SpanBuckets
from app.stats.periods import next_period
from app.stats.rollup import (
    Coverage,
    day_period_key,
    days_between,
    other_days,
    scope_where,
    whole_months,
)
from app.stats.rollup_sql import SPANS, span_bucket

NAMES = {"dispatch": "time_to_dispatch", "resolve": "time_to_resolve"}
Group = str | None  # a period's start ('YYYY-MM-DD'), None for the whole window


def percentile(at: Callable[[int], float], total: int, fraction: float) -> float:
    """`percentile_cont(fraction)` of `total` values, `at(rank)` the rank-th smallest (from
    0), computed as PostgreSQL computes it."""
    position = fraction * (total - 1)
    first, second = math.floor(position), math.ceil(position)
    if second == first:
        return at(first)
    low, high = at(first), at(second)
    return low + (high - low) * (position - first)


def ranks_in_buckets(counts: Counter, ranks: Iterable[int]) -> dict[int, tuple[int, int]]:
    """{rank (0-based): (bucket holding it, values in lower buckets)}."""
    wanted = sorted(set(ranks))
    found: dict[int, tuple[int, int]] = {}
    below = 0
    for bucket in sorted(counts):
        n = counts[bucket]
        while wanted and wanted[0] < below + n:
            found[wanted.pop(0)] = (bucket, below)
        below += n
    return found


def span_percentiles(
    cov: Coverage,
    live: Subquery,
    group_by: str | None,
    fractions: tuple[float, ...],
    duration: Callable,
) -> dict[Group, dict]:
    """{group: {"time_to_dispatch": duration(n, p…), "time_to_resolve": …}} over the covered
    cases' kept spans and the live cases' spans; groups: None and, when grouped, each period
    (app.stats.periods) with spans."""
    counts: dict[tuple[Group, str], Counter] = defaultdict(Counter)

    def add(period: Group, measure: str, bucket: int, n: int) -> None:
        counts[None, measure][bucket] += n
        if period is not None:
            counts[period, measure][bucket] += n

    months = None if group_by == "week" else whole_months(cov)
    if months is not None:
        n = func.sum(SpanBuckets.n)
        keys = [SpanBuckets.measure, SpanBuckets.bucket]
        if group_by:
            keys.insert(0, SpanBuckets.month)
        query = (
            select(*keys, n)
            .where(*days_between(SpanBuckets.month, *months), *scope_where(cov, SpanBuckets.scope))
            .group_by(*keys)
            .having(n != 0)
        )
        for row in db.session.execute(query):
            period = row.month.isoformat() if group_by else None
            add(period, row.measure, row.bucket, int(row[-1]))
    ranges = other_days(cov, months)
    if ranges:
        parts = []
        period = (
            period_text(day_period_key(SettledSpans.day, group_by)).label("period")
            if group_by
            else null().label("period")
        )
        for name in SPANS:
            bucket = getattr(SettledSpans, f"{name}_b")
            for first, end in ranges:
                parts.append(
                    select(literal(name).label("measure"), bucket, period, func.count())
                    .where(
                        bucket.is_not(None),
                        *days_between(SettledSpans.day, first, end),
                        *scope_where(cov, SettledSpans.scope),
                    )
                    .group_by(bucket, *([period] if group_by else []))
                )
        query = union_all(*parts) if len(parts) > 1 else parts[0]
        for measure, bucket, in_period, n in db.session.execute(query).tuples().all():
            add(in_period, measure, bucket, int(n))
    fresh = _live_values(live, group_by is not None)
    for key, by_bucket in fresh.items():
        for bucket, values in by_bucket.items():
            counts[key][bucket] += len(values)

    # The buckets holding each group's ranks; in each, the `t`-th smallest of the kept and
    # live spans (t: the rank less the values below the bucket) has at least t - L kept ones
    # before it (L: live ones in the bucket), so the kept ones from t - L to t, taken in
    # order by the database, and the live ones, sorted together, hold it: a few values a
    # rank are read back, not the bucket.
    located: dict[tuple[Group, str], dict[int, tuple[int, int]]] = {}
    windows: dict[tuple[Group, str, int], tuple[int, int]] = {}
    for key, buckets in counts.items():
        total = sum(buckets.values())
        located[key] = ranks_in_buckets(buckets, [r for f in fractions for r in _ranks(f, total)])
        places: dict[int, list[int]] = defaultdict(list)
        for rank, (bucket, below) in located[key].items():
            places[bucket].append(rank - below)
        for bucket, ts in places.items():
            live_n = len(fresh.get(key, {}).get(bucket, ()))
            first = max(0, min(ts) - live_n)
            windows[(*key, bucket)] = (first, max(ts) - first + 1)
    kept = _kept_values(cov, group_by, windows)

    out: dict[Group, dict] = {}
    for (group, name), buckets in counts.items():
        live_buckets = fresh.get((group, name), {})
        merged = {
            bucket: (first, sorted(kept.get((group, name, bucket), []) + live_buckets[bucket]))
            if bucket in live_buckets
            else (first, kept.get((group, name, bucket), []))
            for (g, n, bucket), (first, _count) in windows.items()
            if (g, n) == (group, name)
        }

        def at(rank: int, where=located[group, name], merged=merged) -> float:
            bucket, below = where[rank]
            first, values = merged[bucket]
            return values[rank - below - first]

        total = sum(buckets.values())
        results = [percentile(at, total, fraction) for fraction in fractions]
        out.setdefault(group, {})[NAMES[name]] = duration(total, *results)
    return out


def _ranks(fraction: float, total: int) -> set[int]:
    position = fraction * (total - 1)
    return {math.floor(position), math.ceil(position)}


def _live_values(live: Subquery, grouped: bool) -> dict[tuple[Group, str], dict[int, list[float]]]:
    """The live cases' spans, computed as the direct count computes them, per group and
    bucket."""
    columns = [
        seconds_between(live.c.dispatched_at, live.c.created_at).label("dispatch"),
        seconds_between(live.c.resolved_at, live.c.created_at).label("resolve"),
    ]
    if grouped:
        columns.append(period_text(live.c.period).label("period"))
    out: dict[tuple[Group, str], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in db.session.execute(select(*columns)).tuples().all():
        for name, value in zip(SPANS, row, strict=False):
            if value is None:
                continue
            bucket = span_bucket(value)
            out[None, name][bucket].append(value)
            if grouped:
                out[row[2], name][bucket].append(value)
    return out


def _kept_values(
    cov: Coverage, group_by: str | None, windows: dict[tuple[Group, str, int], tuple[int, int]]
) -> dict[tuple[Group, str, int], list[float]]:
    """{(group, measure, bucket): the covered cases' kept spans of that bucket, in order,
    `count` of them from the `first`-th}: each a range of the bucket's index, in one
    statement."""
    parts = []
    tags = list(windows)
    for tag, (group, name, bucket) in enumerate(tags):
        first, end = cov.first_day, cov.end_day
        if group is not None:
            start = date.fromisoformat(group)
            first = start if first is None else max(first, start)
            stop = next_period(start, group_by)
            end = stop if end is None else min(end, stop)
        value = getattr(SettledSpans, f"{name}_s")
        offset, count = windows[group, name, bucket]
        ordered = (
            select(value.label("v"))
            .where(
                getattr(SettledSpans, f"{name}_b") == bucket,
                *days_between(SettledSpans.day, first, end),
                *scope_where(cov, SettledSpans.scope),
            )
            .order_by(value)
            .offset(offset)
            .limit(count)
            .subquery()
        )
        parts.append(select(literal(tag).label("tag"), ordered.c.v))
    out: dict[tuple[Group, str, int], list[float]] = defaultdict(list)
    if not parts:
        return out
    query = union_all(*parts) if len(parts) > 1 else parts[0]
    for tag, v in db.session.execute(query).tuples().all():
        out[tags[tag]].append(v)
    return out

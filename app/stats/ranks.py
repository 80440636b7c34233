"""Exact continuous percentiles without sorting every value: count per bucket, then read only
the buckets that hold the ranks asked for.

`percentile_cont(f)` over n values is the value at rank ⌊f·(n−1)⌋ (from 0, in value order),
moved towards the next rank by the fraction's remainder. Two passes over the values find it:

1. how many values fall in each bucket (`duration_bucket`: a non-decreasing function of the
   value, so every bucket is a run of neighbouring ranks) — a hash aggregate, no sort;
2. the values of the few buckets holding the wanted ranks (a filter on the same bucket
   expression), sorted here: the rank's place in its bucket is the rank minus the values of
   the buckets below.

Then the same interpolation as the database's own percentile (`interpolate`), so the answer is
the one `percentiles`/`percentile_cont` gives, bit for bit (tests/stats/test_ranks.py).
"""

import math
from bisect import bisect_right
from collections.abc import Mapping
from itertools import accumulate

from sqlalchemy import ColumnElement, func, literal_column, select, union_all

from app.extensions import db
from app.stats.dialect import duration_bucket, interpolate

Key = str | None  # a period ('YYYY-MM-DD') or None: every value


def _ranks(n: int, fraction: float) -> tuple[int, int, float]:
    position = fraction * (n - 1)
    lower = math.floor(position)
    return lower, math.ceil(position), position - lower


class _Histogram:
    """One key's counts per bucket, in value order."""

    def __init__(self, counts: Mapping) -> None:
        self.buckets = sorted(counts)
        self.below = [0, *accumulate(counts[b] for b in self.buckets)]  # values below each
        self.n = self.below[-1]

    def bucket_of(self, rank: int) -> tuple[object, int]:
        """(bucket, place inside it) of the value at `rank`."""
        i = bisect_right(self.below, rank) - 1
        return self.buckets[i], rank - self.below[i]


def bucketed_percentiles(
    source,
    values: Mapping[str, ColumnElement],
    period: ColumnElement | None,
    fractions: tuple[float, ...],
) -> dict[Key, dict[str, tuple[int, float | None, ...]]]:
    """{None (every value) and each value of `period` (a text key): {name: (n, p0, p1, …)}} for each
    column of `values` (NULLs skipped), as `percentiles` would give them, from `source` (a
    subquery: read twice, never sorted)."""
    names = list(values)
    group = [period.label("grp")] if period is not None else []
    counted = union_all(
        *(
            select(
                *group,
                literal_column(str(i)).label("which"),
                duration_bucket(value).label("bucket"),
                func.count().label("n"),
            )
            .where(value.is_not(None))
            .group_by(*(period,) if period is not None else (), duration_bucket(value))
            for i, value in enumerate(values.values())
        )
    )
    counts: dict[tuple[Key, int], dict] = {}
    for row in db.session.execute(counted):
        keys = (None, row.grp) if period is not None else (None,)
        for key in keys:
            into = counts.setdefault((key, row.which), {})
            into[row.bucket] = into.get(row.bucket, 0) + int(row.n)

    histograms = {k: _Histogram(c) for k, c in counts.items()}
    wanted: dict[int, set] = {}  # which → buckets to read
    for (_key, which), h in histograms.items():
        for fraction in fractions:
            lower, upper, _ = _ranks(h.n, fraction)
            wanted.setdefault(which, set()).update((h.bucket_of(lower)[0], h.bucket_of(upper)[0]))

    read: dict[tuple[int, object], list[tuple[Key, float]]] = {}
    if wanted:
        fetched = union_all(
            *(
                select(
                    *group,
                    literal_column(str(which)).label("which"),
                    duration_bucket(value).label("bucket"),
                    value.label("v"),
                ).where(value.is_not(None), duration_bucket(value).in_(sorted(buckets)))
                for which, value in enumerate(values.values())
                if (buckets := wanted.get(which))
            )
        )
        for row in db.session.execute(fetched):
            read.setdefault((row.which, row.bucket), []).append(
                (row.grp if period is not None else None, row.v)
            )
    sorted_values: dict[tuple[Key, int, object], list[float]] = {}

    def value_at(key: Key, which: int, h: _Histogram, rank: int) -> float:
        bucket, place = h.bucket_of(rank)
        found = sorted_values.get((key, which, bucket))
        if found is None:
            found = sorted(v for grp, v in read[(which, bucket)] if key is None or grp == key)
            sorted_values[(key, which, bucket)] = found
        return found[place]

    out: dict[Key, dict[str, tuple]] = {None: {}}
    for (key, which), h in histograms.items():
        figures = []
        for fraction in fractions:
            lower, upper, weight = _ranks(h.n, fraction)
            low = value_at(key, which, h, lower)
            figures.append(
                low if upper == lower else interpolate(low, value_at(key, which, h, upper), weight)
            )
        out.setdefault(key, {})[names[which]] = (h.n, *figures)
    for figures in out.values():
        for name in names:
            figures.setdefault(name, (0, *(None for _ in fractions)))
    return out

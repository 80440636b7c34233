"""The statistics dialect adapter: percentiles and Shanghai buckets agree on both databases."""

import math
import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import Float, String, literal, select, union_all

from app.core.types import UTCDateTime
from app.extensions import db
from app.stats.dialect import (
    local_period_start,
    percentile_columns,
    percentiles,
    seconds_between,
)
from app.stats.labels import period_label

FRACTIONS = (0.0, 0.25, 0.5, 0.9, 1.0)


def sample(rows: list[tuple], columns: dict):
    """An inline table (SQLite has no column aliases on VALUES): SELECT … UNION ALL SELECT …"""
    selects = [
        select(
            *(literal(v, t).label(name) for v, (name, t) in zip(row, columns.items(), strict=True))
        )
        for row in rows
    ]
    return union_all(*selects).subquery("sample")


def reference(xs: list[float], fraction: float) -> float:
    """percentile_cont as PostgreSQL defines it: interpolate at fraction × (n − 1)."""
    xs = sorted(xs)
    position = fraction * (len(xs) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(xs) - 1)
    return xs[lower] + (xs[upper] - xs[lower]) * (position - lower)


@pytest.mark.parametrize("n", [1, 2, 7, 50])
def test_percentiles_match_percentile_cont(app, n):
    rng = random.Random(n)
    xs = [round(rng.uniform(0, 1000), 3) for _ in range(n)]
    table = sample([(x,) for x in xs], {"x": Float})
    row = db.session.execute(percentiles(table.c.x, [], FRACTIONS)).one()
    assert row.n == n
    for i, fraction in enumerate(FRACTIONS):
        assert row._mapping[f"p{i}"] == pytest.approx(reference(xs, fraction), abs=1e-9)


def test_grouped_percentiles_and_empty_groups(app):
    rows = [("a", 1.0), ("a", 3.0), ("a", 10.0), ("b", 5.0), ("c", None)]
    table = sample(rows, {"g": String, "x": Float})
    found = {
        r.grp: (r.n, r.p0, r.p1)
        for r in db.session.execute(percentiles(table.c.x, [], (0.5, 0.9), table.c.g))
    }
    # "c" has no values: it is absent, as with percentile_cont over no rows.
    assert found == {"a": (3, 3.0, pytest.approx(8.6)), "b": (1, 5.0, 5.0)}


def test_percentiles_beside_other_aggregates_skip_cases_without_the_span(app):
    """The inline percentiles (PostgreSQL) count and rank only the rows whose span is set,
    exactly as the query of their own that filters them (SQLite: there is only that one)."""
    t0 = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
    rows = [
        (t0, datetime(2026, 3, 1, 9, 30, 0, 5, tzinfo=UTC)),
        (t0, None),
        (t0, datetime(2026, 3, 4, 8, 0, 1, tzinfo=UTC)),
        (t0, datetime(2026, 3, 1, 8, 0, 0, 123457, tzinfo=UTC)),
        (t0, None),
        (t0, datetime(2026, 5, 30, 23, 59, 59, 999999, tzinfo=UTC)),
    ]
    table = sample(rows, {"created": UTCDateTime, "done": UTCDateTime})
    span = seconds_between(table.c.done, table.c.created)
    alone = db.session.execute(percentiles(span, [table.c.done.is_not(None)], FRACTIONS)).one()
    assert alone.n == 4
    columns = percentile_columns(span, table.c.done, FRACTIONS, "span")
    if columns is None:
        assert db.session.get_bind().dialect.name == "sqlite"
        return
    inline = db.session.execute(select(*columns)).one()._mapping
    assert inline["span_n"] == 4
    for i in range(len(FRACTIONS)):
        assert inline[f"span_p{i}"] == alone._mapping[f"p{i}"]


def test_shanghai_buckets_and_durations(app):
    moments = [
        datetime(2026, 3, 8, 15, 59, tzinfo=UTC),  # Sunday 23:59 in Shanghai
        datetime(2026, 3, 8, 16, 0, tzinfo=UTC),  # Monday 00:00 in Shanghai
        datetime(2026, 3, 31, 16, 30, tzinfo=UTC),  # 1 April 00:30 in Shanghai
    ]
    table = sample([(m,) for m in moments], {"t": UTCDateTime})
    weeks = db.session.scalars(select(local_period_start(table.c.t, "week"))).all()
    months = db.session.scalars(select(local_period_start(table.c.t, "month"))).all()
    assert weeks == ["2026-03-02", "2026-03-09", "2026-03-30"]
    assert months == ["2026-03-01", "2026-03-01", "2026-04-01"]
    later, earlier = table.c.t, select(table.c.t).limit(1).scalar_subquery()
    spans = db.session.scalars(select(seconds_between(later, earlier))).all()
    assert [round(s) for s in spans] == [0, 60, 23 * 86400 + 31 * 60]


def test_period_label():
    from app.core.clock import SHANGHAI

    since = datetime(2026, 3, 1, tzinfo=SHANGHAI)
    until = datetime(2026, 4, 1, tzinfo=SHANGHAI)
    assert period_label(since, until) == "2026-03-01 至 2026-03-31"
    assert period_label(None, None) == "全部时间"
    assert period_label(since, None) == "2026-03-01 起"
    assert (
        period_label(None, datetime(2026, 4, 1, 8, 30, tzinfo=SHANGHAI)) == "截至 2026-04-01 08:30"
    )

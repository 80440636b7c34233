"""Percentiles from bucket counts: the same values as sorting everything, on both databases.

The overview's own comparison with the direct count (test_rollup.py) covers real cases; these
hold the parts to their rules at the edges: the bucket rule written three times (Python, and
SQL for each database) gives one answer, buckets only grow with the value and are at most a
tenth wide, and the rank walk finds the values a full sort would, ties and bucket edges too.
"""

import math
import random
from collections import Counter

import pytest
from sqlalchemy import text

from app.extensions import db
from app.stats.rollup_sql import _bucket, span_bucket
from app.stats.span_percentiles import percentile, ranks_in_buckets
from tests.stats.test_dialect import reference

EDGES = [
    -5.0, 0.0, 0.5, 0.999999, 1.0, 1.5, 9.999, 10.0, 59.9, 99.999999, 100.0, 100.5, 3600.0,
    86399.99, 86400.0, 479178.25, 25539857.0, 999999999.5,
]  # fmt: skip


def test_the_bucket_rule_is_the_same_in_python_and_in_sql(app):
    dialect = db.engine.dialect.name
    value = "CAST(:v AS DOUBLE PRECISION)" if dialect == "postgresql" else "CAST(:v AS REAL)"
    for v in [*EDGES, None]:
        assert db.session.scalar(text(f"SELECT {_bucket(value, dialect)}"), {"v": v}) == (
            span_bucket(v)
        ), v


def test_buckets_grow_with_the_value_and_are_at_most_a_tenth_wide():
    rng = random.Random(7)
    values = sorted([*EDGES, *(rng.lognormvariate(8, 3) for _ in range(20000))])
    buckets = [span_bucket(v) for v in values]
    assert buckets == sorted(buckets)
    members: dict[int, list[float]] = {}
    for v, b in zip(values, buckets, strict=True):
        members.setdefault(b, []).append(v)
    for b, vs in members.items():
        if b:  # under a second is one bucket, whatever the width
            assert max(vs) < min(vs) * 1.1 + 1, b
    assert span_bucket(0.999) == 0 < span_bucket(1.0) == 101 < span_bucket(10.0) == 210
    assert span_bucket(99.9) == 299 < span_bucket(100.0) == 310 < span_bucket(3600) == 436


def _from_buckets(values: list[float], fraction: float) -> float:
    """As span_percentiles does it: counts per bucket, the rank's bucket, its values sorted."""
    counts = Counter(span_bucket(v) for v in values)
    position = fraction * (len(values) - 1)
    located = ranks_in_buckets(counts, [math.floor(position), math.ceil(position)])
    sorted_buckets = {
        b: sorted(v for v in values if span_bucket(v) == b) for b, _ in located.values()
    }

    def at(rank: int) -> float:
        bucket, below = located[rank]
        return sorted_buckets[bucket][rank - below]

    return percentile(at, len(values), fraction)


@pytest.mark.parametrize("seed", range(6))
def test_a_percentile_from_buckets_equals_one_from_sorting_everything(seed):
    rng = random.Random(seed)
    n = rng.choice([1, 2, 3, 10, 101, 1000])
    pool = [*EDGES, *(60.0 * rng.randrange(1, 5000) for _ in range(20))]
    # Ties, bucket edges and values straddling two buckets at the rank, all in one set.
    values = [rng.choice(pool) if rng.random() < 0.5 else rng.uniform(0, 1e6) for _ in range(n)]
    for fraction in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert _from_buckets(values, fraction) == reference(values, fraction), (n, fraction)


def test_the_two_values_at_a_rank_may_sit_in_different_buckets():
    values = [99.0, 100.0]  # buckets 299 and 310
    assert _from_buckets(values, 0.5) == 99.5
    assert ranks_in_buckets(Counter({299: 1, 310: 1}), [0, 1]) == {0: (299, 0), 1: (310, 1)}

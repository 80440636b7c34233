"""Percentiles from bucket counts equal the database's own, bit for bit, on both databases:
values on a bucket's edges, ranks on either side of an edge, many values in one bucket, one
value, none, and per period beside the whole."""

import random

import pytest
from sqlalchemy import Float, String

from app.extensions import db
from app.stats.dialect import BUCKET_SECONDS, percentiles
from app.stats.ranks import bucketed_percentiles
from tests.stats.test_dialect import sample

FRACTIONS = (0.0, 0.25, 0.5, 0.9, 1.0)
W = float(BUCKET_SECONDS)
EDGES = [0.0, W, W, 2 * W, 3 * W, 10 * W, W - 1e-9, 2 * W - 1e-9, W + 1e-9, 0.5, 7 * W]


def _direct(table, column, group=None) -> dict:
    found = {}
    for row in db.session.execute(percentiles(column, [], FRACTIONS, group)):
        key = row.grp if group is not None else None
        found[key] = (row.n or 0, *(row._mapping[f"p{i}"] for i in range(len(FRACTIONS))))
    return found


@pytest.mark.parametrize(
    "xs",
    [
        EDGES,
        [W] * 5 + [2 * W] * 4,  # every rank on an edge, two buckets
        [3 * W],
        [W - 1e-9, W],  # the two ranks of the median in two buckets
        [0.0] * 30 + [W * 500],  # many in one bucket
        [round(random.Random(7).uniform(0, 40 * W), 3) for _ in range(200)],
    ],
)
def test_equal_to_the_databases_percentile(app, xs):
    ys = [xs[0] * 2] + [None] * (len(xs) - 1)  # NULLs skipped: one value left
    table = sample(list(zip(xs, ys, strict=True)), {"x": Float, "y": Float})
    got = bucketed_percentiles(table, {"x": table.c.x, "y": table.c.y}, None, FRACTIONS)
    assert got == {
        None: {"x": _direct(table, table.c.x)[None], "y": _direct(table, table.c.y)[None]}
    }


def test_per_period_and_the_whole(app):
    rng = random.Random(19)
    rows = [(rng.choice("abc"), rng.choice(EDGES) * rng.choice((1, 2, 3))) for _ in range(120)]
    rows += [("d", None), ("a", None)]
    table = sample(rows, {"g": String, "x": Float})
    got = bucketed_percentiles(table, {"x": table.c.x}, table.c.g, FRACTIONS)
    direct = _direct(table, table.c.x, table.c.g)
    direct[None] = _direct(table, table.c.x)[None]
    assert {k: v["x"] for k, v in got.items()} == direct

"""The benchmark data generator: repeatable, and its routing columns agree with the polygons."""

from datetime import UTC, datetime

import numpy as np
import psycopg
import shapely

from bench.district import build_district
from bench.generate import main
from bench.reports import Staff, generate_reports

SMALL = ["--communities-per-subdistrict", "2", "--grids", "40", "--micro-per-grid", "3"]
END = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)


def test_same_seed_same_reports():
    district = build_district(5, 2, 40, 3)
    staff = Staff(np.array([1]), np.arange(2, 6), 10)
    first = generate_reports(district, 300, 5, END, staff)
    again = generate_reports(build_district(5, 2, 40, 3), 300, 5, END, staff)
    for name, column in first.columns.items():
        assert np.array_equal(column, again.columns[name], equal_nan=column.dtype.kind in "fM")


def test_levels_nest_without_slivers():
    """A point in a micro-grid is in no other micro-grid and inside its own grid and sub-district,
    so locate() agrees with the routing columns drawn from it. Snapped to 1e-7° level by level,
    micro-grids of neighbouring grids overlapped in slivers (4e-6 of the area)."""
    district = build_district(5, 2, 40, 3)
    micro, grid, subs = (district.level(n) for n in ("micro_grid", "grid", "subdistrict"))
    cells = micro.geoms
    total = shapely.area(cells).sum()
    left, right = shapely.STRtree(cells).query(cells, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(cells[left[pairs]], cells[right[pairs]])).sum()
    outside_grid = shapely.area(shapely.difference(cells, grid.geoms[micro.parent])).sum()
    outside_sub = shapely.area(
        shapely.difference(cells, subs.geoms[district.micro_subdistrict])
    ).sum()
    # Float rounding leaves ~1e-13 of the area; one snapped vertex's sliver is ~1e-7.
    assert overlap / total < 1e-10
    assert outside_grid / total < 1e-10 and outside_sub / total < 1e-10


def test_small_run_is_consistent(fresh_database):
    url = fresh_database("postgresql")
    main(
        ["--database-url", url, "--reports", "200", "--seed", "3", "--end", END.isoformat(), *SMALL]
    )
    with psycopg.connect(url) as conn:
        levels = dict(conn.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())
        assert levels == {
            "district": 1,
            "subdistrict": 13,
            "community": 26,
            "grid": 40,
            "micro_grid": 120,
        }
        misrouted = conn.execute(
            "SELECT count(*) FROM reports r JOIN areas a ON a.code = r.area_code"
            " WHERE NOT ST_Contains(a.geom, r.location) OR a.level <> 'micro_grid'"
            " OR r.area_path <> a.path OR r.area_path NOT LIKE '/510503/' || r.subdistrict_code || '/%'"
        ).fetchone()[0]
        assert misrouted == 0
        total, newest = conn.execute("SELECT count(*), max(created_at) FROM reports").fetchone()
        assert total == 200 and newest <= END
        inconsistent = conn.execute(
            "SELECT count(*) FROM reports WHERE"
            " (status = 'received' AND dispatched_at IS NOT NULL)"
            " OR (status = 'archived' AND (closed_at IS NULL OR archived_at < closed_at))"
            " OR (status = 'closed' AND (resolved_at IS NULL OR archived_at IS NOT NULL))"
            " OR (status = 'merged' AND NOT duplicate_of < id)"
            " OR (dispatched_at IS NOT NULL AND (due_at IS NULL OR dispatched_at < created_at))"
        ).fetchone()[0]
        assert inconsistent == 0
        # The indexes set aside for the bulk load are back, the overview's covering one too,
        # and the vacuum after the load lets it be read without visiting the heap.
        indexes = {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes").fetchall()}
        assert {"ix_reports_created_overview", "ix_reports_category_status_created"} <= indexes
        visible, pages = conn.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE relname = 'reports'"
        ).fetchone()
        assert visible == pages > 0
        # Every report's suggestions keep its reading and text key, as intake stores them: a
        # neighbour scored against a new report is not segmented again (production is not).
        from app.triage.meaning import stored, terms
        from app.triage.suggestions import text_key

        kept = conn.execute(
            "SELECT r.description, r.created_at, s.reading, s.text_key FROM reports r"
            " JOIN report_suggestions s ON s.report_id = r.id"
        ).fetchall()
        assert len(kept) == 200
        for description, created_at, reading, key in kept:
            # The generated history keeps the words; the reports the service sorted itself (the
            # queue) also keep their likely categories ("c"), as intake does now. A reading
            # without them is one stored before they were kept: scored with the hard term.
            words = {k: v for k, v in reading.items() if k != "c"}
            assert words == stored(terms(description))
            assert key == text_key(description, created_at)

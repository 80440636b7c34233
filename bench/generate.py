"""Build a benchmark database: 纳溪区 at real scale and two years of its reports.

    python -m bench.generate --database-url postgresql://postgres@127.0.0.1/jiefen_bench \
        --reports 1000000 --seed 42

Creates the PostGIS database (or reuses it), applies the migrations, then writes areas,
units, staff and reports with COPY. No `created` event is written per report: a million
timeline rows would double the load time and nothing read here needs them.
"""

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from itertools import pairwise

import flask_migrate
import numpy as np
import psycopg
import shapely
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import select

from app import create_app
from app.accounts.passwords import hash_password
from app.areas.locate import locate
from app.areas.models import LEVELS
from app.core.spatial import to_shapely
from app.demo.load import unit_code_for
from app.extensions import db
from app.reports.models import STATUSES, Report
from app.stats.rollup_sql import rebuild_statements
from bench.common import DEFAULT_DATABASE_URL, ROOT, Stopwatch, psycopg_url
from bench.district import District, build_district
from bench.reports import (
    REPORT_COLUMNS,
    SUGGESTION_COLUMNS,
    Staff,
    area_paths,
    generate_reports,
    render_rows,
    render_suggestion_rows,
)

# Every bench user signs in with this password (a benchmark database only).
BENCH_PASSWORD = "jiefen-bench"
GRIDS_PER_WORKER = 10
CLEANERS = 3
COPY_CHUNK = 50_000
UNIT_SUFFIX = {"district": "社会治理中心", "subdistrict": "综治中心", "community": "调委会"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--communities-per-subdistrict", type=int, default=15)
    parser.add_argument("--grids", type=int, default=5_000)
    parser.add_argument("--micro-per-grid", type=int, default=10)
    parser.add_argument(
        "--end",
        type=datetime.fromisoformat,
        help="when the two years end (ISO 8601, default now); fix it to repeat a run exactly",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--replace", action="store_true", help="drop the database and rebuild")
    what.add_argument(
        "--reuse",
        action="store_true",
        help="keep a database built with the same parameters; otherwise rebuild it",
    )
    return parser.parse_args(argv)


def schema_head() -> str:
    """The newest migration: a data set built on an older schema is rebuilt, not reused."""
    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def dataset_params(args: argparse.Namespace) -> dict[str, int | str]:
    return {
        "schema": schema_head(),
        "reports": args.reports,
        "seed": args.seed,
        "communities_per_subdistrict": args.communities_per_subdistrict,
        "grids": args.grids,
        "micro_per_grid": args.micro_per_grid,
    }


# --- the database -----------------------------------------------------------------------


def _stored_params(url: str) -> dict | None:
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('bench_dataset')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT value FROM bench_dataset WHERE key = 'params'").fetchone()
        return json.loads(row[0]) if row else None


def _has_tables(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass('areas') IS NOT NULL").fetchone()[0]


def prepare_database(url: str, args: argparse.Namespace) -> bool:
    """Create the database; False when an identical dataset is there and --reuse was given."""
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        if args.reuse and _stored_params(url) == dataset_params(args):
            print(f"{name} already holds this dataset; reusing it")
            return False
        if _has_tables(url):
            if not (args.replace or args.reuse):
                sys.exit(f"{name} is not empty: pass --replace to rebuild it or --reuse")
            if "bench" not in name:
                sys.exit(f"refusing to drop {name}: only databases named *bench* are rebuilt")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
    if not exists:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return True


def bench_app(url: str):
    # The intake benchmarks subscribe a receiver on this machine (never called): allowed here.
    config = {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "LOG_JSON": False}
    return create_app({**config, "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"})


# --- areas, units, staff ------------------------------------------------------------------


def load_areas(conn: psycopg.Connection, district: District, at: datetime) -> None:
    """Every level with COPY, ids in order (parents before children)."""
    paths = area_paths(district)
    level_start, next_id = 0, 1
    columns = "id, code, name, level, parent_id, path, geom, created_at, updated_at"
    with conn.cursor().copy(f"COPY areas ({columns}) FROM STDIN") as copy:
        for level in district.levels:
            wkb = shapely.to_wkb(shapely.set_srid(level.geoms, 4326), hex=True, include_srid=True)
            for i, code in enumerate(level.codes):
                parent_id = level_start + int(level.parent[i]) if len(level.parent) else None
                row = (next_id + i, code, level.names[i], level.name, parent_id)
                copy.write_row((*row, paths[level.name][i], wkb[i], at, at))
            # Ids of this level start at next_id: the next level's parents are indexed from it.
            level_start, next_id = next_id, next_id + len(level)


def unit_rows(district: District) -> list[tuple[str, str, str, str]]:
    """(code, name, kind, area_code): the district centre, each 综治中心, each 调委会."""
    rows = []
    for level_name in ("district", "subdistrict", "community"):
        level = district.level(level_name)
        for code, name in zip(level.codes, level.names, strict=True):
            rows.append((unit_code_for(code), f"{name}{UNIT_SUFFIX[level_name]}", level_name, code))
    return rows


def load_units(conn: psycopg.Connection, district: District, at: datetime) -> int:
    rows = unit_rows(district)
    with conn.cursor().copy(
        "COPY units (id, code, name, kind, area_code, active, created_at) FROM STDIN"
    ) as copy:
        for i, (code, name, kind, area) in enumerate(rows, start=1):
            copy.write_row((i, code, name, kind, area, True, at))
    return len(rows)


def load_staff(
    conn: psycopg.Connection, district: District, password_hash: str, at: datetime
) -> Staff:
    """Admin, supervisor, cleaners, a responder per sub-district, a grid worker per 10 grids."""
    district_code = district.level("district").codes[0]
    centre = unit_code_for(district_code)
    users: list[tuple[str, str, str | None, str, list[str]]] = [
        ("bench-admin", "admin", None, "基准管理员", []),
        ("bench-supervisor", "supervisor", centre, "基准督办", [district_code]),
    ]
    for i in range(1, CLEANERS + 1):
        users.append((f"bench-cleaner-{i}", "cleaner", centre, f"清洗员{i}", [district_code]))
    subs = district.level("subdistrict")
    for code, name in zip(subs.codes, subs.names, strict=True):
        unit = unit_code_for(code)
        users.append((f"bench-responder-{code}", "responder", unit, f"{name}处置员", [code]))
    grids = district.level("grid").codes
    for w, start in enumerate(range(0, len(grids), GRIDS_PER_WORKER), start=1):
        scope = grids[start : start + GRIDS_PER_WORKER]
        users.append((f"bench-gw-{w:04d}", "grid_worker", None, f"网格员{w:04d}", scope))
    cur = conn.cursor()
    with cur.copy(
        "COPY users (id, username, display_name, password_hash, unit_code, active, created_at)"
        " FROM STDIN"
    ) as copy:
        for i, (username, _role, unit, display, _areas) in enumerate(users, start=1):
            copy.write_row((i, username, display, password_hash, unit, True, at))
    with cur.copy("COPY user_roles (user_id, role) FROM STDIN") as copy:
        for i, user in enumerate(users, start=1):
            copy.write_row((i, user[1]))
    with cur.copy("COPY user_areas (user_id, area_code) FROM STDIN") as copy:
        for i, user in enumerate(users, start=1):
            for area in user[4]:
                copy.write_row((i, area))
    ids = np.arange(1, len(users) + 1)
    roles = np.array([u[1] for u in users])
    return Staff(
        cleaner_ids=ids[roles == "cleaner"],
        grid_worker_ids=ids[roles == "grid_worker"],
        grids_per_worker=GRIDS_PER_WORKER,
    )


# --- reports ----------------------------------------------------------------------------


def _table_constraints(conn: psycopg.Connection, table: str) -> tuple[list, list]:
    """(constraints, indexes) other than the primary key, as (name, definition)."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
        (table,),
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
        (table, table),
    ).fetchall()
    return constraints, indexes


@contextmanager
def _indexes_set_aside(conn: psycopg.Connection, table: str, clock: Stopwatch) -> Iterator[None]:
    """Drop the table's indexes and constraints for a bulk load, rebuild them after: building
    once is far cheaper than maintaining them row by row, and re-adding a foreign key checks it."""
    constraints, indexes = _table_constraints(conn, table)
    conn.execute("SET maintenance_work_mem = '256MB'")
    name = sql.Identifier(table)
    for constraint, _definition, _kind in constraints:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(name, sql.Identifier(constraint))
        )
    for index, _definition in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
    yield
    with clock.phase(f"{table}: {len(indexes)} indexes, {len(constraints)} constraints (checked)"):
        for _index, definition in indexes:
            conn.execute(definition)
        for constraint, definition, _kind in reversed(constraints):  # unique, then foreign keys
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    name, sql.Identifier(constraint), sql.SQL(definition)
                )
            )


def _copy(conn: psycopg.Connection, table: str, columns, n: int, render) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start, stop in pairwise([*range(0, n, COPY_CHUNK), n]):
            copy.write(("\n".join(render(start, stop)) + "\n").encode())


def load_reports(conn: psycopg.Connection, reports, seed: int, clock: Stopwatch) -> None:
    """Reports, then a suggestion row for each, as intake stores one for every report."""
    render = partial(render_rows, reports, seed=seed)
    # The statistics rollups' triggers would run once per settled report: off for the load,
    # then the rollups are counted once from the loaded reports (app/stats/rollup_sql.py).
    conn.execute("ALTER TABLE reports DISABLE TRIGGER USER")
    with _indexes_set_aside(conn, "reports", clock), clock.phase(f"COPY {reports.n:,} reports"):
        _copy(conn, "reports", REPORT_COLUMNS, reports.n, render)
    conn.execute("ALTER TABLE reports ENABLE TRIGGER USER")
    with clock.phase("statistics rollups"):
        for statement in rebuild_statements("postgresql"):
            conn.execute(statement)
    render = partial(render_suggestion_rows, reports)
    table = "report_suggestions"
    with _indexes_set_aside(conn, table, clock), clock.phase(f"COPY {reports.n:,} suggestions"):
        _copy(conn, table, SUGGESTION_COLUMNS, reports.n, render)


def _reset_sequences(conn: psycopg.Connection) -> None:
    for table in ("areas", "units", "users", "reports"):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" GREATEST((SELECT max(id) FROM {table}), 1))"
        )


def _record_params(conn: psycopg.Connection, params: dict, at: datetime) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS bench_dataset (key text PRIMARY KEY, value text)")
    conn.execute(
        "INSERT INTO bench_dataset VALUES ('params', %s), ('end', %s)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        (json.dumps(params, sort_keys=True), at.isoformat()),
    )


def presort_queue(app) -> None:
    """What intake would have stored for the reports still waiting: duplicates, category, risk."""
    from app.triage.rules import RuleSet
    from app.triage.suggestions import compute

    with app.app_context():
        rules = RuleSet.load()
        waiting = db.session.scalars(
            select(Report).where(Report.status.in_(("received", "needs_info"))).order_by(Report.id)
        ).all()
        for report in waiting:
            db.session.merge(compute(report, rules))
        db.session.commit()
        print(f"  {len(waiting):,} queued reports pre-sorted")


# --- checks -----------------------------------------------------------------------------


def check(url: str, app, n: int) -> None:
    """Counts, and routing columns that agree with the polygons (SQL and the service's locate)."""
    with psycopg.connect(url) as conn:
        levels = dict(conn.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())
        print("  areas:", ", ".join(f"{levels.get(k, 0):,} {k}" for k in LEVELS))
        statuses = dict(conn.execute("SELECT status, count(*) FROM reports GROUP BY 1").fetchall())
        print("  reports:", ", ".join(f"{s} {statuses[s]:,}" for s in STATUSES if s in statuses))
        cards = dict(
            conn.execute(
                "SELECT card, count(*) FROM reports WHERE status IN"
                " ('dispatched', 'accepted', 'in_progress') GROUP BY card"
            ).fetchall()
        )
        print("  open cases by card:", cards)
        step = max(1, n // 2000)
        checked, wrong = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT ST_Contains(a.geom, r.location))"
            " FROM reports r JOIN areas a ON a.code = r.area_code WHERE r.id %% %s = 0",
            (step,),
        ).fetchone()
        print(f"  {checked:,} sampled reports lie in their micro-grid: {checked - wrong:,}")
        if wrong:
            sys.exit("generated routing columns disagree with the polygons")
    with app.app_context():
        sample = db.session.execute(
            select(Report.id, Report.area_code, Report.subdistrict_code, Report.location)
            .where(Report.id % max(1, n // 200) == 0)
            .limit(200)
        ).all()
        agree = 0
        for _id, area_code, subdistrict_code, location in sample:
            point = to_shapely(location)
            found = locate(point.x, point.y)
            agree += found.deepest.code == area_code and (
                found.routing_area.code == subdistrict_code
            )
            db.session.rollback()
        print(f"  locate() agrees on {agree}/{len(sample)} sampled reports")
        if agree != len(sample):
            sys.exit("locate() disagrees with the generated routing columns")


def main(argv=None) -> None:
    args = parse_args(argv)
    url = psycopg_url(args.database_url)
    clock = Stopwatch()
    end = args.end or datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    with clock.phase("database"):
        if not prepare_database(url, args):
            return
        app = bench_app(url)
        with app.app_context():
            flask_migrate.upgrade()
            password_hash = hash_password(BENCH_PASSWORD)
            db.engine.dispose()
    with clock.phase("geography (shapely)"):
        district = build_district(
            args.seed, args.communities_per_subdistrict, args.grids, args.micro_per_grid
        )
    with psycopg.connect(url) as conn:
        with clock.phase("areas, units and staff (COPY)"):
            load_areas(conn, district, end)
            load_units(conn, district, end)
            staff = load_staff(conn, district, password_hash, end)
        with clock.phase(f"{args.reports:,} reports (numpy)"):
            reports = generate_reports(district, args.reports, args.seed, end, staff)
        load_reports(conn, reports, args.seed, clock)
        _reset_sequences(conn)
        _record_params(conn, dataset_params(args), end)
        conn.commit()
        conn.autocommit = True
        with clock.phase("VACUUM ANALYZE"):
            conn.execute("VACUUM ANALYZE")
    with clock.phase("suggestions of the reports in the queue (the service's own)"):
        presort_queue(app)
    with clock.phase("checks"):
        check(url, app, args.reports)
    print(f"done in {clock.total():.0f} s: {url}")
    print(f"users bench-admin, bench-supervisor, bench-cleaner-N …, password {BENCH_PASSWORD!r}")


if __name__ == "__main__":
    main()

"""Intake throughput: the service's two ways in beside the baseline's bare INSERT, in one run.

    python -m bench.intake_bench --database-url postgresql://postgres@127.0.0.1/jiefen_bench

Each run measures, one app at a time on the same database, polygons and points: the baseline's
`POST /raw` (../shared/bench/baseline_app.py), a grid worker filing `POST /api/v1/reports`
(bearer token, a new client_uuid per request), and a resident filing from a QR poster
`POST /api/v1/public/reports` (a site made here, a new client_uuid per request); each as its
max rate, then latency at 70% of that. Figures are medians over runs, and each ratio is the
median of the runs' own ratios. With `--presort beside` (or `both`, the default) the two
service figures are taken again with PRESORT_AT_INTAKE off and `flask triage presort` running
beside the servers, as production under load would run it; after each such measurement the
benchmark waits until every report filed has its suggestions and reports how long that took.
Then the grid worker's POST on SpatiaLite, one process: the embedded default. Every report
the benchmark files is deleted afterwards.
"""

import argparse
import os
import shutil
import sqlite3
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.service import create_user
from app.areas.models import Area
from app.core.spatial import to_shapely
from app.extensions import db
from app.qr_sites.service import create_site, same_place, site_code
from app.reports.models import Report
from app.webhooks.models import WebhookSubscription
from app.webhooks.service import create_subscription
from bench.common import (
    BENCH_DIR,
    DEFAULT_DATABASE_URL,
    LOAD_METHOD,
    LoadFigures,
    Results,
    background,
    baseline_server,
    gunicorn,
    measure_load,
    median_of_runs,
    points_in_district,
    psycopg_url,
    service_env,
    service_server,
    spread,
    staff_token,
    write_bodies,
)
from bench.generate import BENCH_PASSWORD, bench_app
from bench.locate_bench import spatialite_copy
from bench.reports import PHRASES

POINTS = 5000
GRID_WORKER = "bench-gw-district"
QR_SITE = "基准测试码点（菜市场门口）"
WEBHOOK_URL = "http://127.0.0.1:9/bench-receiver"
WEBHOOK_NOTE = "bench: every report.created goes through the outbox"
BENCH_WEBHOOK = (WebhookSubscription.description == WEBHOOK_NOTE,)
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_SPATIALITE_RPS = 150
# Public limits raised for the benchmark (the limiter still runs, it just never refuses).
SERVICE_ENV = {
    "ACCESS_TOKEN_TTL_SECONDS": "7200",
    "RATE_LIMIT_REPORTS_PER_ADDRESS": "100000000 per minute",
    "RATE_LIMIT_REPORTS_PER_CODE": "100000000 per minute",
}


# --- what the benchmark needs in the database ----------------------------------------------


def busiest_qr_place() -> tuple[float, float]:
    """Where QR reports cluster most (a poster at a market gate): the worst place for duplicates."""
    area = db.session.execute(
        select(Report.area_code)
        .where(Report.channel == "qr_scan")
        .group_by(Report.area_code)
        .order_by(func.count().desc(), Report.area_code)
        .limit(1)
    ).scalar_one()
    location = db.session.scalars(
        select(Report.location)
        .where(Report.area_code == area, Report.channel == "qr_scan")
        .order_by(Report.id.desc())
        .limit(1)
    ).one()
    here = to_shapely(location)
    return here.x, here.y


def prepare(app, *, qr_site: bool = True) -> tuple[str | None, tuple[float, float] | None]:
    """A grid worker whose scope is the whole district, and a QR site; (site code, position)."""
    with app.app_context():
        if db.session.scalar(select(User.id).where(User.username == GRID_WORKER)) is None:
            district = db.session.scalar(select(Area.code).where(Area.level == "district"))
            create_user(GRID_WORKER, BENCH_PASSWORD, ["grid_worker"], [district], None, "网格员")
        if db.session.scalar(select(WebhookSubscription.id).where(*BENCH_WEBHOOK)) is None:
            # So that every report filed writes its outbox row and delivery, as with a
            # receiver configured; nothing delivers them during the benchmark.
            create_subscription(WEBHOOK_URL, ["report.created"], description=WEBHOOK_NOTE)
        code, at = None, None
        if qr_site:
            at = busiest_qr_place()
            site = same_place(QR_SITE, *at) or create_site(QR_SITE, *at, kind="market")
            code = site_code(site)
        db.session.commit()
        db.engine.dispose()
        return code, at


def last_report_id(app) -> int:
    with app.app_context():
        last = db.session.scalar(select(func.max(Report.id))) or 0
        db.engine.dispose()
        return last


REFERENCING = (
    "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
    " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
    " WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conrelid <> c.confrelid"
)


def delete_reports_after(url: str, last_id: int) -> int:
    """Remove what the benchmark filed: its reports, the rows that point at them (events,
    suggestions, outbox …) and the rows that point at those (webhook deliveries); then VACUUM
    them, so the next run does not wade through their dead index entries either."""
    tables = ["reports", "idempotency_records"]
    with psycopg.connect(url) as conn:
        # Foreign keys are not checked while we delete in whatever order (a benchmark
        # database, as its owner): every referencing table is found and cleared below.
        conn.execute("SET session_replication_role = replica")
        for table, column in conn.execute(REFERENCING, ("reports",)).fetchall():
            rows = f'SELECT id FROM {table} WHERE "{column}" > %s'
            for inner, inner_column in conn.execute(REFERENCING, (table,)).fetchall():
                conn.execute(f'DELETE FROM {inner} WHERE "{inner_column}" IN ({rows})', (last_id,))
                tables.append(inner)
            conn.execute(f'DELETE FROM {table} WHERE "{column}" > %s', (last_id,))
            tables.append(table)
        deleted = conn.execute("DELETE FROM reports WHERE id > %s", (last_id,)).rowcount
        conn.execute(
            "DELETE FROM idempotency_records WHERE scope IN"
            " (SELECT 'user:' || id FROM users WHERE username = %s)",
            (GRID_WORKER,),
        )
        conn.commit()
        if deleted:
            conn.autocommit = True
            conn.execute(f"VACUUM {', '.join(sorted(set(tables)))}")
    return deleted


def sign_out_everywhere(url: str) -> None:
    """The benchmark's tokens, once it is over (not between runs: its server still uses one)."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "DELETE FROM auth_tokens WHERE user_id IN (SELECT id FROM users WHERE username = %s)",
            (GRID_WORKER,),
        )


UNSORTED_SINCE = (
    "SELECT count(*) FROM reports r LEFT JOIN report_suggestions s ON s.report_id = r.id"
    " WHERE r.id > %s AND s.report_id IS NULL"
)


def wait_presorted(url: str, last_id: int, timeout: float = 300) -> tuple[int, float]:
    """(reports still unsorted when the load stopped, seconds until none were)."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        backlog = waiting = conn.execute(UNSORTED_SINCE, (last_id,)).fetchone()[0]
        while waiting:
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"the pre-sorter left {waiting} reports unsorted")
            time.sleep(0.05)
            waiting = conn.execute(UNSORTED_SINCE, (last_id,)).fetchone()[0]
    return backlog, time.perf_counter() - started


# --- bodies -------------------------------------------------------------------------------


def _descriptions(count: int, rng: np.random.Generator) -> list[str]:
    phrases = [p for options in PHRASES.values() for p in options]
    picks = rng.integers(0, len(phrases), count)
    return [f"{phrases[k]}（{i % 40 + 1}号楼附近）" for i, k in enumerate(picks)]


def staff_bodies(points: np.ndarray, rng: np.random.Generator) -> list[dict]:
    """What a grid worker's phone sends: text, a GPS fix, a client_uuid made per request."""
    bodies = []
    for description, (lon, lat) in zip(_descriptions(len(points), rng), points, strict=True):
        bodies.append(
            {
                "description": description,
                "channel": "grid_worker",
                "location": {"lon": float(lon), "lat": float(lat), "accuracy_m": 8.0},
                "client_uuid": "%UUID%",
            }
        )
    return bodies


def qr_bodies(code: str, at: tuple[float, float], count: int, rng: np.random.Generator):
    """Residents at the poster: the site code, their phone's position nearby, sometimes a phone."""
    offsets = rng.normal(0, 0.0002, (count, 2))
    bodies = []
    for i, description in enumerate(_descriptions(count, rng)):
        body = {
            "site_code": code,
            "description": description,
            "lon": at[0] + float(offsets[i, 0]),
            "lat": at[1] + float(offsets[i, 1]),
            "accuracy_m": 15.0,
            "client_uuid": "%UUID%",
        }
        if i % 2:
            body["contact_phone"] = f"139{i:08d}"
        bodies.append(body)
    return bodies


# --- measuring ----------------------------------------------------------------------------


def _figures(load: LoadFigures) -> dict[str, float]:
    return {k: v for k, v in asdict(load).items() if k != "errors"}


LABELS = {
    "raw": "baseline POST /raw",
    "staff": "grid worker POST /reports",
    "qr": "QR POST /public/reports",
    "staff_beside": "grid worker POST /reports, pre-sorting beside",
    "qr_beside": "QR POST /public/reports, pre-sorting beside",
}


def measure_postgis(
    url: str, workers: int, runs: int, duration: int, seed: int, presort: str
) -> Results:
    app = bench_app(url)
    code, site_at = prepare(app)
    last_id = last_report_id(app)
    rng = np.random.default_rng(seed)
    points = points_in_district(url, POINTS, seed)
    raw_file = write_bodies(
        [
            {"description": d, "lon": float(x), "lat": float(y)}
            for d, (x, y) in zip(_descriptions(len(points), rng), points, strict=True)
        ]
    )
    staff_file = write_bodies(staff_bodies(points, rng))
    qr_file = write_bodies(qr_bodies(code, site_at, POINTS, rng))
    names = ["raw"]
    if presort in ("intake", "both"):
        names += ["staff", "qr"]
    if presort in ("beside", "both"):
        names += ["staff_beside", "qr_beside"]
    per_run: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    catch_up: dict[str, list[tuple[int, float]]] = {"staff_beside": [], "qr_beside": []}
    load = {"runs": 1, "duration_s": duration, "method": "POST"}
    deleted = 0
    beside_env = {**SERVICE_ENV, "PRESORT_AT_INTAKE": "false"}
    presorter = [sys.executable, "-m", "flask", "triage", "presort", "--every", "0.2"]
    try:
        with ExitStack() as running:
            # Only the servers (and the pre-sorter) the measurements ask for.
            baseline = running.enter_context(baseline_server(url, workers))
            services = {}
            if "staff" in names:
                services[""] = running.enter_context(service_server(url, workers, **SERVICE_ENV))
            if "staff_beside" in names:
                services["_beside"] = running.enter_context(
                    service_server(url, workers, **beside_env)
                )
                running.enter_context(
                    background("presorter", presorter, service_env(url, **beside_env))
                )
            any_service = next(iter(services.values()))
            token = staff_token(any_service.base_url, GRID_WORKER, BENCH_PASSWORD)
            bearer = {"Authorization": f"Bearer {token}"}
            targets = {"raw": (baseline.base_url + "/raw", raw_file, {})}
            for suffix, service in services.items():
                targets[f"staff{suffix}"] = (
                    service.base_url + "/api/v1/reports",
                    staff_file,
                    bearer,
                )
                targets[f"qr{suffix}"] = (service.base_url + "/api/v1/public/reports", qr_file, {})
            for run in range(runs):
                print(f"… run {run + 1} of {runs}", flush=True)
                for name in names:
                    target, bodies, headers = targets[name]
                    figures = measure_load(target, bodies=bodies, headers=headers, **load)
                    if figures.errors:
                        # A rate of error answers is no figure: stop, with the server's log.
                        raise RuntimeError(f"{target}: {figures.errors} errors or non-2xx")
                    per_run[name].append(_figures(figures))
                    if name in catch_up:
                        catch_up[name].append(wait_presorted(url, last_id))
                    # Every measurement starts from the same data: what one filed is removed
                    # (else the QR poster would gather thousands of reports over the runs).
                    deleted += delete_reports_after(url, last_id)
    finally:
        for path in (raw_file, staff_file, qr_file):
            path.unlink(missing_ok=True)
        deleted += delete_reports_after(url, last_id)
        sign_out_everywhere(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS baseline_reports")

    results = Results("intake throughput on PostGIS")
    results.notes.append(
        f"gunicorn -w {workers} (sync workers), {runs} runs of {duration} s per figure; "
        + LOAD_METHOD.format(counts="2, 4, 8")
    )
    results.notes.append(
        "service started with RATE_LIMIT_REPORTS_PER_ADDRESS and RATE_LIMIT_REPORTS_PER_CODE "
        "raised to 100000000 per minute (the limiter runs but never refuses); "
        f"{deleted:,} benchmark reports deleted afterwards"
    )
    if "staff_beside" in names:
        results.notes.append(
            "pre-sorting beside: PRESORT_AT_INTAKE=false and one `flask triage presort "
            "--every 0.2` process on the same two cores, sorting while the load runs"
        )
    medians = {name: median_of_runs(runs_) for name, runs_ in per_run.items()}
    for name in names:
        m, label = medians[name], LABELS[name]
        low, high = spread(per_run[name], "max_rps")
        results.add(f"{label} max rate", m["max_rps"], "req/s", f"range {low:,.0f}–{high:,.0f}")
        at = f"at {m['paced_rps']:,.0f} req/s"
        results.add(f"{label} p50 @70%", m["p50_ms"], "ms", at)
        results.add(f"{label} p99 @70%", m["p99_ms"], "ms", at)
    for name in names[1:]:
        ratios = [
            s["max_rps"] / r["max_rps"] for s, r in zip(per_run[name], per_run["raw"], strict=True)
        ]
        value = float(np.median(ratios))
        verdict = "meets" if value >= TARGET_RATIO else "MISSES"
        results.add(
            f"{LABELS[name]} ÷ baseline",
            value,
            "×",
            f"median of per-run ratios (range {min(ratios):.2f}–{max(ratios):.2f}); "
            f"{verdict} ≥ {TARGET_RATIO}",
        )
        p99 = medians[name]["p99_ms"]
        verdict = "meets" if p99 < TARGET_P99_MS else "MISSES"
        results.notes.append(f"{LABELS[name]}: p99 at 70% {verdict} the {TARGET_P99_MS} ms target")
        if catch_up.get(name):
            backlog = float(np.median([b for b, _ in catch_up[name]]))
            seconds = float(np.median([t for _, t in catch_up[name]]))
            results.add(
                f"{LABELS[name]}: unsorted when the load stopped",
                backlog,
                "reports",
                f"every one sorted {seconds:.1f} s later (median of runs)",
            )
    return results


def _group_cpu_s(group: int) -> float:
    """CPU seconds so far of every process in a process group (gunicorn's master and worker)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue
        # fields: 0 state, 1 ppid, 2 process group, … 11 utime, 12 stime
        if entry.name.isdigit() and int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _reports_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM reports").fetchone()[0]


def measure_spatialite(url: str, runs: int, duration: int, seed: int) -> Results:
    """The grid worker's POST on the embedded default: a copy of the areas, one process.

    Besides the rate, the server's CPU per report filed (SQLite runs inside it, so this is the
    whole cost of a request): on a machine shared with other work the rate is what is left
    over for it, while 1000 / CPU ms is the rate one process reaches with a core to itself.
    """
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    areas = BENCH_DIR / "out" / f"{name}-areas.sqlite"
    areas.parent.mkdir(exist_ok=True)
    spatialite_copy(url, areas)
    path = areas.with_name(f"{name}-intake.sqlite")
    shutil.copyfile(areas, path)  # a fresh copy each time: nothing to clean up
    sqlite_url = f"sqlite:///{path}"
    prepare(bench_app(sqlite_url), qr_site=False)
    rng = np.random.default_rng(seed)
    points = points_in_district(url, POINTS, seed)
    bodies = write_bodies(staff_bodies(points, rng))
    per_run = []
    env = {"DATABASE_URL": sqlite_url, "LOG_LEVEL": "WARNING", **SERVICE_ENV}
    try:
        with gunicorn("service-sqlite", "wsgi:app", env, "/readyz", workers=1) as service:
            token = staff_token(service.base_url, GRID_WORKER, BENCH_PASSWORD)
            group = service.process.pid  # started in its own session: its own process group
            for _ in range(runs):
                filed, cpu = _reports_in(path), _group_cpu_s(group)
                figures = measure_load(
                    service.base_url + "/api/v1/reports",
                    runs=1,
                    duration_s=duration,
                    method="POST",
                    bodies=bodies,
                    headers={"Authorization": f"Bearer {token}"},
                )
                if figures.errors:
                    raise RuntimeError(f"SpatiaLite: {figures.errors} errors or non-2xx")
                filed, cpu = _reports_in(path) - filed, _group_cpu_s(group) - cpu
                per_run.append({**_figures(figures), "cpu_ms": 1000 * cpu / filed})
    finally:
        bodies.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    results = Results("intake throughput on SpatiaLite, one process")
    results.notes.append(
        f"gunicorn -w 1 on a SpatiaLite copy of the areas (no report history), {runs} runs"
    )
    m = median_of_runs(per_run)
    low, high = spread(per_run, "max_rps")
    label = "grid worker POST /reports"
    results.add(f"{label} max rate", m["max_rps"], "req/s", f"range {low:,.0f}–{high:,.0f}")
    results.add(f"{label} p50 @70%", m["p50_ms"], "ms", f"at {m['paced_rps']:,.0f} req/s")
    results.add(f"{label} p99 @70%", m["p99_ms"], "ms", f"at {m['paced_rps']:,.0f} req/s")
    low, high = spread(per_run, "cpu_ms")
    results.add(f"{label} server CPU per report", m["cpu_ms"], "ms", f"range {low:.2f}–{high:.2f}")
    results.add(
        f"{label} rate with a core to itself",
        1000 / m["cpu_ms"],
        "req/s",
        f"1000 / CPU ms; target ≥ {TARGET_SPATIALITE_RPS}",
    )
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_bench", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers on PostGIS")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-spatialite", action="store_true")
    parser.add_argument("--spatialite-only", action="store_true")
    parser.add_argument(
        "--presort",
        choices=("intake", "beside", "both"),
        default="both",
        help="pre-sorting in the request (PRESORT_AT_INTAKE), beside it, or both in turn",
    )
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    if not args.spatialite_only:
        results = measure_postgis(
            url, args.workers, args.runs, args.duration, args.seed, args.presort
        )
        results.print()
        results.save()
    if not args.no_spatialite:
        lite = measure_spatialite(url, args.runs, args.duration, args.seed)
        lite.print()
        lite.save()


if __name__ == "__main__":
    main()

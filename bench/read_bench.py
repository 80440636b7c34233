"""Reading at scale: the queue, report lists, overdue list and statistics on the full data set.

    python -m bench.read_bench --database-url postgresql://postgres@127.0.0.1/jiefen_bench
    python -m bench.read_bench --explain          # EXPLAIN ANALYZE of every statement they send

Measured in process with Flask's test client (no HTTP, no gunicorn), one request at a time, as
the signed-in staff member who would ask: each endpoint's variants (filters, scopes, the next
page) are sent in turn, and p50/p95/p99 are taken per run; figures are medians of runs. The
target is p95 under 50 ms; for the statistics overview of a year, under 1 s.
"""

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from sqlalchemy import event

from app.core.clock import SHANGHAI
from app.extensions import db
from bench.common import (
    DEFAULT_DATABASE_URL,
    Results,
    median_of_runs,
    percentiles,
    psycopg_url,
    spread,
)
from bench.generate import BENCH_PASSWORD, bench_app

TARGET_P95_MS = 50.0
TARGET_STATS_MS = 1000.0
WARM = 3  # rounds of every variant before timing
STATS_REQUESTS = 5  # per variant and run: each takes a good part of a second


@dataclass
class Case:
    name: str
    username: str
    paths: list[str]


def _ago(end: datetime, days: int) -> str:
    return (end - timedelta(days=days)).astimezone(SHANGHAI).isoformat()


def cases(url: str) -> list[Case]:
    """What each page asks for, with parameters taken from the data set itself."""
    with psycopg.connect(url) as conn:
        end = datetime.fromisoformat(
            conn.execute("SELECT value FROM bench_dataset WHERE key = 'end'").fetchone()[0]
        )
        sub, unit = conn.execute(
            "SELECT subdistrict_code, unit_code FROM reports WHERE card = 'red'"
            " AND status IN ('dispatched', 'accepted', 'in_progress')"
            " GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        responder = f"bench-responder-{sub}"

    def reports(**query) -> str:
        return "/api/v1/reports?" + urlencode(query, doseq=True)

    return [
        Case(
            "GET /queue (cleaner)",
            "bench-cleaner-1",
            [
                "/api/v1/queue",
                "/api/v1/queue?claimed=free",
                "/api/v1/queue?channel=qr_scan",
                "/api/v1/queue?limit=50",
            ],
        ),
        Case(
            "GET /reports, filtered (supervisor)",
            "bench-supervisor",
            [
                reports(status="in_progress", category_code="neighbour", since=_ago(end, 90)),
                reports(status=["dispatched", "accepted"], since=_ago(end, 30)),
                reports(status="archived", category_code="labour_wages", since=_ago(end, 365)),
                reports(category_code="marriage_family.divorce", since=_ago(end, 180)),
                reports(status="rejected"),
                reports(since=_ago(end, 7)),
                reports(category_code="forest_land", status="closed"),
            ],
        ),
        Case(
            "GET /reports, filtered (grid worker)",
            "bench-gw-0001",
            [
                reports(),
                reports(status="in_progress", since=_ago(end, 90)),
                reports(category_code="neighbour", since=_ago(end, 365)),
                reports(mine="true"),
            ],
        ),
        Case(
            "GET /supervision/overdue (supervisor)",
            "bench-supervisor",
            [
                "/api/v1/supervision/overdue",
                "/api/v1/supervision/overdue?card=red",
                "/api/v1/supervision/overdue?card=yellow",
                f"/api/v1/supervision/overdue?unit_code={unit}",
            ],
        ),
        Case(
            "GET /reports (responder, own unit)",
            responder,
            [reports(), reports(status="accepted"), reports(since=_ago(end, 30))],
        ),
    ]


def stats_cases(url: str) -> list[Case]:
    """The statistics overview for the last year: the district, by month, one sub-district."""
    with psycopg.connect(url) as conn:
        end = datetime.fromisoformat(
            conn.execute("SELECT value FROM bench_dataset WHERE key = 'end'").fetchone()[0]
        )
        sub = conn.execute("SELECT code FROM areas WHERE level = 'subdistrict' LIMIT 1").fetchone()
    year = {"since": _ago(end, 365), "until": end.astimezone(SHANGHAI).isoformat()}

    def overview(**query) -> str:
        return "/api/v1/stats/overview?" + urlencode({**year, **query})

    return [
        Case("GET /stats/overview, a year", "bench-supervisor", [overview()]),
        Case(
            "GET /stats/overview, a year by month", "bench-supervisor", [overview(group_by="month")]
        ),
        Case(
            "GET /stats/overview, a year, one sub-district",
            "bench-supervisor",
            [overview(area_code=sub[0])],
        ),
    ]


def measure_stats(app, all_cases: list[Case], runs: int, url: str) -> Results:
    """Each overview STATS_REQUESTS times per run: p50 and the slowest, medians of runs."""
    client = app.test_client()
    database = DatabaseCpu(url)
    results = Results("statistics at scale")
    headers = {c.username: _token(client, c.username) for c in all_cases}
    per_case: dict[str, list[dict[str, float]]] = {}
    for case in all_cases:
        _get(client, case.paths[0], headers[case.username])  # warm
    database.refresh()
    for _ in range(runs):
        for case in all_cases:
            before = database.ms()
            timed = [
                _timed(client, case.paths[0], headers[case.username]) for _ in range(STATS_REQUESTS)
            ]
            db_cpu = (database.ms() - before) / STATS_REQUESTS
            times = [t for t, _ in timed]
            cpu = percentiles([c for _, c in timed], (50,))["p50"]
            per_case.setdefault(case.name, []).append(
                {**percentiles(times, (50,)), "max": max(times), "cpu": cpu, "db_cpu": db_cpu}
            )
    for case in all_cases:
        median = median_of_runs(per_case[case.name])
        verdict = "meets" if median["max"] < TARGET_STATS_MS else "MISSES"
        results.add(f"{case.name} p50", median["p50"], "ms")
        results.add(
            f"{case.name} slowest", median["max"], "ms", f"{verdict} < {TARGET_STATS_MS:g} ms"
        )
        results.add(f"{case.name} app CPU p50", median["cpu"], "ms", "in process")
        results.add(f"{case.name} database CPU", median["db_cpu"], "ms", "mean of a run")
    results.notes.append(
        f"in process (Flask test client), {runs} runs × {STATS_REQUESTS} requests per variant, "
        "as the district supervisor; the year before the data set's end"
    )
    return results


def _token(client, username: str) -> dict[str, str]:
    answer = client.post(
        "/api/v1/auth/token", json={"username": username, "password": BENCH_PASSWORD}
    )
    assert answer.status_code == 200, answer.json
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving this database (the app's pool), read from
    /proc: the benchmark is the only client of its copy, and the server runs on this machine."""

    def __init__(self, url: str):
        self.url = url
        self.pids: list[int] = []

    def refresh(self) -> None:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchall()
        self.pids = [pid for (pid,) in rows]

    def ms(self) -> float:
        total = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total * 1000 / os.sysconf("SC_CLK_TCK")


def _get(client, path: str, headers: dict[str, str]) -> float:
    return _timed(client, path, headers)[0]


def _timed(client, path: str, headers: dict[str, str]) -> tuple[float, float]:
    """(wall ms, this process's CPU ms): on a shared machine the CPU is the steadier figure
    (the database's CPU is not in it)."""
    start, cpu = time.perf_counter(), time.process_time()
    answer = client.get(path, headers=headers)
    ms = (time.perf_counter() - start) * 1000
    cpu_ms = (time.process_time() - cpu) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    return ms, cpu_ms


def measure(app, all_cases: list[Case], runs: int, requests: int, url: str) -> Results:
    client = app.test_client()
    database = DatabaseCpu(url)
    results = Results("reading at scale")
    per_case: dict[str, list[dict[str, float]]] = {}
    headers = {c.username: _token(client, c.username) for c in all_cases}
    for case in all_cases:
        # The second page too: a cursor is how every list goes on.
        first = client.get(case.paths[0], headers=headers[case.username]).json
        if first.get("next_cursor"):
            joiner = "&" if "?" in case.paths[0] else "?"
            case.paths.append(f"{case.paths[0]}{joiner}cursor={first['next_cursor']}")
        for _ in range(WARM):
            for path in case.paths:
                _get(client, path, headers[case.username])
    database.refresh()
    for _ in range(runs):
        for case in all_cases:  # interleaved: each run sees the machine at one moment
            before = database.ms()
            timed = [
                _timed(client, case.paths[i % len(case.paths)], headers[case.username])
                for i in range(requests)
            ]
            found = percentiles([t for t, _ in timed], (50, 95, 99))
            found["cpu"] = percentiles([c for _, c in timed], (50,))["p50"]
            found["db_cpu"] = (database.ms() - before) / requests
            per_case.setdefault(case.name, []).append(found)
    for case in all_cases:
        median = median_of_runs(per_case[case.name])
        low, high = spread(per_case[case.name], "p95")
        verdict = "meets" if median["p95"] < TARGET_P95_MS else "MISSES"
        results.add(f"{case.name} p50", median["p50"], "ms")
        results.add(
            f"{case.name} p95",
            median["p95"],
            "ms",
            f"range {low:.1f}–{high:.1f}; {verdict} < {TARGET_P95_MS:g} ms",
        )
        results.add(f"{case.name} p99", median["p99"], "ms")
        results.add(f"{case.name} app CPU p50", median["cpu"], "ms", "in process")
        results.add(f"{case.name} database CPU", median["db_cpu"], "ms", "mean of a run")
    results.notes.append(
        f"in process (Flask test client, no HTTP), one request at a time; {runs} runs × "
        f"{requests} requests per endpoint, its variants in turn (filters, scopes, page 2)"
    )
    return results


@contextmanager
def statements(app) -> Iterator[list[tuple[str, object]]]:
    """Every statement the app sends while inside, with its parameters."""
    seen: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(app, url: str, all_cases: list[Case]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement a request sends, slowest first per path."""
    client = app.test_client()
    headers = {c.username: _token(client, c.username) for c in all_cases}
    with psycopg.connect(url) as conn:
        for case in all_cases:
            for path in case.paths:
                with statements(app) as seen:
                    _get(client, path, headers[case.username])
                plans = []
                for statement, parameters in seen:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    rows = conn.execute(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                    ).fetchall()
                    plan = "\n".join(r[0] for r in rows)
                    took = float(plan.rsplit("Execution Time: ", 1)[1].split()[0])
                    plans.append((took, statement, plan))
                conn.rollback()
                print(f"\n######## {case.name}: {path}  ({len(seen)} statements)")
                for took, statement, plan in sorted(plans, key=lambda p: -p[0])[:3]:
                    print(f"--- {took:.2f} ms\n{statement}\n{plan}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.read_bench", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and run")
    parser.add_argument("--explain", action="store_true", help="print query plans, no timing")
    parser.add_argument("--no-stats", action="store_true", help="skip the statistics overview")
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    app = bench_app(url)
    all_cases = cases(url)
    if args.explain:
        explain(app, url, [*all_cases, *stats_cases(url)])
        return
    results = measure(app, all_cases, args.runs, args.requests, url)
    results.print()
    results.save()
    if not args.no_stats:
        stats = measure_stats(app, stats_cases(url), args.runs, url)
        stats.print()
        stats.save()
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()

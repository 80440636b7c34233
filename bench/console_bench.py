"""The staff console's pages at scale: the queue and a case page, server time per page.

    python -m bench.console_bench --database-url postgresql://postgres@127.0.0.1/jiefen_bench

Measured in process with Flask's test client (no HTTP), one request at a time, signed in through
the console's own form as the staff member who would look: the cleaner's queue (and its
filters), a queued report's triage page (suggestions, duplicates, the SVG map), open and
archived case pages, the unit's workbench and a supervisor's search. Figures are medians of
runs; the target is under 100 ms of server time per page.
"""

import argparse
import re
import time
from dataclasses import dataclass

import psycopg

from bench.common import DEFAULT_DATABASE_URL, Results, median_of_runs, percentiles, psycopg_url
from bench.generate import BENCH_PASSWORD, bench_app

TARGET_MS = 100.0
WARM = 2
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Page:
    name: str
    username: str
    paths: list[str]
    # The JSON API's reading of the same rows, signed in by token: on a busy machine the
    # ratio between the two says more than either figure alone.
    api: bool = False


def pages(url: str) -> list[Page]:
    """Pages to ask for, with ids taken from the data set itself."""
    with psycopg.connect(psycopg_url(url)) as conn:

        def one(sql: str):
            row = conn.execute(sql).fetchone()
            if row is None:
                raise RuntimeError(f"the data set has nothing for: {sql}")
            return row

        queued = [r[0] for r in conn.execute(
            "SELECT id FROM reports WHERE status = 'received' ORDER BY created_at DESC LIMIT 3"
        )]  # fmt: skip
        open_id, sub = one(
            "SELECT id, subdistrict_code FROM reports WHERE status = 'in_progress'"
            " AND card = 'red' ORDER BY id DESC LIMIT 1"
        )
        archived = one("SELECT id FROM reports WHERE status = 'archived' ORDER BY id LIMIT 1")[0]
        number = one("SELECT tracking_no FROM reports ORDER BY id DESC LIMIT 1 OFFSET 5000")[0]
    return [
        Page(
            "/console/queue (cleaner)",
            "bench-cleaner-1",
            ["/console/queue", "/console/queue?claimed=free", "/console/queue?channel=qr_scan"],
        ),
        Page("reference: GET /api/v1/queue (cleaner)", "bench-cleaner-1", ["/api/v1/queue"], True),
        Page(
            "/console/reports/<id>, queued (cleaner)",
            "bench-cleaner-1",
            [f"/console/reports/{i}" for i in queued],
        ),
        Page(
            "/console/reports/<id>, open and archived (supervisor)",
            "bench-supervisor",
            [f"/console/reports/{open_id}", f"/console/reports/{archived}"],
        ),
        Page("/console/cases (responder)", f"bench-responder-{sub}", ["/console/cases"]),
        Page(
            "/console/cases, search (supervisor)",
            "bench-supervisor",
            [f"/console/cases?q={number}", "/console/cases?card=red&status=open"],
        ),
    ]


def signed_in(app, username: str):
    client = app.test_client()
    token = TOKEN.search(client.get("/console/login").get_data(as_text=True)).group(1)
    answer = client.post(
        "/console/login",
        data={"username": username, "password": BENCH_PASSWORD, "csrf_token": token},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
    return client


def api_headers(app, username: str) -> dict[str, str]:
    answer = app.test_client().post(
        "/api/v1/auth/token", json={"username": username, "password": BENCH_PASSWORD}
    )
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def _get(client, path: str, headers=None, cpu: list[float] | None = None) -> float:
    start, start_cpu = time.perf_counter(), time.process_time()
    answer = client.get(path, headers=headers or {})
    ms = (time.perf_counter() - start) * 1000
    if cpu is not None:
        cpu.append((time.process_time() - start_cpu) * 1000)
    if answer.status_code != 200:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    return ms


def measure(app, all_pages: list[Page], runs: int, requests: int) -> Results:
    results = Results("console pages at scale")
    clients = {p.username: signed_in(app, p.username) for p in all_pages}
    headers = {p.name: api_headers(app, p.username) if p.api else None for p in all_pages}
    for page in all_pages:
        for _ in range(WARM):
            for path in page.paths:
                _get(clients[page.username], path, headers[page.name])
    per_page: dict[str, list[dict[str, float]]] = {}
    for _ in range(runs):
        for page in all_pages:
            client, cpu = clients[page.username], []
            times = [
                _get(client, page.paths[i % len(page.paths)], headers[page.name], cpu)
                for i in range(requests)
            ]
            figures = {**percentiles(times, (50, 95, 99)), "cpu": percentiles(cpu, (50,))["p50"]}
            per_page.setdefault(page.name, []).append(figures)
    for page in all_pages:
        median = median_of_runs(per_page[page.name])
        verdict = "meets" if median["p95"] < TARGET_MS else "MISSES"
        results.add(f"{page.name} p50", median["p50"], "ms")
        results.add(f"{page.name} p95", median["p95"], "ms", f"{verdict} < {TARGET_MS:g} ms")
        results.add(f"{page.name} app CPU p50", median["cpu"], "ms", "Python in the app process")
    results.notes.append(
        f"in process (Flask test client), {runs} runs × {requests} requests per page, "
        "variants in turn, signed in through /console/login"
    )
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.console_bench", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args(argv)
    app = bench_app(args.database_url)
    # No app context held here: each request gets its own, as on a server.
    results = measure(app, pages(args.database_url), args.runs, args.requests)
    results.print()
    print(f"saved {results.save()}")


if __name__ == "__main__":
    main()

"""The floor for intake speed: ../shared/bench/baseline_app.py under gunicorn and wrk.

    python -m bench.baseline_bench --database-url postgresql://postgres@127.0.0.1/jiefen_bench

Measures the baseline's `GET /hello` (any Flask request on this machine) and `POST /raw` (one
INSERT of a point routed by ST_Contains against our 55,000 polygons), then, in the same run,
the service's `GET /healthz` and `GET /api/v1/areas/locate` on the same database, and quotes
service ÷ baseline. The intake benchmark adds the service's POST endpoints beside /raw.
"""

import argparse
from dataclasses import dataclass

import psycopg

from bench.common import (
    DEFAULT_DATABASE_URL,
    LOAD_METHOD,
    LoadFigures,
    Results,
    baseline_server,
    measure_load,
    points_in_district,
    psycopg_url,
    service_server,
    staff_token,
    write_bodies,
    write_lines,
)
from bench.generate import BENCH_PASSWORD

POINTS = 5000


@dataclass
class Baseline:
    hello: LoadFigures
    raw: LoadFigures


def measure_baseline(url: str, workers: int, runs: int, duration: int, seed: int) -> Baseline:
    """The baseline app's figures; drops the table it writes to afterwards."""
    points = points_in_district(url, POINTS, seed)
    bodies = write_bodies(
        [
            {"description": f"基准测试：楼上噪音扰民 {i}", "lon": float(x), "lat": float(y)}
            for i, (x, y) in enumerate(points)
        ]
    )
    try:
        with baseline_server(url, workers) as server:
            hello = measure_load(server.base_url + "/hello", runs=runs, duration_s=duration)
            raw = measure_load(
                server.base_url + "/raw",
                runs=runs,
                duration_s=duration,
                method="POST",
                bodies=bodies,
            )
    finally:
        bodies.unlink(missing_ok=True)
        with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS baseline_reports")
    return Baseline(hello, raw)


def measure_service_reads(
    url: str, workers: int, runs: int, duration: int, seed: int
) -> dict[str, LoadFigures]:
    """The service's empty request and its routing endpoint (signed in as bench-admin)."""
    points = points_in_district(url, POINTS, seed)
    paths = write_lines(
        [f"/api/v1/areas/locate?lon={float(x)!r}&lat={float(y)!r}" for x, y in points]
    )
    try:
        with service_server(url, workers, ACCESS_TOKEN_TTL_SECONDS="7200") as server:
            token = staff_token(server.base_url, "bench-admin", BENCH_PASSWORD)
            return {
                "GET /healthz": measure_load(
                    server.base_url + "/healthz", runs=runs, duration_s=duration
                ),
                "GET /areas/locate": measure_load(
                    server.base_url + "/api/v1/areas/locate",
                    runs=runs,
                    duration_s=duration,
                    paths=paths,
                    headers={"Authorization": f"Bearer {token}"},
                ),
            }
    finally:
        paths.unlink(missing_ok=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_bench", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both apps")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    timing = (args.workers, args.runs, args.duration, args.seed)
    baseline = measure_baseline(url, *timing)
    service = measure_service_reads(url, *timing)

    results = Results("baseline and service floor")
    results.notes.append(
        f"gunicorn -w {args.workers} (sync workers), one app at a time; "
        + LOAD_METHOD.format(counts="2, 4, 8")
    )
    baseline.hello.add_to(results, "baseline GET /hello", args.runs)
    baseline.raw.add_to(results, "baseline POST /raw", args.runs)
    for label, figures in service.items():
        figures.add_to(results, f"service {label}", args.runs)
    healthz, located = service["GET /healthz"], service["GET /areas/locate"]
    results.ratio("/raw ÷ /hello max rate", baseline.raw.max_rps, baseline.hello.max_rps)
    results.ratio("/healthz ÷ /hello max rate", healthz.max_rps, baseline.hello.max_rps)
    results.ratio("/areas/locate ÷ /raw max rate", located.max_rps, baseline.raw.max_rps)
    results.ratio("/healthz ÷ /hello p50 @70%", healthz.p50_ms, baseline.hello.p50_ms)
    results.print()
    results.save()


if __name__ == "__main__":
    main()

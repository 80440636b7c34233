"""Where the two cores go while wrk files reports: CPU seconds per process kind, from /proc.

    python -m bench.cpu_split --target staff|qr|raw [--presort beside] [--seconds 10]

Runs one server as intake_bench does, drives it at its max rate with wrk (8 connections) and
counts the CPU time every process used meanwhile, grouped as the app's workers, the PostgreSQL
backends, the pre-sorter, wrk, and the rest. Shows whether the Python side or the database is
what a request costs on this machine. Reports filed are deleted afterwards.
"""

import argparse
import os
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import psycopg

from bench.common import (
    DEFAULT_DATABASE_URL,
    background,
    baseline_server,
    points_in_district,
    psycopg_url,
    run_wrk,
    service_env,
    service_server,
    staff_token,
    write_bodies,
)
from bench.generate import BENCH_PASSWORD, bench_app
from bench.intake_bench import (
    GRID_WORKER,
    POINTS,
    SERVICE_ENV,
    _descriptions,
    delete_reports_after,
    last_report_id,
    prepare,
    qr_bodies,
    sign_out_everywhere,
    staff_bodies,
    wait_presorted,
)

TICK = os.sysconf("SC_CLK_TCK")


APP_NAME = "jiefen-bench-load"
WARM_UP_S = 3
# Its own database too: two people measuring at once on copies of one data set share the name.
OURS = (
    "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"
)


def _stat(entry: Path) -> tuple[list[str], str] | None:
    try:
        stat = (entry / "stat").read_text()
        command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    return stat.rpartition(")")[2].split(), command


def cpu_by_kind(url: str) -> Counter[str]:
    """CPU seconds so far of the processes this benchmark runs, summed by what they are: the
    servers and the pre-sorter it started (each in its own process group: a machine shared
    with other people's servers and tests must not count theirs) and the PostgreSQL backends
    serving the benchmark's own connections."""
    with psycopg.connect(url, autocommit=True) as conn:
        ours = {str(row[0]) for row in conn.execute(OURS, (APP_NAME,))}
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(entry)) is not None:
            stats[entry.name] = found
    me = str(os.getpid())
    # fields: 0 state, 1 ppid, 2 process group, … 11 utime, 12 stime
    groups = {fields[2] for fields, _ in stats.values() if fields[1] == me}
    used: Counter[str] = Counter()
    for pid, (fields, command) in stats.items():
        if pid in ours or (fields[2] in groups and "postgres" not in command):
            used[_kind(command)] += (int(fields[11]) + int(fields[12])) / TICK
    return used


def _kind(command: str) -> str:
    if "postgres" in command:
        return "PostgreSQL"
    if "gunicorn" in command:
        return "app workers (gunicorn)"
    if "triage presort" in command:
        return "pre-sorter"
    if "wrk" in command.split(" ", 1)[0]:
        return "wrk"
    return "other"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_split", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--target", choices=("staff", "qr", "raw"), default="staff")
    parser.add_argument("--presort", choices=("intake", "beside"), default="intake")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    app = bench_app(url)
    code, at = prepare(app)
    last_id = last_report_id(app)
    rng = np.random.default_rng(args.seed)
    points = points_in_district(url, POINTS, args.seed)
    if args.target == "raw":
        bodies = [
            {"description": d, "lon": float(x), "lat": float(y)}
            for d, (x, y) in zip(_descriptions(len(points), rng), points, strict=True)
        ]
    elif args.target == "staff":
        bodies = staff_bodies(points, rng)
    else:
        bodies = qr_bodies(code, at, POINTS, rng)
    path = write_bodies(bodies)
    env = {
        **SERVICE_ENV,
        "PRESORT_AT_INTAKE": str(args.presort == "intake").lower(),
        "PGAPPNAME": APP_NAME,  # libpq names every connection: their backends are counted
    }
    presorter = [sys.executable, "-m", "flask", "triage", "presort", "--every", "0.2"]
    beside = args.presort == "beside" and args.target != "raw"
    try:
        if args.target == "raw":
            server = baseline_server(url, args.workers, PGAPPNAME=APP_NAME)
        else:
            server = service_server(url, args.workers, **env)
        with ExitStack() as stack:
            running = stack.enter_context(server)
            if beside:
                stack.enter_context(background("presorter", presorter, service_env(url, **env)))
            headers, endpoint = {}, "/raw"
            if args.target == "staff":
                token = staff_token(running.base_url, GRID_WORKER, BENCH_PASSWORD)
                headers, endpoint = {"Authorization": f"Bearer {token}"}, "/api/v1/reports"
            elif args.target == "qr":
                endpoint = "/api/v1/public/reports"
            # Warm up first: a worker's first requests build what it keeps (jieba's dictionary
            # when the app did not build it at start, statement caches, prepared statements),
            # which is not what a report costs.
            run_wrk(
                running.base_url + endpoint,
                connections=4,
                threads=1,
                duration_s=WARM_UP_S,
                method="POST",
                bodies=path,
                headers=headers,
            )
            if beside:
                wait_presorted(url, last_id)
            before = cpu_by_kind(url)
            result = run_wrk(
                running.base_url + endpoint,
                connections=8,
                threads=1,
                duration_s=args.seconds,
                method="POST",
                bodies=path,
                headers=headers,
            )
            if beside:
                wait_presorted(url, last_id)
            after = cpu_by_kind(url)
    finally:
        path.unlink(missing_ok=True)
        delete_reports_after(url, last_id)
        sign_out_everywhere(url)
    used = after - before
    total = sum(used.values())
    print(
        f"{args.target} ({args.presort}), {result.requests:,} requests at {result.rps:,.0f} req/s"
        f" with {result.errors} socket errors, {result.non_2xx} non-2xx; CPU ms per request:"
    )
    for kind, seconds in used.most_common():
        share = seconds / total if total else 0
        print(f"   {kind:28} {seconds * 1000 / result.requests:7.2f} ms   {share:5.0%}")
    print(f"   {'all':28} {total * 1000 / result.requests:7.2f} ms")


if __name__ == "__main__":
    main()

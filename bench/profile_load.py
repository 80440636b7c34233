"""Where the service's CPU goes under load: py-spy on the gunicorn workers while wrk files reports.

    python -m bench.profile_load --endpoint staff --seconds 20 [--top 40]

Starts the service as intake_bench does (2 sync workers), drives it with wrk at its max rate,
samples every worker with py-spy (on-CPU samples only: time waiting for PostgreSQL is not
counted), and prints the share of samples per frame, inclusive, for the frames of our code and
the libraries it calls. The collapsed stacks are kept in bench/out/ for a flame graph.
Reports filed are deleted afterwards.
"""

import argparse
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from bench.common import (
    BENCH_DIR,
    DEFAULT_DATABASE_URL,
    points_in_district,
    psycopg_url,
    run_wrk,
    service_server,
    staff_token,
    write_bodies,
)
from bench.generate import BENCH_PASSWORD, bench_app
from bench.intake_bench import (
    GRID_WORKER,
    POINTS,
    SERVICE_ENV,
    delete_reports_after,
    last_report_id,
    prepare,
    qr_bodies,
    sign_out_everywhere,
    staff_bodies,
)

PY_SPY = str(Path(sys.executable).with_name("py-spy"))


def _workers(master_pid: int) -> list[int]:
    children = subprocess.run(
        ["pgrep", "-P", str(master_pid)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in children.stdout.split()]


def summarise(paths: list[Path], top: int) -> None:
    """Inclusive share of on-CPU samples per frame (a frame counted once per stack)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue  # py-spy's own messages (e.g. a sample it could not take)
            samples = int(count)
            total += samples
            frames = {frame.split(" (")[0] + " " + _file(frame) for frame in stack.split(";")}
            for frame in frames:
                inclusive[frame] += samples
    print(f"\n{total:,} on-CPU samples; inclusive share per frame:")
    for frame, samples in inclusive.most_common(top):
        print(f"  {100 * samples / total:5.1f}%  {frame}")


def _file(frame: str) -> str:
    where = frame.partition(" (")[2].rstrip(")")
    for marker in ("site-packages/", "/wt8/", "/work/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"({where.rsplit(':', 1)[0]})"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_load", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--endpoint", choices=("staff", "qr"), default="staff")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--presort-beside", action="store_true", help="PRESORT_AT_INTAKE off (no pre-sorter run)"
    )
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    app = bench_app(url)
    code, at = prepare(app)
    last_id = last_report_id(app)
    rng = np.random.default_rng(args.seed)
    if args.endpoint == "qr":
        bodies, path = write_bodies(qr_bodies(code, at, POINTS, rng)), "/api/v1/public/reports"
    else:
        points = points_in_district(url, POINTS, args.seed)
        bodies, path = write_bodies(staff_bodies(points, rng)), "/api/v1/reports"
    out = BENCH_DIR / "out"
    out.mkdir(exist_ok=True)
    stacks = []
    try:
        env = {**SERVICE_ENV, "PRESORT_AT_INTAKE": str(not args.presort_beside).lower()}
        with service_server(url, 2, **env) as service:
            headers = {}
            if args.endpoint == "staff":
                token = staff_token(service.base_url, GRID_WORKER, BENCH_PASSWORD)
                headers = {"Authorization": f"Bearer {token}"}
            spies = []
            for pid in _workers(service.process.pid):
                stacks.append(out / f"py-spy-{args.endpoint}-{pid}.txt")
                command = [
                    PY_SPY, "record", "--pid", str(pid), "--duration", str(args.seconds - 2),
                    "--rate", "250", "--format", "raw", "--output", str(stacks[-1]),
                    "--nonblocking",
                ]  # fmt: skip
                spies.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
            result = run_wrk(
                service.base_url + path,
                method="POST",
                bodies=bodies,
                headers=headers,
                connections=args.connections,
                threads=1,
                duration_s=args.seconds,
            )
            for spy in spies:
                spy.wait(timeout=60)
            print(f"{result.rps:,.0f} req/s while profiled ({result.non_2xx} non-2xx)")
    finally:
        bodies.unlink(missing_ok=True)
        delete_reports_after(url, last_id)
        sign_out_everywhere(url)
    summarise([p for p in stacks if p.exists()], args.top)


if __name__ == "__main__":
    main()

"""CPU per intake request in process (Flask's test client, no HTTP server): the app's side,
and the PostgreSQL backends serving this database (read from /proc: run it on a copy nobody
else uses, as COMMON.md's bench copies are).

    python -m bench.intake_cpu URL staff|qr|sync [REQUESTS] [beside]

Files 20 reports to warm up, then REQUESTS more (default 300) as bench.profile_intake does, and
prints this process's CPU time per report (`sync`: SYNC_BATCH reports in each request);
`beside`: PRESORT_AT_INTAKE off. Run two checkouts one after the other on the same data to
compare them on a busy machine (CPU time, not wall time).
Reports filed are deleted afterwards.
"""

import os
import sys
import time
from pathlib import Path

import psycopg

from app.extensions import db
from bench.generate import bench_app
from bench.intake_bench import (
    SERVICE_ENV,
    delete_reports_after,
    last_report_id,
    sign_out_everywhere,
)
from bench.profile_intake import SYNC_BATCH, WARM, sender

TICK = os.sysconf("SC_CLK_TCK")
BACKENDS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid()"
)


def backends_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of every other backend connected to this database."""
    with psycopg.connect(url, autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(BACKENDS)]
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return used


url, endpoint = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
beside = len(sys.argv) > 4
app = bench_app(url)
app.config.update(
    {k: v for k, v in SERVICE_ENV.items() if k.startswith("RATE_LIMIT")},
    PRESORT_AT_INTAKE=not beside,
)
last = last_report_id(app)
send = sender(app, url, endpoint, WARM + n, 17)
try:
    for i in range(WARM):
        assert send(i) in (200, 201)
    db_before = backends_cpu(url)
    t, w = time.process_time(), time.perf_counter()
    for i in range(WARM, WARM + n):
        send(i)
    app_cpu, wall = time.process_time() - t, time.perf_counter() - w
    db_after = backends_cpu(url)
    # Only backends alive at both ends (the pool's): one that came or went is not counted.
    db_cpu = sum(db_after[p] - db_before[p] for p in db_after.keys() & db_before.keys())
    each = n * (SYNC_BATCH if endpoint == "sync" else 1)
    print(
        f"{endpoint}: CPU {app_cpu / each * 1000:.2f} ms/report (app), PostgreSQL"
        f" {db_cpu / each * 1000:.2f} ms/report, wall {wall / each * 1000:.2f}"
    )
finally:
    with app.app_context():
        db.engine.dispose()
    delete_reports_after(url, last)
    sign_out_everywhere(url)

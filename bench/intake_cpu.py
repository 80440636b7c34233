"""CPU per intake request in process (Flask's test client, no HTTP server): the app's side only.

    python -m bench.intake_cpu URL staff|qr|sync [REQUESTS] [beside]

Files 20 reports to warm up, then REQUESTS more (default 300) as bench.profile_intake does, and
prints this process's CPU time per report (`sync`: SYNC_BATCH reports in each request);
`beside`: PRESORT_AT_INTAKE off. Run two checkouts one after the other on the same data to
compare them on a busy machine (CPU time, not wall time).
Reports filed are deleted afterwards.
"""

import sys
import time

from app.extensions import db
from bench.generate import bench_app
from bench.intake_bench import (
    SERVICE_ENV,
    delete_reports_after,
    last_report_id,
    sign_out_everywhere,
)
from bench.profile_intake import SYNC_BATCH, WARM, sender

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
    t, w = time.process_time(), time.perf_counter()
    for i in range(WARM, WARM + n):
        send(i)
    each = n * (SYNC_BATCH if endpoint == "sync" else 1)
    print(
        f"{endpoint}: CPU {(time.process_time() - t) / each * 1000:.2f} ms/report,"
        f" wall {(time.perf_counter() - w) / each * 1000:.2f}"
    )
finally:
    with app.app_context():
        db.engine.dispose()
    delete_reports_after(url, last)
    sign_out_everywhere(url)

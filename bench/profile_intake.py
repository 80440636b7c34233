"""Where an intake request spends its time: SQL statements per request and a pyinstrument profile.

    python -m bench.profile_intake --endpoint staff --requests 300 [--html out.html]

Files reports in process through Flask's test client (no HTTP, no gunicorn) on the bench
database, prints every statement one request sends, then profiles the next N requests. The
reports it files are deleted afterwards.
"""

import argparse
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pyinstrument import Profiler
from sqlalchemy import event

from app.extensions import db
from bench.common import DEFAULT_DATABASE_URL, points_in_district, psycopg_url
from bench.generate import BENCH_PASSWORD, bench_app
from bench.intake_bench import (
    GRID_WORKER,
    SERVICE_ENV,
    delete_reports_after,
    last_report_id,
    prepare,
    qr_bodies,
    sign_out_everywhere,
    staff_bodies,
)

WARM = 20
SYNC_OCCURRED_AT = "2026-11-30T09:00:00+08:00"
# Reports in each offline sync the `sync` endpoint sends (a phone back in coverage).
SYNC_BATCH = 10


def sender(
    app,
    url: str,
    endpoint: str,
    count: int,
    seed: int,
    new_uuid: Callable = uuid.uuid4,
    unique_texts: bool = False,
) -> Callable[[int], int]:
    """A function that files body i (for `sync`, a batch of SYNC_BATCH) and returns the HTTP
    status; `new_uuid` makes each body's client_uuid; `unique_texts` numbers each description
    (the bodies' texts repeat, people's rarely do)."""
    client = app.test_client()
    rng = np.random.default_rng(seed)
    code, at = prepare(app, qr_site=endpoint == "qr")
    if endpoint == "qr":
        bodies, path, headers = qr_bodies(code, at, count, rng), "/api/v1/public/reports", {}
    else:
        answer = client.post(
            "/api/v1/auth/token", json={"username": GRID_WORKER, "password": BENCH_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {answer.json['access_token']}"}
        bodies = staff_bodies(points_in_district(url, count, seed), rng)
        path = "/api/v1/reports" if endpoint == "staff" else "/api/v1/reports/sync"

    def one(i: int) -> dict:
        body = {**bodies[i % len(bodies)], "client_uuid": str(new_uuid())}
        if unique_texts:
            body["description"] += f"（第{i}次）"
        return body

    def send(i: int) -> int:
        if endpoint != "sync":
            return client.post(path, json=one(i), headers=headers).status_code
        batch = [
            {**one(i * SYNC_BATCH + j), "occurred_at": SYNC_OCCURRED_AT} for j in range(SYNC_BATCH)
        ]
        return client.post(path, json={"reports": batch}, headers=headers).status_code

    return send


def clean_up(app, url: str, last_id: int) -> None:
    """What an in-process run leaves behind: its connections, the reports it filed (with what
    points at them) and its tokens."""
    with app.app_context():
        db.engine.dispose()
    delete_reports_after(url, last_id)
    sign_out_everywhere(url)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_intake", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--endpoint", choices=("staff", "qr", "sync"), default="staff")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML here")
    parser.add_argument(
        "--presort-beside",
        action="store_true",
        help="PRESORT_AT_INTAKE off: what the request costs when pre-sorting runs beside it",
    )
    args = parser.parse_args(argv)
    url = psycopg_url(args.database_url)
    config = {k: v for k, v in SERVICE_ENV.items() if k.startswith("RATE_LIMIT")}
    app = bench_app(url)
    app.config.update(config, PRESORT_AT_INTAKE=not args.presort_beside)
    last_id = last_report_id(app)
    send = sender(app, url, args.endpoint, WARM + 1 + 2 * args.requests, args.seed)
    statements: list[str] = []
    try:
        for i in range(WARM):
            assert send(i) in (200, 201)
        with app.app_context():
            engine = db.engine

        def count(_conn, _cursor, statement, *_args):
            statements.append(" ".join(statement.split())[:140])

        event.listen(engine, "before_cursor_execute", count)
        send(WARM)
        event.remove(engine, "before_cursor_execute", count)
        print(f"{len(statements)} statements in one request:")
        for statement in statements:
            print("   ", statement)
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(WARM + 1, WARM + 1 + args.requests):
            send(i)
        plain = (time.perf_counter() - started) / args.requests * 1000
        cpu = (time.process_time() - cpu) / args.requests * 1000
        print(
            f"\n{args.requests} requests, {plain:.2f} ms each, {cpu:.2f} ms of it this process's"
            " CPU (in process, no profiler)"
        )
        profiler = Profiler(interval=0.001)
        started = time.perf_counter()
        profiler.start()
        for i in range(WARM + 1 + args.requests, WARM + 1 + 2 * args.requests):
            send(i)
        profiler.stop()
        each = (time.perf_counter() - started) / args.requests * 1000
        print(f"{args.requests} requests, {each:.2f} ms each (in process, profiler on)")
        print(profiler.output_text(unicode=True, color=False))
        if args.html:
            args.html.write_text(profiler.output_html())
    finally:
        clean_up(app, url, last_id)


if __name__ == "__main__":
    main()

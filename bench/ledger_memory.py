"""Peak memory of a ledger export, for 10k against 100k cases: it must not grow with the rows.

    .venv/bin/python bench/ledger_memory.py                      # SQLite, 10 000 and 100 000
    .venv/bin/python bench/ledger_memory.py --rows 1000 10000 --format csv
    .venv/bin/python bench/ledger_memory.py --database-url postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/ledger_memory.py \
        --existing postgresql://postgres@127.0.0.1/jiefen_bench --username bench-admin \
        --rows 10000 100000 --format csv xlsx

With --existing, nothing is built: the newest N cases of that database (the 1,000,000-report
benchmark data, say) are exported with `since`/`until`, as the signed-in user given.

Each size is filled in one child process and exported in a fresh one, through the real
endpoint (test client, body read in chunks as a WSGI server would), so the peak resident set
(ru_maxrss) of the export process is the export's own. Results: a table on stdout and JSON
lines in bench/out/ledger_memory.jsonl.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

CONFIG = {"LOG_JSON": False, "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench"}
GEOGRAPHY = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
            },
        }
        for code, name, level, parent, (x0, y0, x1, y1) in (
            ("B", "基准区", "district", None, (105.30, 28.70, 105.50, 28.80)),
            ("B1", "一号街道", "subdistrict", "B", (105.30, 28.70, 105.40, 28.80)),
            ("B2", "二号街道", "subdistrict", "B", (105.40, 28.70, 105.50, 28.80)),
        )
    ],
}
DESCRIPTION = "小区物业长期不清理楼道杂物，夜间噪音扰民，多次沟通无果，请求社区协调处理。"


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _app(url: str):
    from app import create_app

    return create_app({**CONFIG, "DATABASE_URL": url})


def prepare(url: str, rows: int) -> None:
    """Schema, a small geography, an admin, and `rows` cases inserted in bulk."""
    from geoalchemy2 import WKTElement
    from sqlalchemy import insert

    from app.accounts.service import create_user
    from app.areas.importer import import_feature_collection
    from app.categories.seed import CATEGORIES, seed_categories
    from app.extensions import db
    from app.reports.models import CHANNELS, OUTCOMES, STATUSES, Report
    from app.units.service import create_unit

    app = _app(url)
    rng = random.Random(7)
    with app.app_context():
        db.create_all()
        seed_categories()
        import_feature_collection(GEOGRAPHY)
        for code in ("B1", "B2"):
            create_unit(f"unit-{code}", f"{code}综治中心", "subdistrict", code)
        create_user("bench", "bench-password", ["admin"])
        db.session.commit()
        start = datetime(2025, 1, 1, tzinfo=UTC)
        categories = [c for c, _, _ in CATEGORIES]
        batch = []
        for i in range(rows):
            sub = rng.choice(("B1", "B2"))
            lon = rng.uniform(105.30, 105.40) + (0.1 if sub == "B2" else 0)
            created = start + timedelta(minutes=5 * i)
            resolved = rng.random() < 0.6
            batch.append(
                {
                    "tracking_no": f"JFB{i:011d}",
                    "tracking_key_hash": uuid.uuid4().hex,
                    "status": rng.choice(STATUSES),
                    "channel": rng.choice(CHANNELS),
                    "description": DESCRIPTION,
                    "category_code": rng.choice(categories),
                    "risk_level": rng.choice(("low", "medium", "high")),
                    "location": WKTElement(f"POINT({lon} {rng.uniform(28.7, 28.8)})", srid=4326),
                    "location_source": "device",
                    "area_code": sub,
                    "area_path": f"/B/{sub}/",
                    "subdistrict_code": sub,
                    "unit_code": f"unit-{sub}",
                    "in_coverage": True,
                    "card": "none",
                    "due_at": created + timedelta(days=7),
                    "resolved_at": created + timedelta(days=rng.uniform(1, 10))
                    if resolved
                    else None,
                    "outcome": rng.choice(OUTCOMES) if resolved else None,
                    "reporter_phone": f"138{rng.randrange(10**8):08d}",
                    "reopen_count": 0,
                    "return_count": 0,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            if len(batch) == 5000:
                db.session.execute(insert(Report), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Report), batch)
        db.session.commit()


def measure(url: str, kind: str, username: str = "bench", query: str = "") -> dict:
    """Export the ledger through the endpoint and report this process's peak memory."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.accounts.tokens import issue_pair
    from app.extensions import db

    app = _app(url)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        token = issue_pair(user).access_token
        db.session.commit()
    client = app.test_client()
    before = _rss_mb()
    started = time.perf_counter()
    response = client.get(
        f"/api/v1/exports/ledger.{kind}" + (f"?{query}" if query else ""),
        headers={"Authorization": f"Bearer {token}"},
        buffered=False,
    )
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "status": response.status_code,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before, 1),
        "peak_rss_mb": round(peak, 1),
        "growth_mb": round(peak - before, 1),
    }


def _child(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(done.stderr)
    return done.stdout


def _database_for(base: str | None, rows: int) -> tuple[str, callable]:
    if not base:
        path = OUT / f"ledger-{rows}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: None
    import psycopg

    name = f"jiefen_bench_{rows}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def drop():
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def newest(url: str, rows: int) -> tuple[str, int]:
    """The since/until query that selects the newest `rows` cases, and how many it selects."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        since, until = conn.execute(
            "SELECT (SELECT created_at FROM reports ORDER BY created_at DESC OFFSET %s LIMIT 1),"
            " max(created_at) + interval '1 second' FROM reports",
            (rows - 1,),
        ).fetchone()
        count = conn.execute(
            "SELECT count(*) FROM reports WHERE created_at >= %s AND created_at < %s",
            (since, until),
        ).fetchone()[0]
    return urlencode({"since": since.isoformat(), "until": until.isoformat()}), count


def measure_existing(args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    print(
        f"{'format':<7}{'rows':>9}{'file MB':>9}{'s':>8}{'RSS before':>12}{'peak':>8}"
        f"{'growth MB':>11}"
    )
    with open(OUT / "ledger_memory.jsonl", "a") as log:
        for rows in args.rows:
            query, count = newest(args.existing, rows)
            for kind in args.format:
                result = json.loads(_child("--measure", args.existing, kind, args.username, query))
                result.update(dialect="postgresql", format=kind, rows=count, existing=True)
                log.write(json.dumps(result) + "\n")
                print(
                    f"{kind:<7}{count:>9}{result['bytes'] / 2**20:>9.1f}{result['seconds']:>8}"
                    f"{result['rss_before_mb']:>12}{result['peak_rss_mb']:>8}{result['growth_mb']:>11}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--format", nargs="+", default=["xlsx", "csv"], choices=["xlsx", "csv"])
    parser.add_argument("--database-url", help="PostgreSQL admin URL; SQLite files when absent")
    parser.add_argument("--prepare", nargs=2, metavar=("URL", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--existing", metavar="URL", help="export from this database as it is")
    parser.add_argument("--username", default="bench", help="who exports (with --existing)")
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("LOG_JSON", "0")
    if args.prepare:
        prepare(args.prepare[0], int(args.prepare[1]))
        return
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    if args.existing:
        measure_existing(args)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    dialect = "postgresql" if args.database_url else "sqlite"
    print(
        f"{'dialect':<11}{'format':<7}{'rows':>9}{'file MB':>9}{'s':>8}{'RSS before':>12}"
        f"{'peak':>8}{'growth MB':>11}"
    )
    with open(OUT / "ledger_memory.jsonl", "a") as log:
        for rows in args.rows:
            url, drop = _database_for(args.database_url, rows)
            try:
                _child("--prepare", url, str(rows))
                for kind in args.format:
                    result = json.loads(_child("--measure", url, kind))
                    result.update(dialect=dialect, format=kind, rows=rows)
                    log.write(json.dumps(result) + "\n")
                    print(
                        f"{dialect:<11}{kind:<7}{rows:>9}{result['bytes'] / 2**20:>9.1f}"
                        f"{result['seconds']:>8}{result['rss_before_mb']:>12}"
                        f"{result['peak_rss_mb']:>8}{result['growth_mb']:>11}"
                    )
            finally:
                drop()


if __name__ == "__main__":
    main()

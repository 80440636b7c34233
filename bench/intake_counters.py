"""What one filed report costs in counters that do not depend on the machine's load.

    python -m bench.intake_counters --database-url URL [--endpoint staff|qr] [--requests 500]
        [--no-checkpoint] [--calls out.json]
    python -m bench.intake_counters --compare small.json big.json

Files reports in process (Flask's test client, as `bench.profile_intake`) and prints, per
report: WAL records, full-page images and bytes of this database, by relation (read with
`pg_waldump` between the LSNs before and after, so other databases on the server are left
out); buffer hits and reads by relation (`pg_statio_*`); rows inserted; statements sent
through SQLAlchemy; each touched index's size. Timing on a shared machine is noise; these
counts are not.

A CHECKPOINT comes first (unless `--no-checkpoint`): every page a report touches for the first
time after a checkpoint is written whole to the WAL (full_page_writes), so the first batch after
one is the worst case, and the second batch (`--batches 2`) shows how fast that decays. With
`--calls` the requests run under cProfile and its call counts per report are written as JSON;
`--compare` prints the functions whose calls per report differ most between two such files.
"""

import argparse
import cProfile
import json
import os
import pstats
import re
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import psycopg
from sqlalchemy import event

from app.extensions import db
from bench.common import DEFAULT_DATABASE_URL, psycopg_url
from bench.generate import bench_app
from bench.intake_bench import (
    SERVICE_ENV,
    last_report_id,
)
from bench.profile_intake import clean_up, sender

WARM = 20
SLOT = "bench_intake_counters"
PG_WALDUMP = "/usr/lib/postgresql/15/bin/pg_waldump"
BLOCK = re.compile(r"rel (\d+)/(\d+)/(\d+)(?: fork (\w+))? blk (\d+)( FPW)?")
TX = re.compile(r"tx:\s*(\d+)")
RECORD = re.compile(r"rmgr: (\S+)\s+len \(rec/tot\):\s*(\d+)/\s*(\d+)")


def uuid7() -> uuid.UUID:
    """RFC 9562's version 7: milliseconds since 1970 in the first 48 bits, then random bits.
    Made one after another, they sort in time order, so a unique index on them grows at its
    right edge like a sequence's instead of touching a random leaf each time."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10)) & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | 0x7 << 76  # version
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant
    return uuid.UUID(int=value)


def relation_names(conn: psycopg.Connection) -> dict[int, str]:
    """relfilenode → name, for this database's relations (a TOAST table as its owner's)."""
    rows = conn.execute(
        "SELECT pg_relation_filenode(c.oid), coalesce(t.relname || '(toast)', c.relname)"
        " FROM pg_class c LEFT JOIN pg_class t ON t.reltoastrelid = c.oid"
        " WHERE pg_relation_filenode(c.oid) IS NOT NULL"
    ).fetchall()
    return dict(rows)


def statio(conn: psycopg.Connection) -> dict[str, tuple[int, int]]:
    """Buffer (hits, reads) so far by relation: heap and each index apart."""
    conn.execute("SELECT pg_stat_clear_snapshot()")
    out = {}
    for name, hit, read in conn.execute(
        "SELECT relname, coalesce(heap_blks_hit, 0), coalesce(heap_blks_read, 0)"
        " FROM pg_statio_user_tables"
    ):
        out[name] = (hit, read)
    for name, hit, read in conn.execute(
        "SELECT indexrelname, idx_blks_hit, idx_blks_read FROM pg_statio_user_indexes"
    ):
        out[name] = (hit, read)
    return out


def inserted(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT relname, n_tup_ins FROM pg_stat_user_tables").fetchall())


def database_blocks(conn: psycopg.Connection) -> tuple[int, int, int]:
    return conn.execute(
        "SELECT blks_hit, blks_read, xact_commit FROM pg_stat_database"
        " WHERE datname = current_database()"
    ).fetchone()


def wal_by_relation(start: str, end: str, dboid: int, names: dict[int, str]) -> dict:
    """Records, full-page images and bytes between two LSNs, this database's by relation."""
    wal_dir = "/var/lib/postgresql/15/main/pg_wal"
    dump = subprocess.run(
        [PG_WALDUMP, "-p", wal_dir, "-s", start, "-e", end],
        capture_output=True,
        text=True,
    )
    by = defaultdict(lambda: Counter(records=0, fpi=0, bytes=0))
    checkpoints = 0
    ours: set[str] = set()  # transactions that wrote a page of this database
    pageless = []
    for line in dump.stdout.splitlines():
        record = RECORD.search(line)
        if not record:
            continue
        rmgr, total = record.group(1), int(record.group(3))
        xid = TX.search(line).group(1) if TX.search(line) else "0"
        if "CHECKPOINT_" in line:
            checkpoints += 1
        blocks = BLOCK.findall(line)
        mine = [b for b in blocks if int(b[1]) == dboid]
        if not blocks:
            pageless.append((xid, rmgr, total))
            continue
        if not mine:
            continue  # another database's page
        ours.add(xid)
        fpw = [b for b in mine if b[5]]
        owners = fpw or mine[:1]
        for b in owners:
            by[_name(b, names)]["bytes"] += total // len(owners)
        for b in mine:
            by[_name(b, names)]["records"] += 1
            by[_name(b, names)]["fpi"] += 1 if b[5] else 0
    # A COMMIT names no database: counted when its transaction wrote one of our pages.
    for xid, rmgr, total in pageless:
        if xid in ours and xid != "0":
            by[f"({rmgr}, no page)"]["records"] += 1
            by[f"({rmgr}, no page)"]["bytes"] += total
    if dump.returncode and not by:
        raise SystemExit(f"pg_waldump failed: {dump.stderr.strip()}")
    return {"relations": {k: dict(v) for k, v in by.items()}, "checkpoints": checkpoints}


def _name(block: tuple, names: dict[int, str]) -> str:
    fork = f" [{block[3]}]" if block[3] and block[3] != "main" else ""
    return names.get(int(block[2]), f"filenode {block[2]}") + fork


def drop_slot(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE slot_name = %s",
            (SLOT,),
        )


def index_sizes(conn: psycopg.Connection) -> dict[str, tuple[str, int]]:
    """Every user index: (its table, its size in pages)."""
    return {
        name: (table, pages)
        for name, table, pages in conn.execute(
            "SELECT i.indexrelname, i.relname, pg_relation_size(i.indexrelid) / 8192"
            " FROM pg_stat_user_indexes i"
        )
    }


def batch(app, url, send, first: int, count: int, names, dboid, calls: Counter | None) -> dict:
    """File `count` reports and return what they cost, in total."""
    with psycopg.connect(url, autocommit=True) as conn:
        io_before, ins_before = statio(conn), inserted(conn)
        blocks_before = database_blocks(conn)
        # Other databases' work (and their checkpoints) would recycle the segments before
        # pg_waldump reads them: a slot keeps them until the batch is read.
        conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", (SLOT,))
        lsn_before = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    statements = Counter()

    def count_statement(_conn, _cursor, statement, *_args):
        statements[" ".join(statement.split()[:4])] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_statement)
    profiler = cProfile.Profile() if calls is not None else None
    try:
        if profiler:
            profiler.enable()
        for i in range(first, first + count):
            assert send(i) in (200, 201)
        if profiler:
            profiler.disable()
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    with app.app_context():
        db.engine.dispose()  # the backends exit, so their statistics are flushed
    time.sleep(1.5)
    with psycopg.connect(url, autocommit=True) as conn:
        lsn_after = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        io_after, ins_after = statio(conn), inserted(conn)
        blocks_after = database_blocks(conn)
    if profiler:
        for (path, line, name), row in pstats.Stats(profiler).stats.items():
            calls[f"{Path(path).name}:{line}:{name}"] += row[0]
    io = {
        k: (v[0] - io_before.get(k, (0, 0))[0], v[1] - io_before.get(k, (0, 0))[1])
        for k, v in io_after.items()
    }
    try:
        wal = wal_by_relation(str(lsn_before), str(lsn_after), dboid, names)
    finally:
        drop_slot(url)
    return {
        "wal": wal,
        "io": {k: v for k, v in io.items() if v != (0, 0)},
        "inserted": {k: v - ins_before.get(k, 0) for k, v in ins_after.items()},
        "database_blocks": [a - b for a, b in zip(blocks_after, blocks_before, strict=True)],
        "statements": dict(statements),
    }


def show(result: dict, count: int, sizes: dict) -> None:
    per = 1 / count
    rels = result["wal"]["relations"]
    total = Counter()
    for v in rels.values():
        total.update(v)
    print(
        f"  WAL per report: {total['records'] * per:.1f} records, {total['fpi'] * per:.2f}"
        f" full-page images, {total['bytes'] * per / 1024:.1f} kB"
        f"  (checkpoints inside: {result['wal']['checkpoints']})"
    )
    hit, read, commits = result["database_blocks"]
    print(
        f"  buffers per report (database): {hit * per:.0f} hits, {read * per:.2f} reads;"
        f" commits {commits * per:.2f}"
    )
    print(f"  statements per report (SQLAlchemy): {sum(result['statements'].values()) * per:.1f}")
    print(f"  {'relation':<44} {'pages':>7} {'WAL rec':>8} {'FPI':>6} {'WAL kB':>7} {'hits':>6}"
          f" {'reads':>6}")  # fmt: skip
    keys = sorted(set(rels) | set(result["io"]), key=lambda k: -rels.get(k, {}).get("bytes", 0))
    for key in keys:
        w = rels.get(key, {})
        hit, read = result["io"].get(key, (0, 0))
        pages = sizes.get(key, ("", ""))[1]
        print(
            f"  {key[:44]:<44} {pages!s:>7} {w.get('records', 0) * per:8.2f}"
            f" {w.get('fpi', 0) * per:6.2f} {w.get('bytes', 0) * per / 1024:7.2f}"
            f" {hit * per:6.2f} {read * per:6.2f}"
        )
    print(
        "  rows inserted per report:",
        {k: round(v * per, 2) for k, v in result["inserted"].items() if v},
    )


def compare(small: Path, big: Path, top: int) -> None:
    a, b = json.loads(small.read_text()), json.loads(big.read_text())
    print(f"calls per report: {small.name} {a['reports']} reports, {big.name} {b['reports']}")
    pa = {k: v / a["reports"] for k, v in a["calls"].items()}
    pb = {k: v / b["reports"] for k, v in b["calls"].items()}
    total_a, total_b = sum(pa.values()), sum(pb.values())
    print(f"all function calls per report: {total_a:,.0f} → {total_b:,.0f}")
    diff = sorted(set(pa) | set(pb), key=lambda k: -abs(pb.get(k, 0) - pa.get(k, 0)))
    for key in diff[:top]:
        print(f"  {pa.get(key, 0):10.1f} → {pb.get(key, 0):10.1f}  {key}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_counters", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--endpoint", choices=("staff", "qr"), default="staff")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-checkpoint", action="store_true")
    parser.add_argument(
        "--uuid7", action="store_true", help="time-ordered client_uuids (RFC 9562 v7), not v4"
    )
    parser.add_argument(
        "--unique-texts", action="store_true", help="a different description every report"
    )
    parser.add_argument("--calls", type=Path, help="cProfile call counts per report, as JSON")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("SMALL", "BIG"))
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    if args.compare:
        return compare(*args.compare, args.top)
    url = psycopg_url(args.database_url)
    app = bench_app(url)
    app.config.update({k: v for k, v in SERVICE_ENV.items() if k.startswith("RATE_LIMIT")})
    last_id = last_report_id(app)
    total = WARM + args.batches * args.requests
    new_uuid = uuid7 if args.uuid7 else uuid.uuid4
    send = sender(app, url, args.endpoint, total, args.seed, new_uuid, args.unique_texts)
    calls = Counter() if args.calls else None
    try:
        for i in range(WARM):
            assert send(i) in (200, 201)
        with psycopg.connect(url, autocommit=True) as conn:
            names = relation_names(conn)
            dboid = conn.execute(
                "SELECT oid FROM pg_database WHERE datname = current_database()"
            ).fetchone()[0]
            sizes = index_sizes(conn)
            reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
            if not args.no_checkpoint:
                conn.execute("CHECKPOINT")
        print(f"{args.endpoint}: {reports:,} reports; batches of {args.requests}")
        for n in range(args.batches):
            result = batch(
                app, url, send, WARM + n * args.requests, args.requests, names, dboid, calls
            )
            print(
                f"batch {n + 1}"
                + (" (right after a CHECKPOINT)" if n == 0 and not args.no_checkpoint else "")
            )
            show(result, args.requests, sizes)
        if calls is not None:
            args.calls.write_text(
                json.dumps({"reports": args.batches * args.requests, "calls": calls}, indent=0)
            )
    finally:
        drop_slot(url)
        clean_up(app, url, last_id)


if __name__ == "__main__":
    main()

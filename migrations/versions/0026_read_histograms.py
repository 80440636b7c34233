"""Exact percentiles without sorting a year (#19): spans get buckets, counted per month.

The overview sorted half a million spans per request for two percentiles (0.6 s, by month
1.2 s at 1,000,000 reports). Each kept span now carries its bucket (its whole seconds' digit
count and first two digits, at most a tenth wide), with an index per span on (bucket, day,
scope, value), and `stats_span_buckets` counts them per month of receipt, scope and bucket:
the overview walks the counts to the bucket holding a rank and sorts only that bucket's spans
(app/stats/span_percentiles.py). `stats_monthly_counts` sums the daily counts per month (a
district's year was 190,000 daily rows to add up, 0.12 s). The triggers are replaced to keep
them all; the upgrade counts every settled report again. The SQL below is a frozen copy of
app/stats/rollup_sql.py at this revision (a migration owns its DDL).

Revision ID: 0026_read_histograms
Revises: 0025_intake_rows
Create Date: 2026-12-01 04:40:00

"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_read_histograms"
down_revision = "0025_intake_rows"
branch_labels = None
depends_on = None

NEW_INDEXES = {
    "ix_stats_settled_spans_dispatch_b": ["dispatch_b", "day", "scope", "dispatch_s"],
    "ix_stats_settled_spans_resolve_b": ["resolve_b", "day", "scope", "resolve_s"],
}


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in _revision_0023().drop_statements(dialect):
        op.execute(statement)
    with op.batch_alter_table("stats_settled_spans") as batch:
        batch.add_column(sa.Column("dispatch_b", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolve_b", sa.Integer(), nullable=True))
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "stats_settled_spans", columns, unique=False)
    op.create_table(
        "stats_monthly_counts",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("dim", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "scope", "dim", "value", name=op.f("pk_stats_monthly_counts")
        ),
    )
    op.create_table(
        "stats_span_buckets",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "scope", "measure", "bucket", name=op.f("pk_stats_span_buckets")
        ),
    )
    for statement in create_statements(dialect) + rebuild_statements(dialect):
        op.execute(statement)
    if dialect == "postgresql":  # the overview's plans need the new statistics now
        for table in ("stats_daily_totals", "stats_daily_counts", "stats_monthly_counts",
                      "stats_settled_spans", "stats_span_buckets"):  # fmt: skip
            op.execute(f"ANALYZE {table}")


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect):
        op.execute(statement)
    op.drop_table("stats_span_buckets")
    op.drop_table("stats_monthly_counts")
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="stats_settled_spans")
    with op.batch_alter_table("stats_settled_spans") as batch:
        batch.drop_column("resolve_b")
        batch.drop_column("dispatch_b")
    for statement in _revision_0023().create_statements(dialect):
        op.execute(statement)


def _revision_0023():
    """0023's own triggers (its frozen SQL), to take down before and put back after."""
    path = Path(__file__).with_name("0023_read_rollups.py")
    spec = importlib.util.spec_from_file_location("revision_0023_read_rollups", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A frozen copy of app/stats/rollup_sql.py (revision 0026).

SETTLED = ("resolved", "closed", "archived", "rejected", "merged")
DIMENSIONS = ("status", "channel", "category_code", "risk_level", "subdistrict_code")
MEASURES = (
    "total", "resolved", "settled", "with_deadline", "on_time", "followed_up", "satisfied",
    "reopens", "reopened",
)  # fmt: skip
SPANS = ("dispatch", "resolve")  # stats_span_buckets.measure; spans' columns {name}_s, {name}_b
TRIGGERS = ("stats_rollup_ai", "stats_rollup_au_old", "stats_rollup_au_new", "stats_rollup_ad")

_SETTLED_SQL = "(" + ", ".join(f"'{s}'" for s in SETTLED) + ")"


def _scope(r: str, dialect: str) -> str:
    """The report's area path cut to its first two codes ('/district/sub-district/'); the path
    itself when shorter; '' when it has none."""
    p = f"{r}.area_path"
    if dialect == "postgresql":
        return f"coalesce(substring({p} from '^/[^/]+/[^/]+/'), {p}, '')"
    second = f"instr(substr({p}, 2), '/')"
    third = f"instr(substr({p}, 2 + {second}), '/')"
    return (
        f"(CASE WHEN {p} IS NULL THEN '' WHEN {second} = 0 OR {third} = 0 THEN {p}"
        f" ELSE substr({p}, 1, 1 + {second} + {third}) END)"
    )


def _day(r: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(({r}.created_at AT TIME ZONE 'Asia/Shanghai')::date)"
    return f"date({r}.created_at, '+8 hours')"


def _seconds(later: str, earlier: str, dialect: str) -> str:
    """As app.stats.dialect.seconds_between writes it: the same float, bit for bit."""
    if dialect == "postgresql":
        return f"CAST(EXTRACT(epoch FROM {later} - {earlier}) AS FLOAT)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def span_bucket(seconds: float | None) -> int | None:
    """The bucket of a span: 0 under a second, else the number of digits of its whole
    seconds × 100 plus its first two digits (1 s → 101, 59.9 s → 259, 3,600 s → 436), so a
    bucket is at most a tenth of its values wide and a larger bucket holds only larger values.
    `_bucket` writes the same in SQL (tests/stats/test_span_percentiles.py holds them equal)."""
    if seconds is None:
        return None
    if seconds < 1:
        return 0
    digits = str(int(seconds))
    return len(digits) * 100 + int(digits[:2])


def _bucket(seconds: str, dialect: str) -> str:
    """`span_bucket` in SQL."""
    if dialect == "postgresql":
        whole = f"(floor({seconds})::bigint::text)"
        two = f"left({whole}, 2)::int"
    else:
        whole = f"CAST(CAST({seconds} AS INTEGER) AS TEXT)"
        two = f"CAST(substr({whole}, 1, 2) AS INTEGER)"
    return (
        f"(CASE WHEN ({seconds}) IS NULL THEN NULL WHEN ({seconds}) < 1 THEN 0"
        f" ELSE length({whole}) * 100 + {two} END)"
    )


def _month_of_day(day: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(date_trunc('month', {day})::date)"
    return f"date({day}, 'start of month')"


def _span_seconds(r: str, dialect: str) -> dict[str, str]:
    return {
        "dispatch": _seconds(f"{r}.dispatched_at", f"{r}.created_at", dialect),
        "resolve": _seconds(f"{r}.resolved_at", f"{r}.created_at", dialect),
    }


def _bucket_rows(r: str, dialect: str) -> str:
    """(month, scope, measure, bucket) of the row's spans that are set, as a SELECT."""
    month, scope = _month_of_day(_day(r, dialect), dialect), _scope(r, dialect)
    spans = " UNION ALL ".join(
        f"SELECT '{name}' AS measure, {_bucket(value, dialect)} AS bucket"
        for name, value in _span_seconds(r, dialect).items()
    )
    return f"SELECT {month} AS month, {scope} AS scope, b.measure, b.bucket FROM ({spans}) b"


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _measures(r: str) -> list[str]:
    resolved = f"{r}.resolved_at IS NOT NULL"
    deadline = f"{resolved} AND {r}.due_at IS NOT NULL"
    followed = f"{r}.followed_up_at IS NOT NULL"
    return [
        "1",
        _flag(resolved),
        _flag(f"{resolved} AND {r}.outcome IN ('mediated', 'agreement')"),
        _flag(deadline),
        _flag(f"{deadline} AND {r}.resolved_at <= {r}.due_at"),
        _flag(followed),
        _flag(f"{followed} AND {r}.satisfaction IN ('satisfied', 'basically_satisfied')"),
        f"coalesce({r}.reopen_count, 0)",
        _flag(f"{r}.reopen_count > 0"),
    ]


_SPAN_COLUMNS = "report_id, day, scope, dispatch_s, resolve_s, dispatch_b, resolve_b"


def _span_values(r: str, dialect: str) -> str:
    seconds = _span_seconds(r, dialect)
    buckets = [_bucket(v, dialect) for v in seconds.values()]
    return ", ".join([*seconds.values(), *buckets])


def apply_statements(r: str, sign: int, dialect: str) -> list[str]:
    """Add (sign 1) or take out (-1) the row `r` (NEW, OLD) in the rollups."""
    day, scope = _day(r, dialect), _scope(r, dialect)
    s = "" if sign > 0 else "-"
    totals = ", ".join(f"{s}{m}" for m in _measures(r))
    sets = ", ".join(f"{m} = stats_daily_totals.{m} + excluded.{m}" for m in MEASURES)
    counts = ", ".join(f"({day}, {scope}, '{d}', coalesce({r}.{d}, ''), {s}1)" for d in DIMENSIONS)
    month = _month_of_day(day, dialect)
    monthly = ", ".join(
        f"({month}, {scope}, '{d}', coalesce({r}.{d}, ''), {s}1)" for d in DIMENSIONS
    )
    statements = [
        "INSERT INTO stats_span_buckets (month, scope, measure, bucket, n)"
        f" SELECT month, scope, measure, bucket, {s}1 FROM ({_bucket_rows(r, dialect)}) x"
        " WHERE bucket IS NOT NULL"
        " ON CONFLICT (month, scope, measure, bucket)"
        " DO UPDATE SET n = stats_span_buckets.n + excluded.n",
        f"INSERT INTO stats_daily_totals (day, scope, {', '.join(MEASURES)})"
        f" VALUES ({day}, {scope}, {totals})"
        f" ON CONFLICT (day, scope) DO UPDATE SET {sets}",
        "INSERT INTO stats_daily_counts (day, scope, dim, value, n)"
        f" VALUES {counts}"
        " ON CONFLICT (day, scope, dim, value) DO UPDATE SET n = stats_daily_counts.n + excluded.n",
        "INSERT INTO stats_monthly_counts (month, scope, dim, value, n)"
        f" VALUES {monthly}"
        " ON CONFLICT (month, scope, dim, value)"
        " DO UPDATE SET n = stats_monthly_counts.n + excluded.n",
    ]
    if sign > 0:
        statements.append(
            f"INSERT INTO stats_settled_spans ({_SPAN_COLUMNS})"
            f" VALUES ({r}.id, {day}, {scope}, {_span_values(r, dialect)})"
            " ON CONFLICT (report_id) DO UPDATE SET day = excluded.day, scope = excluded.scope,"
            " dispatch_s = excluded.dispatch_s, resolve_s = excluded.resolve_s,"
            " dispatch_b = excluded.dispatch_b, resolve_b = excluded.resolve_b"
        )
    return statements


def create_statements(dialect: str) -> list[str]:
    """The function and triggers that keep the rollups (after the tables exist)."""
    if dialect == "postgresql":
        add = ";\n    ".join(apply_statements("NEW", 1, dialect))
        take = ";\n    ".join(apply_statements("OLD", -1, dialect))
        return [
            f"""CREATE OR REPLACE FUNCTION stats_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status IN {_SETTLED_SQL} THEN
    {take};
    DELETE FROM stats_settled_spans WHERE report_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status IN {_SETTLED_SQL} THEN
    {add};
  END IF;
  RETURN NULL;
END $$""",
            "CREATE OR REPLACE TRIGGER stats_rollup_ai AFTER INSERT ON reports FOR EACH ROW"
            f" WHEN (NEW.status IN {_SETTLED_SQL}) EXECUTE FUNCTION stats_rollup()",
            "CREATE OR REPLACE TRIGGER stats_rollup_au AFTER UPDATE ON reports FOR EACH ROW"
            f" WHEN (OLD.status IN {_SETTLED_SQL} OR NEW.status IN {_SETTLED_SQL})"
            " EXECUTE FUNCTION stats_rollup()",
            "CREATE OR REPLACE TRIGGER stats_rollup_ad AFTER DELETE ON reports FOR EACH ROW"
            f" WHEN (OLD.status IN {_SETTLED_SQL}) EXECUTE FUNCTION stats_rollup()",
        ]
    add = "".join(f"{s};\n" for s in apply_statements("NEW", 1, dialect))
    take = "".join(f"{s};\n" for s in apply_statements("OLD", -1, dialect))
    # SQLite fires two UPDATE triggers in no promised order: taking out never deletes a span
    # the other trigger may already have put back (the report is settled after the update).
    return [
        f"CREATE TRIGGER IF NOT EXISTS stats_rollup_ai AFTER INSERT ON reports"
        f" WHEN NEW.status IN {_SETTLED_SQL} BEGIN\n{add}END",
        f"CREATE TRIGGER IF NOT EXISTS stats_rollup_au_old AFTER UPDATE ON reports"
        f" WHEN OLD.status IN {_SETTLED_SQL} BEGIN\n{take}"
        f"DELETE FROM stats_settled_spans WHERE report_id = OLD.id"
        f" AND NEW.status NOT IN {_SETTLED_SQL};\nEND",
        f"CREATE TRIGGER IF NOT EXISTS stats_rollup_au_new AFTER UPDATE ON reports"
        f" WHEN NEW.status IN {_SETTLED_SQL} BEGIN\n{add}END",
        f"CREATE TRIGGER IF NOT EXISTS stats_rollup_ad AFTER DELETE ON reports"
        f" WHEN OLD.status IN {_SETTLED_SQL} BEGIN\n{take}"
        f"DELETE FROM stats_settled_spans WHERE report_id = OLD.id;\nEND",
    ]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {t} ON reports" for t in
              ("stats_rollup_ai", "stats_rollup_au", "stats_rollup_ad")),
            "DROP FUNCTION IF EXISTS stats_rollup()",
        ]  # fmt: skip
    return [f"DROP TRIGGER IF EXISTS {t}" for t in TRIGGERS]


def rebuild_statements(dialect: str) -> list[str]:
    """Empty the rollups and count every settled report again (after a bulk load with the
    triggers off, or to prove the kept rollups equal a fresh count)."""
    r = "r"
    day, scope = _day(r, dialect), _scope(r, dialect)
    settled = f"{r}.status IN {_SETTLED_SQL}"
    sums = ", ".join(f"sum({m})" for m in _measures(r))
    counts = " UNION ALL ".join(
        f"SELECT {day} AS day, {scope} AS scope, '{d}' AS dim, coalesce({r}.{d}, '') AS value"
        f" FROM reports {r} WHERE {settled}"
        for d in DIMENSIONS
    )
    return [
        "DELETE FROM stats_daily_totals",
        "DELETE FROM stats_daily_counts",
        "DELETE FROM stats_settled_spans",
        "DELETE FROM stats_span_buckets",
        "DELETE FROM stats_monthly_counts",
        f"INSERT INTO stats_daily_totals (day, scope, {', '.join(MEASURES)})"
        f" SELECT {day}, {scope}, {sums} FROM reports {r} WHERE {settled} GROUP BY 1, 2",
        "INSERT INTO stats_daily_counts (day, scope, dim, value, n)"
        f" SELECT day, scope, dim, value, count(*) FROM ({counts}) c GROUP BY 1, 2, 3, 4",
        f"INSERT INTO stats_settled_spans ({_SPAN_COLUMNS})"
        f" SELECT {r}.id, {day}, {scope}, {_span_values(r, dialect)}"
        f" FROM reports {r} WHERE {settled}",
        "INSERT INTO stats_monthly_counts (month, scope, dim, value, n)"
        f" SELECT {_month_of_day('day', dialect)}, scope, dim, value, sum(n)"
        " FROM stats_daily_counts GROUP BY 1, 2, 3, 4",
        *(
            "INSERT INTO stats_span_buckets (month, scope, measure, bucket, n)"
            f" SELECT {_month_of_day('day', dialect)}, scope, '{name}', {name}_b, count(*)"
            f" FROM stats_settled_spans WHERE {name}_b IS NOT NULL GROUP BY 1, 2, 4"
            for name in SPANS
        ),
    ]

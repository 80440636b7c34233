"""Statistics rollups (#19): settled cases per day of receipt and sub-district, kept by triggers.

The overview of a district's year read half a million cases twice (1.9 s at 1,000,000 reports).
It now reads these for the settled cases of its whole days and the reports for the rest
(app/stats/rollup.py). The triggers keep them in the transaction that changes a report; the
upgrade counts the settled reports already there. The SQL below is a frozen copy of
app/stats/rollup_sql.py at this revision (a migration owns its DDL).

Revision ID: 0023_read_rollups
Revises: 0017_mediation
Create Date: 2026-12-01 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023_read_rollups"
down_revision = "0017_mediation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_daily_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        *(sa.Column(m, sa.Integer(), nullable=False) for m in MEASURES),
        sa.PrimaryKeyConstraint("day", "scope", name=op.f("pk_stats_daily_totals")),
    )
    op.create_table(
        "stats_daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("dim", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "scope", "dim", "value", name=op.f("pk_stats_daily_counts")),
    )
    op.create_table(
        "stats_settled_spans",
        sa.Column("report_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("dispatch_s", sa.Float(precision=53), nullable=True),
        sa.Column("resolve_s", sa.Float(precision=53), nullable=True),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_stats_settled_spans")),
    )
    op.create_index(
        "ix_stats_settled_spans_day",
        "stats_settled_spans",
        ["day", "scope", "dispatch_s", "resolve_s"],
        unique=False,
    )
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect) + rebuild_statements(dialect):
        op.execute(statement)
    if dialect == "postgresql":  # the overview's plans need the new tables' statistics now
        for table in ("stats_daily_totals", "stats_daily_counts", "stats_settled_spans"):
            op.execute(f"ANALYZE {table}")


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_stats_settled_spans_day", table_name="stats_settled_spans")
    op.drop_table("stats_settled_spans")
    op.drop_table("stats_daily_counts")
    op.drop_table("stats_daily_totals")


# A frozen copy of app/stats/rollup_sql.py (revision 0023).

SETTLED = ("resolved", "closed", "archived", "rejected", "merged")
DIMENSIONS = ("status", "channel", "category_code", "risk_level", "subdistrict_code")
MEASURES = (
    "total", "resolved", "settled", "with_deadline", "on_time", "followed_up", "satisfied",
    "reopens", "reopened",
)  # fmt: skip
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


def apply_statements(r: str, sign: int, dialect: str) -> list[str]:
    """Add (sign 1) or take out (-1) the row `r` (NEW, OLD) in the rollups."""
    day, scope = _day(r, dialect), _scope(r, dialect)
    s = "" if sign > 0 else "-"
    totals = ", ".join(f"{s}{m}" for m in _measures(r))
    sets = ", ".join(f"{m} = stats_daily_totals.{m} + excluded.{m}" for m in MEASURES)
    counts = ", ".join(f"({day}, {scope}, '{d}', coalesce({r}.{d}, ''), {s}1)" for d in DIMENSIONS)
    statements = [
        f"INSERT INTO stats_daily_totals (day, scope, {', '.join(MEASURES)})"
        f" VALUES ({day}, {scope}, {totals})"
        f" ON CONFLICT (day, scope) DO UPDATE SET {sets}",
        "INSERT INTO stats_daily_counts (day, scope, dim, value, n)"
        f" VALUES {counts}"
        " ON CONFLICT (day, scope, dim, value) DO UPDATE SET n = stats_daily_counts.n + excluded.n",
    ]
    if sign > 0:
        dispatch = _seconds(f"{r}.dispatched_at", f"{r}.created_at", dialect)
        resolve = _seconds(f"{r}.resolved_at", f"{r}.created_at", dialect)
        statements.append(
            "INSERT INTO stats_settled_spans (report_id, day, scope, dispatch_s, resolve_s)"
            f" VALUES ({r}.id, {day}, {scope}, {dispatch}, {resolve})"
            " ON CONFLICT (report_id) DO UPDATE SET day = excluded.day, scope = excluded.scope,"
            " dispatch_s = excluded.dispatch_s, resolve_s = excluded.resolve_s"
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
    dispatch = _seconds(f"{r}.dispatched_at", f"{r}.created_at", dialect)
    resolve = _seconds(f"{r}.resolved_at", f"{r}.created_at", dialect)
    return [
        "DELETE FROM stats_daily_totals",
        "DELETE FROM stats_daily_counts",
        "DELETE FROM stats_settled_spans",
        f"INSERT INTO stats_daily_totals (day, scope, {', '.join(MEASURES)})"
        f" SELECT {day}, {scope}, {sums} FROM reports {r} WHERE {settled} GROUP BY 1, 2",
        "INSERT INTO stats_daily_counts (day, scope, dim, value, n)"
        f" SELECT day, scope, dim, value, count(*) FROM ({counts}) c GROUP BY 1, 2, 3, 4",
        "INSERT INTO stats_settled_spans (report_id, day, scope, dispatch_s, resolve_s)"
        f" SELECT {r}.id, {day}, {scope}, {dispatch}, {resolve} FROM reports {r} WHERE {settled}",
    ]

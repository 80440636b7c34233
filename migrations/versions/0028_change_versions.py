"""One read of every change version per request (#19): the triage rules and the webhook
subscriptions get a row of `routing_version` each, moved by triggers like the areas' row.

Intake asked the database three times "has this changed?": the routing version, a fingerprint
of triage_rules (count, max id, max updated_at, sum of weights) and every subscription's
(id, events). Now triggers keep row 2 (triage_rules) and row 3 (webhook_subscriptions: rows
added or removed, or their events changed) as row 1 is kept for areas and units, and the
request reads the three rows at once (app/core/versions.py). The PostgreSQL function takes the
row as its trigger's argument, so the areas' and units' triggers are made again with theirs.
The SQL below is a frozen copy of app/core/version_sql.py at this revision (a migration owns
its DDL).

Revision ID: 0028_change_versions
Revises: 0030_candidate_window
Create Date: 2026-12-01 07:20:00

"""

from alembic import op

revision = "0028_change_versions"
down_revision = "0030_candidate_window"
branch_labels = None
depends_on = None

ROUTING, RULES, SUBSCRIPTIONS = 1, 2, 3
WATCHED = {
    ROUTING: {"areas": None, "units": None},
    RULES: {"triage_rules": None},
    SUBSCRIPTIONS: {"webhook_subscriptions": ("id", "events")},
}
NEW_TABLES = ("triage_rules", "webhook_subscriptions")
SQLITE_EVENTS = (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect):
        op.execute(statement)
    # First numbers, random as every later one, so a copy built now has one to compare with.
    first = "floor(random() * 9e18)::bigint" if dialect == "postgresql" else "random()"
    for row in (RULES, SUBSCRIPTIONS):
        op.execute(f"DELETE FROM routing_version WHERE id = {row}")
        op.execute(f"INSERT INTO routing_version (id, version) VALUES ({row}, {first})")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # 0027's function and triggers: row 1 without an argument.
        op.execute(
            "CREATE OR REPLACE FUNCTION routing_version_bump() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO routing_version (id, version)"
            " VALUES (1, floor(random() * 9e18)::bigint)"
            " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;"
            " RETURN NULL; END $$"
        )
        for table in ("areas", "units"):
            op.execute(
                f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER INSERT OR UPDATE"
                f" OR DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT"
                " EXECUTE FUNCTION routing_version_bump()"
            )
        for table in NEW_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS routing_version_{table} ON {table}")
    else:
        for table in NEW_TABLES:
            for suffix, _event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}")
    op.execute(f"DELETE FROM routing_version WHERE id IN ({RULES}, {SUBSCRIPTIONS})")


def _update_of(columns):
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


def create_statements(dialect):
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION routing_version_bump() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO routing_version (id, version)"
            " VALUES (TG_ARGV[0]::integer, floor(random() * 9e18)::bigint)"
            " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;"
            " RETURN NULL; END $$",
            *(
                f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER INSERT"
                f" OR {_update_of(columns)} OR DELETE OR TRUNCATE ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION routing_version_bump('{row}')"
                for row, tables in WATCHED.items()
                for table, columns in tables.items()
            ),
        ]
    # SQLite: the areas' and units' triggers from 0027 already write row 1.
    return [
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix}"
        f" AFTER {_update_of(columns) if event == 'UPDATE' else event} ON {table}"
        f" BEGIN INSERT OR REPLACE INTO routing_version (id, version) VALUES ({row}, random()); END"
        for row, tables in WATCHED.items()
        for table, columns in tables.items()
        for suffix, event in SQLITE_EVENTS
    ]

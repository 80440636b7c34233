"""Change versions: the triggers, as SQL for each dialect (migrations hold frozen copies).

`routing_version` holds one row per watched thing, its number changed by every write to that
thing's tables, in the transaction that writes, whoever writes (the importer, the admin
screens, a CLI, a test's fixture). What a process keeps built from those tables (the area
index, the triage rules, the webhook followers, the staff token checks) is trusted while the
number is the one it was built at: the request reads the numbers once (app/core/versions.py)
instead of the tables. The sign-ins have a row per bucket of users (app/core/signin_sql.py).

The new number is random, not the old one plus one: a rolled-back write takes its number
back, and a later write counting from the same start would hand out the same number again
for different rows, which a copy built inside the rolled-back transaction would then take as
its own. The row is upserted, so a missing row (an emptied table) repairs itself.
"""

from app.core import signin_sql

ROUTING, RULES, SUBSCRIPTIONS = 1, 2, 3

# Row id → the tables whose writes change it, each with the only columns whose UPDATE counts
# (None: any). The deliverer updates a subscription's health after every delivery; only its
# events change whom intake names, so those updates must not throw every process's copy away.
WATCHED: dict[int, dict[str, tuple[str, ...] | None]] = {
    ROUTING: {"areas": None, "units": None},
    RULES: {"triage_rules": None},
    SUBSCRIPTIONS: {"webhook_subscriptions": ("id", "events")},
}
TABLES = (*(table for tables in WATCHED.values() for table in tables), *signin_sql.TABLES)
_SQLITE_EVENTS = (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))


def _update_of(columns: tuple[str, ...] | None) -> str:
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


def create_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        # The row to change is the trigger's argument: one function for every table.
        statements = [
            "CREATE OR REPLACE FUNCTION routing_version_bump() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO routing_version (id, version)"
            " VALUES (TG_ARGV[0]::integer, floor(random() * 9e18)::bigint)"
            " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;"
            " RETURN NULL; END $$"
        ]
        # Per statement: an import of 50,000 areas changes the row once, not 50,000 times;
        # TRUNCATE too, which fires no DELETE trigger.
        statements += [
            f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER INSERT"
            f" OR {_update_of(columns)} OR DELETE OR TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION routing_version_bump('{row}')"
            for row, tables in WATCHED.items()
            for table, columns in tables.items()
        ]
        return statements + signin_sql.create_statements(dialect)
    # SQLite has no statement triggers; one small upsert per row written.
    return [
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix}"
        f" AFTER {_update_of(columns) if event == 'UPDATE' else event} ON {table}"
        f" BEGIN INSERT OR REPLACE INTO routing_version (id, version) VALUES ({row}, random()); END"
        for row, tables in WATCHED.items()
        for table, columns in tables.items()
        for suffix, event in _SQLITE_EVENTS
    ] + signin_sql.create_statements(dialect)


def drop_statements(dialect: str) -> list[str]:
    ours = [table for tables in WATCHED.values() for table in tables]
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS routing_version_{table} ON {table}" for table in ours),
            "DROP FUNCTION IF EXISTS routing_version_bump()",
            *signin_sql.drop_statements(dialect),
        ]
    return [
        *(
            f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}"
            for table in ours
            for suffix, _event in _SQLITE_EVENTS
        ),
        *signin_sql.drop_statements(dialect),
    ]

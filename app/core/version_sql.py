"""Change versions: the triggers, as SQL for each dialect (migrations hold frozen copies).

`routing_version` holds one row per watched thing, its number changed by every write to that
thing's tables, in the transaction that writes, whoever writes (the importer, the admin
screens, a CLI, a test's fixture). What a process keeps built from those tables (the area
index, the triage rules, the webhook followers, the staff token checks) is trusted while the
number is the one it was built at: the request reads the numbers once (app/core/versions.py)
instead of the tables.

The new number is random, not the old one plus one: a rolled-back write takes its number
back, and a later write counting from the same start would hand out the same number again
for different rows, which a copy built inside the rolled-back transaction would then take as
its own. The row is upserted, so a missing row (an emptied table) repairs itself.
"""

from dataclasses import dataclass

ROUTING, RULES, SUBSCRIPTIONS, SIGNINS = 1, 2, 3, 4


@dataclass(frozen=True)
class Watch:
    """Which writes to a table move its row: an UPDATE of `columns` (None: of any column), a
    DELETE, a TRUNCATE, and an INSERT unless `insert` is False."""

    columns: tuple[str, ...] | None = None
    insert: bool = True


ANY = Watch()

# Row id → the tables whose writes change it. The deliverer updates a subscription's health
# after every delivery; only its events change whom intake names, so those updates must not
# throw every process's copy away. A sign-in adds a token no process has seen, so it leaves the
# sign-ins' row alone (sign-ins are frequent); a revocation, a sign-out, a refresh (UPDATE), a
# purge (DELETE) and any change to a user, their roles or areas move it (app/accounts/
# token_cache.py).
WATCHED: dict[int, dict[str, Watch]] = {
    ROUTING: {"areas": ANY, "units": ANY},
    RULES: {"triage_rules": ANY},
    SUBSCRIPTIONS: {"webhook_subscriptions": Watch(columns=("id", "events"))},
    SIGNINS: {
        "auth_tokens": Watch(insert=False),
        "users": ANY,
        "user_roles": ANY,
        "user_areas": ANY,
    },
}
TABLES = tuple(table for tables in WATCHED.values() for table in tables)
_SQLITE_EVENTS = (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))


def _update_of(columns: tuple[str, ...] | None) -> str:
    return f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"


def _pg_events(watch: Watch) -> str:
    events = ["INSERT"] if watch.insert else []
    return " OR ".join([*events, _update_of(watch.columns), "DELETE", "TRUNCATE"])


def _sqlite_events(watch: Watch) -> list[tuple[str, str]]:
    return [
        (suffix, _update_of(watch.columns) if event == "UPDATE" else event)
        for suffix, event in _SQLITE_EVENTS
        if watch.insert or event != "INSERT"
    ]


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
            f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER {_pg_events(watch)}"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION routing_version_bump('{row}')"
            for row, tables in WATCHED.items()
            for table, watch in tables.items()
        ]
        return statements
    # SQLite has no statement triggers; one small upsert per row written.
    return [
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix}"
        f" AFTER {event} ON {table}"
        f" BEGIN INSERT OR REPLACE INTO routing_version (id, version) VALUES ({row}, random()); END"
        for row, tables in WATCHED.items()
        for table, watch in tables.items()
        for suffix, event in _sqlite_events(watch)
    ]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS routing_version_{table} ON {table}" for table in TABLES),
            "DROP FUNCTION IF EXISTS routing_version_bump()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}"
        for table in TABLES
        for suffix, _event in _SQLITE_EVENTS
    ]

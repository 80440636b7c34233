"""The routing version's triggers, as SQL for each dialect (migration 0027 holds a frozen copy).

`routing_version` holds one number that changes with every write to `areas` or `units`, in
the transaction that writes, whoever writes (the importer, the admin screens, a CLI, a test's
fixture). The in-process index `locate` answers from (app/areas/locate_index.py) compares it
with the number it was built at: one tiny read instead of a spatial query per point.

The new number is random, not the old one plus one: a rolled-back import takes its number
back, and a later write counting from the same start would hand out the same number again
for different areas, which an index built inside the rolled-back transaction would then take
as its own. The row is upserted, so a missing row (an emptied table) repairs itself.
"""

TABLES = ("areas", "units")
_SQLITE_EVENTS = (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))


def create_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION routing_version_bump() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO routing_version (id, version)"
            " VALUES (1, floor(random() * 9e18)::bigint)"
            " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;"
            " RETURN NULL; END $$"
        ]
        # Per statement: an import of 50,000 areas changes the row once, not 50,000 times;
        # TRUNCATE too, which fires no DELETE trigger.
        statements += [
            f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER INSERT OR UPDATE OR DELETE"
            f" OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION routing_version_bump()"
            for table in TABLES
        ]
        return statements
    # SQLite has no statement triggers; one small upsert per row written.
    return [
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix} AFTER {event} ON {table}"
        " BEGIN INSERT OR REPLACE INTO routing_version (id, version) VALUES (1, random()); END"
        for table in TABLES
        for suffix, event in _SQLITE_EVENTS
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

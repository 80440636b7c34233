"""The sign-ins' change versions: one row of `routing_version` per bucket of users (issue 19).

A staff token check is kept per process under the number of its user's bucket, row
FIRST + user_id % BUCKETS (app/accounts/token_checks.py). A write to auth_tokens, users,
user_roles or user_areas moves the rows of the users it touched and no other: every phone
refreshes each 15 minutes (an UPDATE of its tokens), and with one number for all sign-ins ~300
phones would throw every worker's kept checks away every ~3 s. Now a refresh or sign-out
costs the kept checks of one user in BUCKETS. TRUNCATE names no rows and moves every bucket.
An INSERT of a token moves nothing: a sign-in makes a token no process has kept, and sign-ins
are frequent. User ids are positive, so `%` is the same in Python and both databases.

PostgreSQL: statement triggers that read the rows written from their transition tables — one
upsert per statement however many rows it wrote (a purge of 100,000 expired tokens moves each
bucket once). A trigger with transition tables takes one event, and TRUNCATE has none, hence
four triggers per table. The buckets are upserted in id order, so two writers that touch the
same ones lock them in the same order. SQLite: row triggers, one small upsert per row written.
New numbers are random (app/core/version_sql.py says why).
"""

FIRST, BUCKETS = 1000, 64

# Table → the column naming the user, and whether an INSERT moves the number.
WATCHED: dict[str, tuple[str, bool]] = {
    "auth_tokens": ("user_id", False),
    "users": ("id", True),
    "user_roles": ("user_id", True),
    "user_areas": ("user_id", True),
}
TABLES = tuple(WATCHED)
_SUFFIXES = ("ai", "au", "ad", "at")  # insert, update, delete, truncate


def row_of(user_id: int) -> int:
    """The row of `routing_version` whose number a check of this user's token is kept under."""
    return FIRST + user_id % BUCKETS


def _pg_function(column: str) -> str:
    def bucket(rows: str) -> str:
        return f"SELECT {FIRST} + {column} % {BUCKETS} AS bucket FROM {rows}"

    def bump(buckets: str) -> str:
        return (
            " INSERT INTO routing_version (id, version)"
            f" SELECT bucket, floor(random() * 9e18)::bigint FROM ({buckets}) AS touched"
            " ORDER BY bucket ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;"
        )

    every = f"SELECT generate_series({FIRST}, {FIRST + BUCKETS - 1}) AS bucket"
    return (
        f"CREATE OR REPLACE FUNCTION routing_version_signins_{column}() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP = 'TRUNCATE' THEN{bump(every)}"
        f" ELSIF TG_OP = 'INSERT' THEN{bump(bucket('new_rows') + ' GROUP BY 1')}"
        f" ELSIF TG_OP = 'DELETE' THEN{bump(bucket('old_rows') + ' GROUP BY 1')}"
        f" ELSE{bump(bucket('old_rows') + ' UNION ' + bucket('new_rows'))}"
        " END IF; RETURN NULL; END $$"
    )


def _pg_trigger(table: str, column: str, suffix: str) -> str:
    event, transition = {
        "ai": ("INSERT", " REFERENCING NEW TABLE AS new_rows"),
        "au": ("UPDATE", " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        "ad": ("DELETE", " REFERENCING OLD TABLE AS old_rows"),
        "at": ("TRUNCATE", ""),
    }[suffix]
    return (
        f"CREATE OR REPLACE TRIGGER routing_version_{table}_{suffix} AFTER {event} ON {table}"
        f"{transition} FOR EACH STATEMENT EXECUTE FUNCTION routing_version_signins_{column}()"
    )


def _sqlite_trigger(table: str, column: str, suffix: str) -> str:
    event, users = {
        "ai": ("INSERT", f"SELECT NEW.{column} AS u"),
        "au": ("UPDATE", f"SELECT OLD.{column} AS u UNION SELECT NEW.{column}"),
        "ad": ("DELETE", f"SELECT OLD.{column} AS u"),
    }[suffix]
    return (
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix} AFTER {event} ON {table}"
        " BEGIN INSERT OR REPLACE INTO routing_version (id, version)"
        f" SELECT {FIRST} + u % {BUCKETS}, random() FROM ({users}); END"
    )


def _events(on_insert: bool, dialect: str) -> tuple[str, ...]:
    suffixes = _SUFFIXES if dialect == "postgresql" else _SUFFIXES[:3]
    return tuple(s for s in suffixes if on_insert or s != "ai")


def create_statements(dialect: str) -> list[str]:
    trigger = _pg_trigger if dialect == "postgresql" else _sqlite_trigger
    functions = (
        [_pg_function(c) for c in sorted({c for c, _ in WATCHED.values()})]
        if dialect == "postgresql"
        else []
    )
    return functions + [
        trigger(table, column, suffix)
        for table, (column, on_insert) in WATCHED.items()
        for suffix in _events(on_insert, dialect)
    ]


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            *(
                f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix} ON {table}"
                for table in TABLES
                for suffix in _SUFFIXES
            ),
            *(
                f"DROP FUNCTION IF EXISTS routing_version_signins_{column}()"
                for column in sorted({c for c, _ in WATCHED.values()})
            ),
        ]
    return [
        f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}"
        for table in TABLES
        for suffix in _SUFFIXES[:3]
    ]

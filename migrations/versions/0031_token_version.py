"""Staff token checks kept per process (#19): sign-ins' change versions, one per user bucket.

Every staff request read its token with the user, roles and areas. Now each process keeps what
it found under the number of the user's bucket, row 1000 + user_id % 64 of `routing_version`
(app/accounts/token_checks.py, app/core/signin_sql.py). Triggers move the rows of the users a
statement touched: any UPDATE or DELETE of auth_tokens (revocation, sign-out, refresh, a purge)
and any write to users, user_roles and user_areas — not an INSERT of a token (a sign-in makes a
token no process has seen, and sign-ins are frequent). A TRUNCATE moves every bucket.
PostgreSQL reads the rows from the statement's transition tables; SQLite has row triggers.
The SQL below is a frozen copy of app/core/signin_sql.py at this revision (a migration owns its
DDL).

Revision ID: 0031_token_version
Revises: 0032_flat_indexes
Create Date: 2026-12-01 09:45:00

"""

from alembic import op

revision = "0031_token_version"
down_revision = "0032_flat_indexes"
branch_labels = None
depends_on = None

FIRST, BUCKETS = 1000, 64
# Table → the column naming the user, and whether an INSERT moves the number.
WATCHED = {
    "auth_tokens": ("user_id", False),
    "users": ("id", True),
    "user_roles": ("user_id", True),
    "user_areas": ("user_id", True),
}
COLUMNS = ("id", "user_id")
SUFFIXES = ("ai", "au", "ad", "at")


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect):
        op.execute(statement)
    # First numbers, random as every later one, so a check kept now has one to compare with.
    first = "floor(random() * 9e18)::bigint" if dialect == "postgresql" else "random()"
    op.execute(f"DELETE FROM routing_version WHERE id BETWEEN {FIRST} AND {FIRST + BUCKETS - 1}")
    for bucket in range(FIRST, FIRST + BUCKETS):
        op.execute(f"INSERT INTO routing_version (id, version) VALUES ({bucket}, {first})")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        for suffix in SUFFIXES:
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}")
    if dialect == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP FUNCTION IF EXISTS routing_version_signins_{column}()")
    op.execute(f"DELETE FROM routing_version WHERE id BETWEEN {FIRST} AND {FIRST + BUCKETS - 1}")


def _pg_function(column):
    def bucket(rows):
        return f"SELECT {FIRST} + {column} % {BUCKETS} AS bucket FROM {rows}"

    def bump(buckets):
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


def _pg_trigger(table, column, suffix):
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


def _sqlite_trigger(table, column, suffix):
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


def create_statements(dialect):
    postgresql = dialect == "postgresql"
    suffixes = SUFFIXES if postgresql else SUFFIXES[:3]
    trigger = _pg_trigger if postgresql else _sqlite_trigger
    return [*(_pg_function(c) for c in COLUMNS if postgresql)] + [
        trigger(table, column, suffix)
        for table, (column, on_insert) in WATCHED.items()
        for suffix in suffixes
        if on_insert or suffix != "ai"
    ]

"""Staff token checks kept per process (#19): a change version for the sign-ins.

Every staff request read its token with the user, roles and areas. Now each process keeps what
it found under row 4 of `routing_version` (app/accounts/token_checks.py), which triggers move
on any UPDATE, DELETE or TRUNCATE of auth_tokens (revocation, sign-out, refresh, a purge) and
any write to users, user_roles and user_areas — not on an INSERT of a token: a sign-in makes a
token no process has seen, and sign-ins are frequent. The PostgreSQL function from 0028 takes
the row as its argument. The SQL below is a frozen copy of app/core/version_sql.py at this
revision (a migration owns its DDL).

Revision ID: 0031_token_version
Revises: 0028_change_versions
Create Date: 2026-12-01 09:45:00

"""

from alembic import op

revision = "0031_token_version"
down_revision = "0028_change_versions"
branch_labels = None
depends_on = None

SIGNINS = 4
# Table → whether an INSERT moves the number.
TABLES = {"auth_tokens": False, "users": True, "user_roles": True, "user_areas": True}


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect):
        op.execute(statement)
    # A first number, random as every later one, so a check kept now has one to compare with.
    first = "floor(random() * 9e18)::bigint" if dialect == "postgresql" else "random()"
    op.execute(f"DELETE FROM routing_version WHERE id = {SIGNINS}")
    op.execute(f"INSERT INTO routing_version (id, version) VALUES ({SIGNINS}, {first})")


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS routing_version_{table} ON {table}")
        else:
            for suffix in ("ai", "au", "ad"):
                op.execute(f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}")
    op.execute(f"DELETE FROM routing_version WHERE id = {SIGNINS}")


def create_statements(dialect):
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER"
            f" {'INSERT OR ' if on_insert else ''}UPDATE OR DELETE OR TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION routing_version_bump('{SIGNINS}')"
            for table, on_insert in TABLES.items()
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix} AFTER {event} ON {table}"
        f" BEGIN INSERT OR REPLACE INTO routing_version (id, version)"
        f" VALUES ({SIGNINS}, random()); END"
        for table, on_insert in TABLES.items()
        for suffix, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))
        if on_insert or event != "INSERT"
    ]

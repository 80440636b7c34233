"""Locate from an in-process index (#19): a routing version that every write to areas or
units changes, so each process knows when its index of the polygons is stale.

`locate` answered each point with a spatial query and its areas and unit as ORM entities
(PostGIS p99 2.76 ms at 50,000 micro-grids); it now answers from a shapely STRtree kept per
process (app/areas/locate_index.py) and reads only this one row per point. The triggers below
are a frozen copy of app/areas/version_sql.py at this revision (a migration owns its DDL).

Revision ID: 0027_locate_parts
Revises: 0020_semantic_vectors
Create Date: 2026-12-01 04:30:00

"""

from alembic import op
import sqlalchemy as sa

revision = "0027_locate_parts"
down_revision = "0020_semantic_vectors"
branch_labels = None
depends_on = None

TABLES = ("areas", "units")
SQLITE_EVENTS = (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))


def upgrade():
    op.create_table(
        "routing_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_version")),
    )
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect):
        op.execute(statement)
    # A first number, so an index built now has one to compare with.
    op.execute("INSERT INTO routing_version (id, version) VALUES (1, 1)")


def downgrade():
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("routing_version")


def create_statements(dialect):
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION routing_version_bump() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO routing_version (id, version)"
            " VALUES (1, floor(random() * 9e18)::bigint)"
            " ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;"
            " RETURN NULL; END $$",
            *(
                f"CREATE OR REPLACE TRIGGER routing_version_{table} AFTER INSERT OR UPDATE"
                f" OR DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT"
                " EXECUTE FUNCTION routing_version_bump()"
                for table in TABLES
            ),
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS routing_version_{table}_{suffix} AFTER {event} ON {table}"
        " BEGIN INSERT OR REPLACE INTO routing_version (id, version) VALUES (1, random()); END"
        for table in TABLES
        for suffix, event in SQLITE_EVENTS
    ]


def drop_statements(dialect):
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS routing_version_{table} ON {table}" for table in TABLES),
            "DROP FUNCTION IF EXISTS routing_version_bump()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS routing_version_{table}_{suffix}"
        for table in TABLES
        for suffix, _event in SQLITE_EVENTS
    ]

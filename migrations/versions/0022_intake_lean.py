"""Intake lean (#19): indexes on reports that cost every filing and answered no read.

* ix_reports_category_code and ix_reports_unit_code: each is the leading column of a composite
  index (ix_reports_category_status_created, ix_reports_unit_status) that answers the same reads.
* idx_reports_location on PostgreSQL only: the duplicate search, the one spatial read of
  reports there, uses the partial ix_reports_candidate_location. SpatiaLite keeps its R*Tree.

Revision ID: 0022_intake_lean
Revises: 0019_admin_users
Create Date: 2026-12-01 01:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_intake_lean"
down_revision = "0019_admin_users"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_category_code"))
        batch_op.drop_index(batch_op.f("ix_reports_unit_code"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS idx_reports_location")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS idx_reports_location ON reports USING gist (location)")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_unit_code"), ["unit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_category_code"), ["category_code"], unique=False)

"""Each report's reading (its weighted words) is stored with its suggestions, so a new report
nearby is compared with it without segmenting its text again (issue 15).

Revision ID: 0013_triage_quality
Revises: 0008
Create Date: 2026-11-30 21:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_triage_quality"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_suggestions") as batch:
        batch.add_column(sa.Column("reading", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("report_suggestions") as batch:
        batch.drop_column("reading")

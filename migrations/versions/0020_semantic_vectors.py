"""Each report's sentence vector is stored with its suggestions (384 float16, 768 bytes), so
a new report nearby is compared with it by a dot product, never by embedding it again
(issue 15). Reports sorted before this have none; the finder embeds those when it meets them.

Revision ID: 0020_semantic_vectors
Revises: 0024_list_indexes
Create Date: 2026-12-01 01:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_semantic_vectors"
down_revision = "0024_list_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_suggestions") as batch:
        batch.add_column(sa.Column("meaning_vector", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("report_suggestions") as batch:
        batch.drop_column("meaning_vector")

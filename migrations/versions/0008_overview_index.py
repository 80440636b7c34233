"""The statistics overview reads a year of a district from a covering index (PostgreSQL):
an index-only scan instead of half a million rows of the wide reports heap. It replaces the
plain index on created_at there (same key), which the planner would otherwise prefer.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 11:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# As app.reports.models.OVERVIEW_COLUMNS when this was written (a migration does not follow
# the models).
OVERVIEW_COLUMNS = [
    'status', 'channel', 'category_code', 'risk_level', 'subdistrict_code', 'outcome',
    'due_at', 'dispatched_at', 'resolved_at', 'followed_up_at', 'satisfaction', 'reopen_count',
    'area_path', 'reporter_user_id', 'unit_code',
]


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index(
            'ix_reports_created_overview', 'reports', ['created_at'], unique=False,
            postgresql_include=OVERVIEW_COLUMNS,
        )
        op.drop_index('ix_reports_created_at', table_name='reports')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_reports_created_at', 'reports', ['created_at'], unique=False)
        op.drop_index('ix_reports_created_overview', table_name='reports')

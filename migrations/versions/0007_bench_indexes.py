"""Indexes found by the benchmarks (bench/RESULTS.md): lists by category, unit and card, and
duplicate candidates near a new report.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 09:46:15.327707

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CANDIDATE_STATES = (
    "status IN ('received', 'needs_info', 'dispatched', 'accepted', 'in_progress', 'resolved',"
    " 'merged')"
)


def upgrade():
    op.create_index('ix_reports_card_status_unit', 'reports', ['card', 'status', 'unit_code'], unique=False)
    op.create_index('ix_reports_category_status_created', 'reports', ['category_code', 'status', 'created_at'], unique=False)
    op.create_index('ix_reports_unit_status', 'reports', ['unit_code', 'status'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # Only the reports still in play: SpatiaLite's R*Tree has no partial form.
        op.create_index(
            'ix_reports_candidate_location', 'reports', ['location'], unique=False,
            postgresql_using='gist', postgresql_where=sa.text(CANDIDATE_STATES),
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_reports_candidate_location', table_name='reports')
    op.drop_index('ix_reports_unit_status', table_name='reports')
    op.drop_index('ix_reports_category_status_created', table_name='reports')
    op.drop_index('ix_reports_card_status_unit', table_name='reports')

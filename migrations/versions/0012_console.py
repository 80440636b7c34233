"""The staff console: when each user last looked, so "new for me" can be counted.

Revision ID: 0012_console
Revises: 0013_triage_quality
Create Date: 2026-11-30 21:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.core.types


# revision identifiers, used by Alembic.
revision = '0012_console'
down_revision = '0013_triage_quality'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('console_seen',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_seen_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_console_seen'))
    )


def downgrade():
    op.drop_table('console_seen')

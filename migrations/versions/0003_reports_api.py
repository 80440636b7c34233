"""Grid workers: parties of a report, idempotency keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 08:37:41.896956

"""
import sqlalchemy as sa
from alembic import op

import app.core.types


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.JSON(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_keys_user_id_key')
    )
    op.create_table('report_parties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_parties_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_parties'))
    )
    op.create_index(op.f('ix_report_parties_phone'), 'report_parties', ['phone'], unique=False)
    op.create_index(op.f('ix_report_parties_report_id'), 'report_parties', ['report_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_parties_report_id'), table_name='report_parties')
    op.drop_index(op.f('ix_report_parties_phone'), table_name='report_parties')
    op.drop_table('report_parties')
    op.drop_table('idempotency_keys')

"""Open311 GeoReport v2: client keys, what a client sent with each report, and on reports the
answers to the category's questions and the reporter's request not to publish.

Revision ID: 0014_open311
Revises: 0012_console
Create Date: 2026-11-30 21:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

import app.core.types


# revision identifiers, used by Alembic.
revision = '0014_open311'
down_revision = '0012_console'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('key_prefix', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('rate_limit', sa.String(length=100), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=True),
    sa.Column('asynchronous', sa.Boolean(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_open311_keys_area_code_areas')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_open311_keys_created_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_open311_keys_key_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_open311_keys_name'))
    )
    op.create_table('open311_requests',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction_id', sa.String(length=32), nullable=True),
    sa.Column('account_id', sa.String(length=100), nullable=True),
    sa.Column('device_id', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('address_string', sa.Text(), nullable=True),
    sa.Column('media_url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['open311_keys.id'], name=op.f('fk_open311_requests_key_id_open311_keys')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_open311_requests_report_id_reports')),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token'))
    )
    op.create_index(op.f('ix_open311_requests_key_id'), 'open311_requests', ['key_id'], unique=False)
    # Plain ALTER TABLE ADD COLUMN on SQLite (a batch would rebuild the spatial table).
    op.add_column('reports', sa.Column('attributes', sa.JSON(), nullable=True))
    op.add_column('reports', sa.Column('do_not_publish', sa.Boolean(), server_default=sa.text('false'), nullable=False))

def downgrade():
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_column('do_not_publish')
        batch_op.drop_column('attributes')
    op.drop_index(op.f('ix_open311_requests_key_id'), table_name='open311_requests')
    op.drop_table('open311_requests')
    op.drop_table('open311_keys')

"""One retry mechanism: idempotency records keep what a write made, not its answer.

The old table kept whole response bodies (phones, tracking keys). Its rows become records of
the report each one made; the bodies are dropped.

Revision ID: 0010_idempotency
Revises: 0014_open311
Create Date: 2026-11-30 21:20:00

"""
import json

import sqlalchemy as sa
from alembic import op

import app.core.types


# revision identifiers, used by Alembic.
revision = '0010_idempotency'
down_revision = '0014_open311'
branch_labels = None
depends_on = None


def upgrade():
    records = op.create_table('idempotency_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('resource', sa.String(length=20), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
    sa.UniqueConstraint('scope', 'key', name='uq_idempotency_records_scope_key')
    )
    op.create_index('ix_idempotency_records_created_at', 'idempotency_records', ['created_at'], unique=False)

    old = sa.table(
        'idempotency_keys',
        sa.column('user_id', sa.Integer),
        sa.column('key', sa.String),
        sa.column('fingerprint', sa.String),
        sa.column('response_status', sa.Integer),
        sa.column('response_body', sa.JSON),
        sa.column('created_at', app.core.types.UTCDateTime),
    )
    rows = []
    for row in op.get_bind().execute(sa.select(old)).mappings():
        body = row['response_body']
        body = json.loads(body) if isinstance(body, str) else body
        if isinstance(body, dict) and isinstance(body.get('id'), int):
            rows.append({
                'scope': f"user:{row['user_id']}", 'key': row['key'],
                # Kept as it was (a plain hash): see Keyed.earlier_fingerprint.
                'fingerprint': row['fingerprint'], 'status': row['response_status'],
                'resource': 'report', 'resource_id': body['id'], 'created_at': row['created_at'],
            })
    if rows:
        op.bulk_insert(records, rows)
    op.drop_table('idempotency_keys')


def downgrade():
    # The old table kept response bodies, which cannot be rebuilt: it comes back empty.
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
    op.drop_index('ix_idempotency_records_created_at', table_name='idempotency_records')
    op.drop_table('idempotency_records')

"""QR channel: QR sites (码点), and the scanned site and phone position on reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 08:35:21.732865

"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import app.core.types

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_geospatial_table('qr_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=True),
    sa.Column('area_path', sa.String(length=400), nullable=True),
    sa.Column('subdistrict_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('rotation', sa.Integer(), nullable=False),
    sa.Column('scan_count', sa.Integer(), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('last_scan_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_qr_sites_area_code_areas')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_qr_sites_created_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qr_sites'))
    )
    op.create_index(op.f('ix_qr_sites_area_code'), 'qr_sites', ['area_code'], unique=False)
    op.create_index(op.f('ix_qr_sites_subdistrict_code'), 'qr_sites', ['subdistrict_code'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table, but it can add a column that carries one;
        # this avoids a batch copy of the reports table and its spatial index.
        op.execute(
            "ALTER TABLE reports ADD COLUMN qr_site_id INTEGER "
            "CONSTRAINT fk_reports_qr_site_id_qr_sites REFERENCES qr_sites (id)"
        )
    else:
        op.add_column('reports', sa.Column('qr_site_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_reports_qr_site_id_qr_sites'), 'reports', 'qr_sites', ['qr_site_id'], ['id'])
    op.add_geospatial_column('reports', sa.Column('device_location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True))
    op.add_column('reports', sa.Column('device_accuracy_m', sa.Float(), nullable=True))
    op.add_column('reports', sa.Column('device_distance_m', sa.Float(), nullable=True))
    op.add_column('reports', sa.Column('far_from_site', sa.Boolean(), nullable=True))
    op.create_index(op.f('ix_reports_qr_site_id'), 'reports', ['qr_site_id'], unique=False)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column that carries a foreign key, and copying the reports table
        # (batch mode) breaks on its spatial index and the tables pointing at it.
        raise RuntimeError(
            "downgrading the QR channel is not supported on SQLite; restore the database file "
            "from the backup taken before the upgrade"
        )
    op.drop_index(op.f('ix_reports_qr_site_id'), table_name='reports')
    op.drop_constraint(op.f('fk_reports_qr_site_id_qr_sites'), 'reports', type_='foreignkey')
    op.drop_column('reports', 'far_from_site')
    op.drop_column('reports', 'device_distance_m')
    op.drop_column('reports', 'device_accuracy_m')
    op.drop_geospatial_column('reports', 'device_location')
    op.drop_column('reports', 'qr_site_id')
    op.drop_index(op.f('ix_qr_sites_subdistrict_code'), table_name='qr_sites')
    op.drop_index(op.f('ix_qr_sites_area_code'), table_name='qr_sites')
    op.drop_geospatial_table('qr_sites')

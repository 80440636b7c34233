"""Foundation: areas, units, categories, users and tokens, reports and their events, photos.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 08:30:28.284746

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

import app.core.types

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# The category tree as this revision seeded it: written out here, not imported from app/, so
# that editing the live seed never changes what an old migration did.
CATEGORIES = (
    ('marriage_family', '婚姻家庭', None),
    ('marriage_family.divorce', '离婚纠纷', 'marriage_family'),
    ('marriage_family.support', '赡养抚养', 'marriage_family'),
    ('marriage_family.inheritance', '继承纠纷', 'marriage_family'),
    ('neighbour', '邻里纠纷', None),
    ('neighbour.noise', '噪音扰民', 'neighbour'),
    ('neighbour.water_leak', '漏水渗水', 'neighbour'),
    ('neighbour.access', '通行采光', 'neighbour'),
    ('housing_land', '房屋宅基地', None),
    ('property_mgmt', '物业纠纷', None),
    ('property_mgmt.fees', '物业收费', 'property_mgmt'),
    ('property_mgmt.service', '物业服务', 'property_mgmt'),
    ('contract', '合同纠纷', None),
    ('private_lending', '民间借贷', None),
    ('labour_wages', '劳动争议/欠薪', None),
    ('labour_wages.unpaid_wages', '拖欠工资', 'labour_wages'),
    ('labour_wages.injury', '工伤纠纷', 'labour_wages'),
    ('consumer', '消费纠纷', None),
    ('medical', '医疗纠纷', None),
    ('traffic_accident', '道路交通事故', None),
    ('damages', '损害赔偿', None),
    ('forest_land', '山林土地', None),
    ('land_requisition', '征地拆迁', None),
    ('pollution', '环境污染', None),
    ('safety_hazard', '安全隐患', None),
    ('safety_hazard.fire', '消防隐患', 'safety_hazard'),
    ('safety_hazard.building', '房屋/设施安全', 'safety_hazard'),
    ('safety_hazard.gas', '燃气安全', 'safety_hazard'),
    ('public_order', '治安问题', None),
    ('other', '其他', None),
)


def now():
    return datetime.now(timezone.utc)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['areas.id'], name=op.f('fk_areas_parent_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_areas_code'))
    )
    op.create_geospatial_index('idx_areas_geom', 'areas', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_areas_level'), 'areas', ['level'], unique=False)
    op.create_index(op.f('ix_areas_parent_id'), 'areas', ['parent_id'], unique=False)
    op.create_index('ix_areas_path', 'areas', ['path'], unique=False, postgresql_ops={'path': 'text_pattern_ops'})
    op.create_table('categories',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('parent_code', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['categories.code'], name=op.f('fk_categories_parent_code_categories')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories'))
    )
    op.create_index(op.f('ix_categories_parent_code'), 'categories', ['parent_code'], unique=False)
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_units_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    op.create_index(op.f('ix_units_area_code'), 'units', ['area_code'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_users_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index(op.f('ix_users_unit_code'), 'users', ['unit_code'], unique=False)
    op.create_table('auth_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('expires_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash'))
    )
    op.create_index(op.f('ix_auth_tokens_family'), 'auth_tokens', ['family'], unique=False)
    op.create_index(op.f('ix_auth_tokens_user_id'), 'auth_tokens', ['user_id'], unique=False)
    op.create_geospatial_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_no', sa.String(length=24), nullable=False),
    sa.Column('tracking_key_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=True),
    sa.Column('risk_level', sa.String(length=10), nullable=True),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('location_source', sa.String(length=16), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('area_code', sa.String(length=32), nullable=True),
    sa.Column('area_path', sa.String(length=400), nullable=True),
    sa.Column('subdistrict_code', sa.String(length=32), nullable=True),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('in_coverage', sa.Boolean(), nullable=False),
    sa.Column('snapped_m', sa.Float(), nullable=True),
    sa.Column('tier', sa.String(length=16), nullable=True),
    sa.Column('accept_due_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('card', sa.String(length=8), nullable=False),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('reporter_user_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=60), nullable=True),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('client_uuid', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('queued_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('claim_expires_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('triaged_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('triaged_by_user_id', sa.Integer(), nullable=True),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('dispatched_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.String(length=24), nullable=True),
    sa.Column('followed_up_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('closed_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archived_at', app.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_reports_area_code_areas')),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_reports_category_code_categories')),
    sa.ForeignKeyConstraint(['claimed_by_user_id'], ['users.id'], name=op.f('fk_reports_claimed_by_user_id_users')),
    sa.ForeignKeyConstraint(['duplicate_of'], ['reports.id'], name=op.f('fk_reports_duplicate_of_reports')),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['users.id'], name=op.f('fk_reports_reporter_user_id_users')),
    sa.ForeignKeyConstraint(['triaged_by_user_id'], ['users.id'], name=op.f('fk_reports_triaged_by_user_id_users')),
    sa.ForeignKeyConstraint(['unit_code'], ['units.code'], name=op.f('fk_reports_unit_code_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_reports_client_uuid')),
    sa.UniqueConstraint('tracking_no', name=op.f('uq_reports_tracking_no'))
    )
    op.create_geospatial_index('idx_reports_location', 'reports', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_reports_area_code'), 'reports', ['area_code'], unique=False)
    op.create_index('ix_reports_area_path', 'reports', ['area_path'], unique=False, postgresql_ops={'area_path': 'text_pattern_ops'})
    op.create_index(op.f('ix_reports_category_code'), 'reports', ['category_code'], unique=False)
    op.create_index(op.f('ix_reports_channel'), 'reports', ['channel'], unique=False)
    op.create_index(op.f('ix_reports_claimed_by_user_id'), 'reports', ['claimed_by_user_id'], unique=False)
    op.create_index(op.f('ix_reports_created_at'), 'reports', ['created_at'], unique=False)
    op.create_index(op.f('ix_reports_duplicate_of'), 'reports', ['duplicate_of'], unique=False)
    op.create_index(op.f('ix_reports_reporter_phone'), 'reports', ['reporter_phone'], unique=False)
    op.create_index(op.f('ix_reports_reporter_user_id'), 'reports', ['reporter_user_id'], unique=False)
    op.create_index('ix_reports_status_created', 'reports', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_reports_subdistrict_code'), 'reports', ['subdistrict_code'], unique=False)
    op.create_index(op.f('ix_reports_unit_code'), 'reports', ['unit_code'], unique=False)
    op.create_table('user_areas',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_user_areas_area_code_areas')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_areas_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'area_code', name=op.f('pk_user_areas'))
    )
    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=64), nullable=True),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('exif_lon', sa.Float(), nullable=True),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_photos_report_id_reports')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_photos_uploaded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_photos_client_uuid'))
    )
    op.create_index(op.f('ix_photos_report_id'), 'photos', ['report_id'], unique=False)
    op.create_index(op.f('ix_photos_sha256'), 'photos', ['sha256'], unique=False)
    op.create_table('report_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('actor_unit_code', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_report_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_events_report_id_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_events'))
    )
    op.create_index(op.f('ix_report_events_report_id'), 'report_events', ['report_id'], unique=False)
    categories = sa.table(
        "categories",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("parent_code", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("sort_order", sa.Integer),
        sa.column("created_at", app.core.types.UTCDateTime),
    )
    op.bulk_insert(
        categories,
        [
            {"code": c, "name": n, "parent_code": p, "active": True, "sort_order": i, "created_at": now()}
            for i, (c, n, p) in enumerate(CATEGORIES)
        ],
    )


def downgrade():
    op.drop_index(op.f('ix_report_events_report_id'), table_name='report_events')
    op.drop_table('report_events')
    op.drop_index(op.f('ix_photos_sha256'), table_name='photos')
    op.drop_index(op.f('ix_photos_report_id'), table_name='photos')
    op.drop_table('photos')
    op.drop_table('user_roles')
    op.drop_table('user_areas')
    op.drop_index(op.f('ix_reports_unit_code'), table_name='reports')
    op.drop_index(op.f('ix_reports_subdistrict_code'), table_name='reports')
    op.drop_index('ix_reports_status_created', table_name='reports')
    op.drop_index(op.f('ix_reports_reporter_user_id'), table_name='reports')
    op.drop_index(op.f('ix_reports_reporter_phone'), table_name='reports')
    op.drop_index(op.f('ix_reports_duplicate_of'), table_name='reports')
    op.drop_index(op.f('ix_reports_created_at'), table_name='reports')
    op.drop_index(op.f('ix_reports_claimed_by_user_id'), table_name='reports')
    op.drop_index(op.f('ix_reports_channel'), table_name='reports')
    op.drop_index(op.f('ix_reports_category_code'), table_name='reports')
    op.drop_index('ix_reports_area_path', table_name='reports', postgresql_ops={'area_path': 'text_pattern_ops'})
    op.drop_index(op.f('ix_reports_area_code'), table_name='reports')
    op.drop_geospatial_index('idx_reports_location', table_name='reports', postgresql_using='gist', column_name='location')
    op.drop_geospatial_table('reports')
    op.drop_index(op.f('ix_auth_tokens_user_id'), table_name='auth_tokens')
    op.drop_index(op.f('ix_auth_tokens_family'), table_name='auth_tokens')
    op.drop_table('auth_tokens')
    op.drop_index(op.f('ix_users_unit_code'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_units_area_code'), table_name='units')
    op.drop_table('units')
    op.drop_index(op.f('ix_categories_parent_code'), table_name='categories')
    op.drop_table('categories')
    op.drop_index('ix_areas_path', table_name='areas', postgresql_ops={'path': 'text_pattern_ops'})
    op.drop_index(op.f('ix_areas_parent_id'), table_name='areas')
    op.drop_index(op.f('ix_areas_level'), table_name='areas')
    op.drop_geospatial_index('idx_areas_geom', table_name='areas', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('areas')

"""Request and response shapes for areas and locate."""

import marshmallow as ma

from app.areas.models import LEVELS
from app.core.schemas import COORD_SYS_FIELD, GeoJSONGeometry, Schema
from app.units.schemas import UnitSchema


class AreaSchema(Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS))
    parent_code = ma.fields.String(allow_none=True)


class AreaDetailSchema(AreaSchema):
    geometry = GeoJSONGeometry(attribute="geom", allow_none=True)


class AreaListArgs(Schema):
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))
    parent_code = ma.fields.String()


class AreaGetArgs(Schema):
    geometry = ma.fields.Boolean(load_default=False, metadata={"description": "1 adds GeoJSON"})


class ImportArgs(Schema):
    coord_sys = COORD_SYS_FIELD


class ImportResultSchema(Schema):
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)


class LocateArgs(Schema):
    # Range checks happen in the service so an out-of-range point is a 422 naming lon or lat.
    lon = ma.fields.Float(required=True, allow_nan=False)
    lat = ma.fields.Float(required=True, allow_nan=False)
    coord_sys = COORD_SYS_FIELD


class LocatedSchema(Schema):
    lon = ma.fields.Float(required=True, metadata={"description": "WGS84"})
    lat = ma.fields.Float(required=True, metadata={"description": "WGS84"})
    chain = ma.fields.List(ma.fields.Nested(AreaSchema), required=True)
    in_coverage = ma.fields.Boolean(required=True)
    snapped = ma.fields.Boolean(required=True)
    snapped_m = ma.fields.Float(allow_none=True, required=True)
    subdistrict = ma.fields.Nested(AreaSchema, attribute="routing_area", allow_none=True)
    unit = ma.fields.Nested(UnitSchema, allow_none=True)

"""Request and response shapes for units."""

import marshmallow as ma

from app.core.schemas import Schema
from app.units.models import UNIT_KINDS


class UnitSchema(Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(UNIT_KINDS))
    area_code = ma.fields.String(load_default=None, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)

"""Fields and schemas shared by every domain package."""

import re
from datetime import datetime
from functools import cache
from typing import TypeVar

import marshmallow as ma
from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from app.core.clock import SHANGHAI
from app.core.coords import CoordSys

S = TypeVar("S", bound=ma.Schema)


class Schema(ma.Schema):
    """Base for every schema here (a place for project-wide options)."""


@cache
def instance_of(schema_class: type[S]) -> S:
    """One instance of a schema class for the whole process. Building a schema (and every
    nested one) costs more than loading or dumping a report with it; the project's schemas
    keep no state between calls (a viewer is a context variable), so one serves every request.
    """
    return schema_class()


class PatchSchema(Schema):
    """A partial change: every field optional, but an empty one changes nothing and says so."""

    @ma.validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            names = ", ".join(sorted(n for n, f in self.fields.items() if not f.dump_only))
            raise ma.ValidationError(f"send at least one of: {names}", "_schema")


class ShanghaiDateTime(ma.fields.DateTime):
    """Written out in Asia/Shanghai with its offset; read in any offset (none means Shanghai).

    Only plausible years are read: nothing here happened before 2000, and a year like 0152
    or 1900 both broke queries and came back with Shanghai's old local mean time (+08:05:43).
    """

    YEARS = (2000, 2100)

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(SHANGHAI).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        parsed = parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed
        if not self.YEARS[0] <= parsed.year <= self.YEARS[1]:
            raise ma.ValidationError(
                f"must be between the years {self.YEARS[0]} and {self.YEARS[1]}"
            )
        return parsed


# A point as app.core.spatial.point writes it (a report's place, just filed): two finite numbers.
_NUMBER = r"(-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
_WKT_POINT = re.compile(rf"POINT ?\({_NUMBER} {_NUMBER}\)")


def plain_point(wkt: str) -> dict | None:
    """`mapping(shapely.wkt.loads(wkt))` for a plain 2-D point, without GEOS; None for the rest."""
    match = _WKT_POINT.fullmatch(wkt) if isinstance(wkt, str) else None
    if match is None:
        return None
    return {"type": "Point", "coordinates": (float(match[1]), float(match[2]))}


class GeoJSONGeometry(ma.fields.Field):
    """A stored geometry written out as a GeoJSON geometry object."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "GeoJSON geometry in WGS84 (lon, lat)"
        )
        super().__init__(dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, WKTElement):
            point = plain_point(value.data)
            if point is not None:
                return point
        if isinstance(value, WKBElement | WKTElement):
            value = to_shape(value)
        return mapping(value)

    def _jsonschema_type_mapping(self):
        return {"type": "object"}


COORD_SYS_FIELD = ma.fields.String(
    load_default=CoordSys.WGS84.value,
    validate=ma.validate.OneOf([c.value for c in CoordSys]),
    metadata={"description": "wgs84 (GPS, browsers), gcj02 (Chinese map SDKs) or bd09 (Baidu)"},
)


class PositionSchema(Schema):
    """A position as phones send it; stored in WGS84."""

    lon = ma.fields.Float(required=True, validate=ma.validate.Range(min=-180, max=180))
    lat = ma.fields.Float(required=True, validate=ma.validate.Range(min=-90, max=90))
    coord_sys = COORD_SYS_FIELD

"""What the phone app asks for beyond the reports API: the worker's offline map."""

import marshmallow as ma

from app.core.auth import current_user
from app.core.schemas import Schema
from app.extensions import Blueprint
from app.gridapp.areamap import worker_map

blp = Blueprint(
    "my_map",
    __name__,
    url_prefix="/api/v1/me",
    description="The signed-in worker's own things: the map of their areas",
)


class MapAreaSchema(Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    parent_code = ma.fields.String(allow_none=True, required=True)
    label_at = ma.fields.List(
        ma.fields.Float(), required=True, metadata={"description": "[lon, lat] inside the area"}
    )
    rings = ma.fields.List(
        ma.fields.List(ma.fields.List(ma.fields.Float())),
        required=True,
        metadata={"description": "outer rings, each a list of [lon, lat] (WGS84), simplified"},
    )


class MapSchema(Schema):
    bbox = ma.fields.List(
        ma.fields.Float(),
        allow_none=True,
        required=True,
        metadata={"description": "[west, south, east, north]; null with no areas"},
    )
    areas = ma.fields.List(ma.fields.Nested(MapAreaSchema), required=True)


@blp.get("/map")
@blp.staff()
@blp.response(200, MapSchema)
def my_map():
    """My areas and the grids inside them as simplified outlines, for a map drawn offline."""
    return worker_map(current_user())

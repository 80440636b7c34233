"""Areas: the tree, one area, GeoJSON import, and locate."""

from flask import request
from sqlalchemy import select

from app.areas.importer import import_feature_collection
from app.areas.locate import locate
from app.areas.models import Area, level_rank
from app.areas.schemas import (
    AreaDetailSchema,
    AreaGetArgs,
    AreaListArgs,
    AreaSchema,
    ImportArgs,
    ImportResultSchema,
    LocateArgs,
    LocatedSchema,
)
from app.audit import subjects as audit
from app.core.errors import Invalid, NotFound
from app.extensions import Blueprint, db

blp = Blueprint("areas", __name__, url_prefix="/api/v1/areas", description="Areas and routing")


@blp.get("")
@blp.staff()
@blp.arguments(AreaListArgs, location="query")
@blp.response(200, AreaSchema(many=True))
def list_areas(args):
    """The area tree, parents before children (filter by level or parent)."""
    query = select(Area)
    if "level" in args:
        query = query.where(Area.level == args["level"])
    if "parent_code" in args:
        parent = db.session.scalars(select(Area).where(Area.code == args["parent_code"])).first()
        query = query.where(Area.parent_id == (parent.id if parent else -1))
    areas = list(db.session.scalars(query.order_by(Area.path)))
    return sorted(areas, key=lambda a: (level_rank(a.level), a.code))


@blp.post("/import")
@blp.staff("admin")
@blp.arguments(ImportArgs, location="query")
@blp.response(200, ImportResultSchema)
@blp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
        "description": "GeoJSON FeatureCollection; properties code, name, level, parent_code",
    }
)
def import_areas(args):
    """Import a GeoJSON FeatureCollection of areas: all features or none."""
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid.field("body", "send a GeoJSON FeatureCollection as application/json")
    result = import_feature_collection(data, args["coord_sys"])
    audit.area_import(result, args["coord_sys"])
    db.session.commit()
    return result


@blp.get("/locate")
@blp.staff()
@blp.arguments(LocateArgs, location="query")
@blp.response(200, LocatedSchema)
def locate_point(args):
    """The chain of areas containing a point (deepest last) and the responsible unit."""
    return locate(args["lon"], args["lat"], args["coord_sys"])


@blp.get("/<code>")
@blp.staff()
@blp.arguments(AreaGetArgs, location="query")
@blp.response(200, AreaDetailSchema)
def get_area(args, code: str):
    """One area; ?geometry=1 adds its polygon as GeoJSON."""
    area = db.session.scalars(select(Area).where(Area.code == code)).first()
    if area is None:
        raise NotFound(f"no area {code}")
    # The response schema dumps what is returned (once): the area itself carries its polygon;
    # without ?geometry=1 a plain dict without it is returned.
    return area if args["geometry"] else AreaSchema().dump(area)

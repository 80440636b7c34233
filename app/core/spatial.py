"""The one place with dialect-specific spatial SQL (PostGIS and SpatiaLite).

Both databases answer ST_Contains, but only PostGIS uses its spatial index by itself;
SpatiaLite's R*Tree must be asked explicitly, as a subquery on the R*Tree table.
"""

import math

from geoalchemy2 import WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely import transform
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db

SRID = 4326
METRES_PER_DEGREE = 111_320.0


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def point(lon: float, lat: float) -> WKTElement:
    return WKTElement(f"POINT({lon!r} {lat!r})", srid=SRID)


def to_db(geometry: BaseGeometry):
    return from_shape(geometry, srid=SRID)


def to_shapely(value) -> BaseGeometry | None:
    return None if value is None else to_shape(value)


def _spatialite_index_filter(
    id_column, table: str, geom: str, minx, miny, maxx, maxy
) -> ColumnElement[bool]:
    """Rows whose bounding box in SpatiaLite's R*Tree (idx_<table>_<column>) meets the box.

    The R*Tree itself, not the SpatialIndex virtual table in front of it: that one prepares
    its own query on the R*Tree on every use, which cost twice the search (bench/RESULTS.md).
    The R*Tree keeps 32-bit floats rounded outwards, so no row whose box meets is missed.
    """
    rtree = sql_table(
        f"idx_{table}_{geom}",
        sql_column("pkid"),
        sql_column("xmin"),
        sql_column("xmax"),
        sql_column("ymin"),
        sql_column("ymax"),
    )
    rowids = select(rtree.c.pkid).where(
        rtree.c.xmin <= maxx, rtree.c.xmax >= minx, rtree.c.ymin <= maxy, rtree.c.ymax >= miny
    )
    return id_column.in_(rowids)


def point_wkt(lon: float, lat: float) -> str:
    return f"POINT({lon!r} {lat!r})"


def contains_point(
    geom_column: InstrumentedAttribute, id_column: InstrumentedAttribute, lon: float, lat: float
) -> ColumnElement[bool]:
    """Rows whose polygon contains the point, using the spatial index on both databases."""
    contains = func.ST_Contains(geom_column, func.ST_GeomFromText(point_wkt(lon, lat), SRID))
    if not is_sqlite():
        return contains
    table = geom_column.class_.__tablename__
    return and_(
        contains, _spatialite_index_filter(id_column, table, geom_column.key, lon, lat, lon, lat)
    )


def in_bbox(
    geom_column: InstrumentedAttribute,
    id_column: InstrumentedAttribute,
    minx: float,
    miny: float,
    maxx: float,
    maxy: float,
) -> ColumnElement[bool]:
    """Rows whose bounding box meets the rectangle (index-only, no exact test)."""
    if not is_sqlite():
        return geom_column.op("&&")(func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID))
    table = geom_column.class_.__tablename__
    return _spatialite_index_filter(id_column, table, geom_column.key, minx, miny, maxx, maxy)


def xy(geom_column: InstrumentedAttribute) -> tuple[ColumnElement[float], ColumnElement[float]]:
    """A point column's lon and lat as plain numbers (labelled x and y), not a geometry to parse."""
    return func.ST_X(geom_column).label("x"), func.ST_Y(geom_column).label("y")


def bbox_around(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    dlat = metres / METRES_PER_DEGREE
    dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def distance_m(geometry: BaseGeometry, lon: float, lat: float) -> float:
    """Metres from a point to a geometry, in a local flat frame around the point.

    Good to well under 1% within a few kilometres, which is all snapping needs.
    """
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat))
    ky = METRES_PER_DEGREE
    local = transform(geometry, lambda xy: (xy - [lon, lat]) * [kx, ky])
    return float(local.distance(Point(0.0, 0.0)))

"""The worker's offline map: their areas and the grids inside them as simplified outlines.

The phone draws them as SVG (no tiles), so a worker out of signal can still put a pin down.
"""

from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import or_, select

from app.accounts.models import User
from app.areas.models import Area, level_rank
from app.core.spatial import to_shapely
from app.extensions import db

# Grids are what a worker walks; micro-grids would only clutter a phone's screen.
DEEPEST = "grid"
# About 10 m: finer than a finger on a phone-wide map of a sub-district.
TOLERANCE_DEGREES = 0.0001
DECIMALS = 5


def _rings(shape) -> list[list[list[float]]]:
    polygons = shape.geoms if isinstance(shape, MultiPolygon) else [shape]
    return [
        [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in polygon.exterior.coords]
        for polygon in polygons
        if isinstance(polygon, Polygon) and not polygon.is_empty
    ]


def areas_of(user: User) -> list[Area]:
    """The user's own areas and everything inside them down to grids, parents first."""
    paths = [row.area_path for row in user.area_rows if row.area_path]
    if not paths:
        return []
    deepest = level_rank(DEEPEST)
    found = db.session.scalars(
        select(Area).where(or_(*(Area.path.startswith(path) for path in paths)))
    )
    areas = [a for a in found if level_rank(a.level) <= deepest]
    return sorted(areas, key=lambda a: (level_rank(a.level), a.code))


def worker_map(user: User) -> dict:
    """{bbox: [west, south, east, north], areas: [{code, name, level, parent_code, rings}]}."""
    areas = []
    west = south = float("inf")
    east = north = float("-inf")
    for area in areas_of(user):
        shape = to_shapely(area.geom)
        minx, miny, maxx, maxy = shape.bounds
        west, south = min(west, minx), min(south, miny)
        east, north = max(east, maxx), max(north, maxy)
        simple = shape.simplify(TOLERANCE_DEGREES, preserve_topology=True)
        point = shape.representative_point()
        areas.append(
            {
                "code": area.code,
                "name": area.name,
                "level": area.level,
                "parent_code": area.parent_code,
                "label_at": [round(point.x, DECIMALS), round(point.y, DECIMALS)],
                "rings": _rings(simple),
            }
        )
    bbox = [round(v, DECIMALS) for v in (west, south, east, north)] if areas else None
    return {"bbox": bbox, "areas": areas}

"""Route a point to the chain of areas that contain it and to the responsible unit."""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app.areas.locate_index import PlaceArea, PlaceUnit, area_index, unit_preference
from app.areas.models import LEVELS, ROUTING_LEVEL, Area, level_rank
from app.core.coords import CoordSys, to_wgs84, validate_lon_lat
from app.core.errors import Invalid
from app.core.spatial import bbox_around, distance_m, in_bbox, to_shapely
from app.extensions import db
from app.units.models import Unit


@dataclass
class Located:
    lon: float
    lat: float
    # From the index (PlaceArea, PlaceUnit); a snapped point's from the database (Area, Unit).
    chain: list[PlaceArea | Area] = field(default_factory=list)
    unit: PlaceUnit | Unit | None = None
    snapped_m: float | None = None

    @property
    def in_coverage(self) -> bool:
        return self.routing_area is not None

    @property
    def snapped(self) -> bool:
        return self.snapped_m is not None

    @property
    def routing_area(self) -> PlaceArea | Area | None:
        return next((a for a in self.chain if a.level == ROUTING_LEVEL), None)

    @property
    def deepest(self) -> PlaceArea | Area | None:
        return self.chain[-1] if self.chain else None


def wgs84_point(lon: float, lat: float, coord_sys: str = "wgs84") -> tuple[float, float]:
    """Validate a position in any supported system and give it back in WGS84."""
    try:
        validate_lon_lat(lon, lat)
    except ValueError as error:
        name = "lat" if "lat" in str(error) else "lon"
        raise Invalid.field(name, str(error), location="query") from error
    try:
        system = CoordSys(coord_sys)
    except ValueError as error:
        raise Invalid.field("coord_sys", "must be wgs84, gcj02 or bd09") from error
    return to_wgs84(lon, lat, system)


def locate(lon: float, lat: float, coord_sys: str = "wgs84") -> Located:
    lon, lat = wgs84_point(lon, lat, coord_sys)
    result = _containing(lon, lat)
    if result.routing_area is None:
        _snap(result, float(current_app.config["AREA_SNAP_METERS"]))
        if result.routing_area is not None:
            result.unit = responsible_unit(result.routing_area)
    return result


def _containing(lon: float, lat: float) -> Located:
    chain, unit = area_index().containing(lon, lat)
    return Located(lon, lat, list(chain), unit)


def _nearest(lon: float, lat: float, metres: float, **filters) -> tuple[Area, float] | None:
    minx, miny, maxx, maxy = bbox_around(lon, lat, metres)
    query = select(Area).where(in_bbox(Area.geom, Area.id, minx, miny, maxx, maxy))
    for column, value in filters.items():
        query = query.where(getattr(Area, column) == value)
    best: tuple[Area, float] | None = None
    for area in db.session.scalars(query):
        distance = distance_m(to_shapely(area.geom), lon, lat)
        if distance <= metres and (best is None or distance < best[1]):
            best = (area, distance)
    return best


def _snap(result: Located, metres: float) -> None:
    """A point just outside every sub-district (GPS along a river) goes to the nearest one."""
    if metres <= 0:
        return
    nearest = _nearest(result.lon, result.lat, metres, level=ROUTING_LEVEL)
    if nearest is None:
        return
    area, distance = nearest
    chain = [*_ancestors(area), area]
    for _level in LEVELS[level_rank(ROUTING_LEVEL) + 1 :]:
        child = _nearest(result.lon, result.lat, metres, parent_id=chain[-1].id)
        if child is None:
            break
        chain.append(child[0])
    result.chain, result.snapped_m = chain, round(distance, 1)


def _ancestors(area: Area) -> list[Area]:
    chain: list[Area] = []
    parent = area.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def responsible_unit(area: Area) -> Unit | None:
    units = db.session.scalars(
        select(Unit).where(Unit.area_code == area.code, Unit.active.is_(True))
    ).all()
    return min(units, key=unit_preference) if units else None

"""Which areas contain a point, answered in process from an index of every area's polygon.

Every report is routed on arrival, so this is on the intake path. A spatial query per point,
with its areas and unit loaded as ORM entities, cost about three times the bare query and had
a long tail on PostGIS (bench/RESULTS.md); answering from a shapely STRtree costs ~20 µs.
The index is kept per app and per process, and trusted only while the routing version (one
number that triggers change with every write to areas or units, app/core/version_sql.py)
is the one it was built at: that number, read once per transaction with the other change
versions (app/core/versions.py), is all a point costs the database. A transaction that has
changed areas sees its own version and so its own areas, as the spatial query did.

Containment is GEOS's (PostGIS and SpatiaLite answer ST_Contains alike): a point on a
border is in neither polygon; tests/areas check the answers agree with the database's.
"""

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from flask import current_app
from sqlalchemy import LargeBinary, func, select, type_coerce

from app.areas.models import ROUTING_LEVEL, Area, level_rank
from app.core import versions
from app.core.heap import settle
from app.core.version_sql import ROUTING
from app.extensions import db
from app.units.models import Unit

EXTENSION = "jiefen.area_index"


@dataclass(frozen=True, slots=True)
class PlaceArea:
    """What routing needs of an area; the polygon stays in the index."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class PlaceUnit:
    id: int
    code: str
    name: str
    kind: str
    area_code: str | None
    active: bool


def unit_preference(unit) -> tuple[bool, str]:
    """An area's own-level unit (the 综治中心) before any department attached to it."""
    return (unit.kind != ROUTING_LEVEL, unit.code)


class AreaIndex:
    def __init__(self, version: int | None, areas: list[PlaceArea], geoms, units: dict):
        self.version = version
        self.areas = areas
        self.tree = shapely.STRtree(geoms)
        # The responsible unit of each routing area, chosen once.
        self.units: dict[str, PlaceUnit] = units

    def containing(self, lon: float, lat: float) -> tuple[list[PlaceArea], PlaceUnit | None]:
        """The areas whose polygon contains the point, district first; the routing area's unit."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="within")
        chain = sorted((self.areas[i] for i in hits), key=lambda a: level_rank(a.level))
        units = [self.units[a.code] for a in chain if a.code in self.units]
        return chain, (min(units, key=unit_preference) if units else None)


_build_lock = threading.Lock()


def area_index() -> AreaIndex:
    """The index for the database as this transaction sees it, built again when it changed."""
    version = versions.current(ROUTING, db.session.connection())
    index: AreaIndex | None = current_app.extensions.get(EXTENSION)
    # No row (a table emptied by hand) says nothing about the areas: build again.
    if index is not None and version is not None and index.version == version:
        return index
    with _build_lock:
        index = _build(version)
    current_app.extensions[EXTENSION] = index
    # A third of what a worker's collector would walk on every full pass (app/core/heap.py).
    settle(current_app)
    return index


def _build(version: int | None) -> AreaIndex:
    connection = db.session.connection()
    rows = connection.execute(
        select(
            Area.id,
            Area.code,
            Area.name,
            Area.level,
            Area.parent_id,
            Area.path,
            # Plain WKB as bytes on both databases, for shapely to read in one call.
            type_coerce(func.ST_AsBinary(Area.geom), LargeBinary).label("wkb"),
        )
    ).all()
    codes = {row.id: row.code for row in rows}
    areas = [
        PlaceArea(r.id, r.code, r.name, r.level, r.parent_id, r.path, codes.get(r.parent_id))
        for r in rows
    ]
    geoms = shapely.from_wkb(np.array([bytes(r.wkb) for r in rows], dtype=object))
    routing = {r.code for r in rows if r.level == ROUTING_LEVEL}
    units: dict[str, PlaceUnit] = {}
    active = connection.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.area_code, Unit.active).where(
            Unit.active.is_(True)
        )
    ).all()
    for row in active:
        if row.area_code not in routing:
            continue
        unit = PlaceUnit(*row)
        best = units.get(unit.area_code)
        if best is None or unit_preference(unit) < unit_preference(best):
            units[unit.area_code] = unit
    return AreaIndex(version, areas, geoms, units)

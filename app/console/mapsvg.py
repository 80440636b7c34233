"""A small offline map: the sub-district polygons around a case drawn as SVG on the server.

No tiles and no script: the page works on a centre's closed network and without JavaScript.
"""

import math
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import func, select

from app.areas.models import ROUTING_LEVEL, Area
from app.core.spatial import to_shapely
from app.extensions import db

WIDTH, HEIGHT, PAD = 360, 240, 8


@dataclass(frozen=True)
class Outline:
    code: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]
    centre: tuple[float, float]


@lru_cache(maxsize=8)
def _outlines(stamp: tuple) -> tuple[Outline, ...]:
    """The routing areas' outlines, simplified; cached until an area changes (`stamp`)."""
    outlines = []
    for area in db.session.scalars(select(Area).where(Area.level == ROUTING_LEVEL)):
        shape = to_shapely(area.geom).simplify(0.0005, preserve_topology=True)
        rings = rings_of(shape)
        point = shape.representative_point()
        outlines.append(Outline(area.code, area.name, rings, (point.x, point.y)))
    return tuple(outlines)


def outlines() -> tuple[Outline, ...]:
    stamp = db.session.execute(
        select(func.count(Area.id), func.max(Area.updated_at)).where(Area.level == ROUTING_LEVEL)
    ).one()
    return _outlines(tuple(stamp))


@dataclass(frozen=True)
class Frame:
    """Lon/lat to SVG pixels (and back, for a click): a plain equirectangular view of a box."""

    west: float
    south: float
    squash: float
    scale: float
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD

    @classmethod
    def around(
        cls, xs: list[float], ys: list[float], width: int = WIDTH, height: int = HEIGHT
    ) -> "Frame":
        west, east, south, north = min(xs), max(xs), min(ys), max(ys)
        # Degrees of longitude are shorter than of latitude away from the equator.
        squash = math.cos(math.radians((south + north) / 2))
        span_x, span_y = max((east - west) * squash, 1e-9), max(north - south, 1e-9)
        scale = min((width - 2 * PAD) / span_x, (height - 2 * PAD) / span_y)
        return cls(west, south, squash, scale, width, height, PAD)

    def at(self, x: float, y: float) -> tuple[float, float]:
        return (
            self.pad + (x - self.west) * self.squash * self.scale,
            self.height - self.pad - (y - self.south) * self.scale,
        )

    def lon_lat(self, px: float, py: float) -> tuple[float, float]:
        """The inverse of `at`: where a click on the picture is."""
        return (
            self.west + (px - self.pad) / (self.squash * self.scale),
            self.south + (self.height - self.pad - py) / self.scale,
        )

    def points(self, ring) -> str:
        return " ".join(f"{px:.1f},{py:.1f}" for px, py in (self.at(x, y) for x, y in ring))

    def attributes(self) -> str:
        """The frame as data- attributes, so a script can turn a click into lon/lat."""
        return (
            f'data-west="{self.west!r}" data-south="{self.south!r}" '
            f'data-squash="{self.squash!r}" data-scale="{self.scale!r}" '
            f'data-height="{self.height}" data-pad="{self.pad}"'
        )


def rings_of(shape) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The outer rings of a polygon or multipolygon, as lon/lat tuples."""
    polygons = shape.geoms if isinstance(shape, MultiPolygon) else [shape]
    return tuple(
        tuple((x, y) for x, y in p.exterior.coords) for p in polygons if isinstance(p, Polygon)
    )


def case_map(lon: float | None, lat: float | None, highlight: str | None) -> Markup:
    """The sub-districts with the case's one highlighted and its position marked."""
    shapes = outlines()
    xs = [x for o in shapes for r in o.rings for x, _ in r]
    ys = [y for o in shapes for r in o.rings for _, y in r]
    if lon is not None:
        xs.append(lon)
        ys.append(lat)
    if not xs:
        return Markup('<p class="muted">无地图数据</p>')
    frame = Frame.around(xs, ys)
    parts = [
        f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="案件位置示意图" xmlns="http://www.w3.org/2000/svg">'
    ]
    for outline in shapes:
        cls = "area here" if outline.code == highlight else "area"
        for ring in outline.rings:
            parts.append(f'<polygon class="{cls}" points="{frame.points(ring)}"/>')
        cx, cy = frame.at(*outline.centre)
        parts.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle">{escape(outline.name)}</text>'
        )
    if lon is not None:
        px, py = frame.at(lon, lat)
        parts.append(f'<circle class="pin" cx="{px:.1f}" cy="{py:.1f}" r="6"/>')
    parts.append("</svg>")
    return Markup("".join(parts))

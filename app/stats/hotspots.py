"""Where cases concentrate: counts per area at a level, and places where trouble keeps returning."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus

from shapely.geometry import Point
from sqlalchemy import ColumnElement, func, or_, select

from app.accounts.models import User
from app.areas.models import LEVEL_NAMES_ZH, Area
from app.core.auth import scope_of
from app.core.clock import in_shanghai, now
from app.core.coords import haversine_m
from app.core.errors import DomainError
from app.core.spatial import METRES_PER_DEGREE, to_shapely
from app.extensions import db
from app.qr_sites.models import QrSite
from app.reports.models import Report
from app.stats.choropleth import MapArea, MapText, render_choropleth_png
from app.stats.filters import ReportFilter, area_in_scope, report_clauses
from app.stats.labels import period_label
from qr.fonts import FontNotFound, find_cjk_font


@dataclass
class AreaCount:
    area: Area
    count: int = 0
    by_category: dict[str, int] = field(default_factory=dict)


def area_conditions(user: User, level: str, within: Area | None) -> list[ColumnElement[bool]]:
    """Areas at `level` inside `within`, that lie in the caller's areas or contain them."""
    conditions = [Area.level == level]
    if within is not None:
        conditions.append(Area.path.startswith(within.path, autoescape=True))
    scope = scope_of(user)
    if not scope.unrestricted:
        ancestors = {code for p in scope.paths for code in p.strip("/").split("/")}
        conditions.append(or_(scope.clause(Area.path), Area.code.in_(ancestors)))
    return conditions


def area_counts(user: User, level: str, f: ReportFilter) -> tuple[list[AreaCount], int, int]:
    """Each area at `level` with the caller's cases inside it (counted by the report's area
    path, so a case is in every area above its deepest one); the total in the window; and
    how many of those fell outside every area.
    """
    within = area_in_scope(user, f.area_code) if f.area_code else None
    conditions = area_conditions(user, level, within)
    areas = {a.code: AreaCount(a) for a in db.session.scalars(select(Area).where(*conditions))}
    clauses = report_clauses(user, f)
    # Group cases by deepest area first: the prefix join then touches one row per place
    # and category, not one per case.
    per_place = (
        select(Report.area_path, Report.category_code, func.count().label("n"))
        .where(*clauses, Report.area_path.is_not(None))
        .group_by(Report.area_path, Report.category_code)
        .subquery("per_place")
    )
    inside = func.substr(per_place.c.area_path, 1, func.length(Area.path)) == Area.path
    rows = db.session.execute(
        select(Area.code, per_place.c.category_code, func.sum(per_place.c.n))
        .join(per_place, inside)
        .where(*conditions)
        .group_by(Area.code, per_place.c.category_code)
    )
    for code, category, n in rows:
        item = areas[code]
        item.count += int(n)
        key = category or "uncategorised"
        item.by_category[key] = item.by_category.get(key, 0) + int(n)
    total, outside = db.session.execute(
        select(func.count(), func.count().filter(Report.area_path.is_(None))).where(*clauses)
    ).one()
    ordered = sorted(areas.values(), key=lambda a: a.area.path)
    return ordered, int(total), int(outside or 0)


def hotspot_collection(user: User, level: str, f: ReportFilter) -> dict:
    """A GeoJSON FeatureCollection of the areas at `level` with their counts."""
    counts, total, outside = area_counts(user, level, f)
    return {
        "type": "FeatureCollection",
        "level": level,
        "since": f.since,
        "until": f.until,
        "total": total,
        "outside_areas": outside,
        "features": [
            {
                "type": "Feature",
                "id": c.area.code,
                "geometry": to_shapely(c.area.geom),
                "properties": {
                    "code": c.area.code,
                    "name": c.area.name,
                    "level": c.area.level,
                    "count": c.count,
                    "by_category": dict(sorted(c.by_category.items(), key=lambda kv: -kv[1])),
                },
            }
            for c in counts
        ],
    }


# Repeat places (溯源治理): squares of CELL_M on four grids shifted by half a cell, so a tight
# group of cases near a cell edge is not split in two; overlapping squares are reported once.
CELL_M = 100.0
SHIFTS = ((0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5))


@dataclass(frozen=True)
class PlaceGrouping:
    """One way of saying "the same place": SQL key expressions and the rows they apply to.

    A QR site is a place by definition (one poster, one spot); grid squares find the places
    that have no poster.
    """

    kind: str
    keys: tuple[ColumnElement, ...]
    where: tuple[ColumnElement[bool], ...] = ()
    bbox: Callable[[tuple], list[float]] | None = None


_RANK = {"qr_site": 0, "grid": 1}


def place_groupings(mean_lat: float) -> list[PlaceGrouping]:
    dy = CELL_M / METRES_PER_DEGREE
    dx = CELL_M / (METRES_PER_DEGREE * max(math.cos(math.radians(mean_lat)), 0.01))
    x, y = func.ST_X(Report.location), func.ST_Y(Report.location)
    groupings = [PlaceGrouping("qr_site", (Report.qr_site_id,), (Report.qr_site_id.is_not(None),))]
    for sx, sy in SHIFTS:

        def bbox(key: tuple, sx=sx, sy=sy) -> list[float]:
            minx, miny = (key[0] - sx) * dx, (key[1] - sy) * dy
            return [round(v, 7) for v in (minx, miny, minx + dx, miny + dy)]

        groupings.append(
            PlaceGrouping(
                "grid",
                (func.floor(x / dx + sx), func.floor(y / dy + sy)),
                (Report.location.is_not(None),),
                bbox,
            )
        )
    return groupings


@dataclass
class Place:
    kind: str
    key: tuple
    grouping: PlaceGrouping
    count: int = 0
    sum_lon: float = 0.0
    sum_lat: float = 0.0
    first_at: datetime | None = None
    last_at: datetime | None = None
    by_category: dict[str, int] = field(default_factory=dict)

    @property
    def lon(self) -> float:
        return self.sum_lon / self.count

    @property
    def lat(self) -> float:
        return self.sum_lat / self.count


def _dense_places(
    grouping: PlaceGrouping, clauses: list[ColumnElement[bool]], min_reports: int
) -> list[Place]:
    """Places of this grouping with at least `min_reports` cases, by category, in SQL."""
    inner = (
        select(
            *(k.label(f"k{i}") for i, k in enumerate(grouping.keys)),
            Report.category_code.label("category"),
            func.ST_X(Report.location).label("lon"),
            func.ST_Y(Report.location).label("lat"),
            Report.created_at,
        )
        .where(*clauses, *grouping.where)
        .subquery("located")
    )
    keys = [inner.c[f"k{i}"] for i in range(len(grouping.keys))]
    per_category = (
        select(
            *keys,
            inner.c.category,
            func.count().label("n"),
            func.sum(inner.c.lon).label("sum_lon"),
            func.sum(inner.c.lat).label("sum_lat"),
            func.min(inner.c.created_at).label("first_at"),
            func.max(inner.c.created_at).label("last_at"),
        )
        .group_by(*keys, inner.c.category)
        .subquery("per_category")
    )
    outer_keys = [per_category.c[f"k{i}"] for i in range(len(keys))]
    with_total = select(
        per_category, func.sum(per_category.c.n).over(partition_by=outer_keys).label("total")
    ).subquery("with_total")
    places: dict[tuple, Place] = {}
    for row in db.session.execute(select(with_total).where(with_total.c.total >= min_reports)):
        key = tuple(row[i] for i in range(len(keys)))
        place = places.setdefault(key, Place(grouping.kind, key, grouping))
        place.count += int(row.n)
        place.sum_lon += float(row.sum_lon)
        place.sum_lat += float(row.sum_lat)
        place.first_at = min(filter(None, (place.first_at, row.first_at)))
        place.last_at = max(filter(None, (place.last_at, row.last_at)))
        category = row.category or "uncategorised"
        place.by_category[category] = place.by_category.get(category, 0) + int(row.n)
    return list(places.values())


def _overlap(a: Place, b: Place) -> bool:
    """Squares that share ground show the same trouble; without squares, centres that close."""
    if a.grouping.bbox and b.grouping.bbox:
        ax0, ay0, ax1, ay1 = a.grouping.bbox(a.key)
        bx0, by0, bx1, by1 = b.grouping.bbox(b.key)
        # Shifted squares overlap by half a side or not at all; a quarter rules out rounding.
        return (
            min(ax1, bx1) - max(ax0, bx0) > (ax1 - ax0) / 4
            and min(ay1, by1) - max(ay0, by0) > (ay1 - ay0) / 4
        )
    return haversine_m(a.lon, a.lat, b.lon, b.lat) < CELL_M


def repeat_places(user: User, f: ReportFilter, min_reports: int, limit: int) -> list[Place]:
    """Places with at least `min_reports` cases in the window, fullest first, none overlapping."""
    clauses = report_clauses(user, f)
    mean_lat = db.session.scalar(
        select(func.avg(func.ST_Y(Report.location))).where(*clauses, Report.location.is_not(None))
    )
    if mean_lat is None:
        return []
    candidates = [
        place
        for grouping in place_groupings(float(mean_lat))
        for place in _dense_places(grouping, clauses, min_reports)
    ]
    candidates.sort(key=lambda p: (_RANK.get(p.kind, 9), -p.count, p.first_at, p.key))
    chosen: list[Place] = []
    for place in candidates:
        if not any(_overlap(place, c) for c in chosen):
            chosen.append(place)
    chosen.sort(key=lambda p: (-p.count, p.first_at))
    return chosen[:limit]


def repeat_place_collection(user: User, f: ReportFilter, min_reports: int, limit: int) -> dict:
    places = repeat_places(user, f, min_reports, limit)
    site_ids = [p.key[0] for p in places if p.kind == "qr_site"]
    sites = (
        {
            site.id: site
            for site in db.session.scalars(select(QrSite).where(QrSite.id.in_(site_ids)))
        }
        if site_ids
        else {}
    )
    return {
        "type": "FeatureCollection",
        "min_reports": min_reports,
        "cell_m": CELL_M,
        "since": f.since,
        "until": f.until,
        "features": [
            {
                "type": "Feature",
                "geometry": Point(round(p.lon, 6), round(p.lat, 6)),
                "properties": {
                    "kind": p.kind,
                    "qr_site_id": p.key[0] if p.kind == "qr_site" else None,
                    "name": sites[p.key[0]].name if p.kind == "qr_site" else None,
                    "count": p.count,
                    "by_category": dict(sorted(p.by_category.items(), key=lambda kv: -kv[1])),
                    "first_at": p.first_at,
                    "last_at": p.last_at,
                    "bbox": p.grouping.bbox(p.key) if p.grouping.bbox else None,
                },
            }
            for p in places
        ],
    }


class MapUnavailable(DomainError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE


def map_font(configured: str | None) -> str:
    """The CJK font for map labels; without one the map cannot be drawn legibly (503)."""
    try:
        return find_cjk_font(configured or None)
    except FontNotFound as error:
        raise MapUnavailable(str(error)) from error


def hotspot_map_png(
    user: User, level: str, f: ReportFilter, width: int, font_path: str, centre_name: str
) -> bytes:
    """The choropleth of `area_counts`, titled with the centre, the level and the period."""
    counts, total, outside = area_counts(user, level, f)
    where = ""
    if f.area_code:
        where = f"{area_in_scope(user, f.area_code).name} · "
    text = MapText(
        title=f"{centre_name} 矛盾纠纷分布图",
        subtitle=f"{where}按{LEVEL_NAMES_ZH[level]}统计 · "
        f"统计时段：{period_label(f.since, f.until)}",
        footer=f"生成于 {in_shanghai(now()):%Y-%m-%d %H:%M}（北京时间） · "
        "底图：行政区划边界，离线绘制",
        total=total,
        outside=outside,
    )
    areas = [MapArea(c.area.name, c.count, to_shapely(c.area.geom)) for c in counts]
    return render_choropleth_png(areas, text, font_path, width)

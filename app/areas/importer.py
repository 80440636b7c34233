"""Import a GeoJSON FeatureCollection of areas: all or nothing, idempotent."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity
from sqlalchemy import select

from app.areas.models import LEVELS, Area, level_rank
from app.core.coords import CoordSys, to_wgs84
from app.core.errors import Invalid
from app.core.spatial import to_db, to_shapely
from app.extensions import db


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The codes written (new or changed), parents first: what the audit record names.
    changed: list[str] = field(default_factory=list)


@dataclass
class _Feature:
    index: int
    code: str
    name: str
    level: str
    parent_code: str | None
    geometry: MultiPolygon


class _Problems:
    """Collects every bad feature so one answer names them all."""

    def __init__(self) -> None:
        self.by_index: dict[str, dict[str, Any]] = {}
        self.sentences: list[str] = []

    def add(self, index: int, code: str | None, field: str, message: str) -> None:
        entry = self.by_index.setdefault(str(index), {"code": code, "errors": {}})
        entry["errors"].setdefault(field, []).append(message)
        self.sentences.append(f"feature {index} (code {code or '?'}): {field}: {message}")

    def raise_if_any(self) -> None:
        if self.sentences:
            raise Invalid(
                "; ".join(self.sentences[:10]) + (" …" if len(self.sentences) > 10 else ""),
                {"json": {"features": self.by_index}},
            )


def convert_geometry(geometry: MultiPolygon, coord_sys: CoordSys) -> MultiPolygon:
    if coord_sys == CoordSys.WGS84:
        return geometry

    def convert(coords: np.ndarray) -> np.ndarray:
        return np.array([to_wgs84(x, y, coord_sys) for x, y in coords])

    return shapely.transform(geometry, convert)


def _parse(index: int, raw: Any, problems: _Problems, coord_sys: CoordSys) -> _Feature | None:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        problems.add(index, None, "type", "not a GeoJSON Feature")
        return None
    props = raw.get("properties") or {}
    code = props.get("code")
    code = str(code).strip() if code not in (None, "") else None
    if not code:
        problems.add(index, None, "code", "missing")
    name = str(props.get("name") or "").strip()
    if not name:
        problems.add(index, code, "name", "missing")
    level = props.get("level")
    if level not in LEVELS:
        problems.add(index, code, "level", f"must be one of {', '.join(LEVELS)}")
    parent_code = props.get("parent_code")
    parent_code = str(parent_code).strip() if parent_code not in (None, "") else None
    try:
        geometry = shape(raw.get("geometry") or {})
    except Exception as error:  # shapely raises several kinds for malformed GeoJSON
        problems.add(index, code, "geometry", f"not a GeoJSON geometry ({error})")
        return None
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    if not isinstance(geometry, MultiPolygon) or geometry.is_empty:
        problems.add(index, code, "geometry", "must be a non-empty Polygon or MultiPolygon")
        return None
    if not geometry.is_valid:
        problems.add(index, code, "geometry", f"invalid polygon: {explain_validity(geometry)}")
        return None
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        problems.add(index, code, "geometry", "coordinates outside lon -180..180, lat -90..90")
        return None
    if not (code and name and level in LEVELS):
        return None
    return _Feature(index, code, name, level, parent_code, convert_geometry(geometry, coord_sys))


def _check_tree(features: list[_Feature], existing: dict[str, Area], problems: _Problems) -> None:
    in_file = {f.code: f for f in features}
    for feature in features:
        if feature.parent_code is None:
            if feature.level != LEVELS[0]:
                problems.add(feature.index, feature.code, "parent_code", "missing")
            continue
        parent_level = (
            in_file[feature.parent_code].level
            if feature.parent_code in in_file
            else existing[feature.parent_code].level
            if feature.parent_code in existing
            else None
        )
        if parent_level is None:
            problems.add(
                feature.index, feature.code, "parent_code", f"unknown parent {feature.parent_code}"
            )
        elif level_rank(parent_level) >= level_rank(feature.level):
            problems.add(
                feature.index,
                feature.code,
                "level",
                f"a {feature.level} cannot sit under a {parent_level} ({feature.parent_code})",
            )


def import_feature_collection(data: Any, coord_sys: str = "wgs84") -> ImportResult:
    """Validate every feature first; write only when the whole file is good."""
    coord_sys = CoordSys(coord_sys)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise Invalid.field("type", "must be a GeoJSON FeatureCollection")
    raw_features = data.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise Invalid.field("features", "must be a non-empty list of features")

    problems = _Problems()
    features: list[_Feature] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_features):
        feature = _parse(index, raw, problems, coord_sys)
        if feature is None:
            continue
        if feature.code in seen:
            problems.add(
                index, feature.code, "code", f"duplicate code, also feature {seen[feature.code]}"
            )
            continue
        seen[feature.code] = index
        features.append(feature)

    wanted = {f.code for f in features} | {f.parent_code for f in features if f.parent_code}
    existing = {
        area.code: area for area in db.session.scalars(select(Area).where(Area.code.in_(wanted)))
    }
    _check_tree(features, existing, problems)
    problems.raise_if_any()
    return _write(features, existing)


def preview_feature_collection(data: Any, coord_sys: str = "wgs84") -> ImportResult:
    """What importing would do, storing nothing: the import itself, in a savepoint rolled back.

    The same checks and the same counts as the real import, by construction; raises the same
    Invalid naming every bad feature.
    """
    savepoint = db.session.begin_nested()
    try:
        return import_feature_collection(data, coord_sys)
    finally:
        savepoint.rollback()


def _write(features: list[_Feature], existing: dict[str, Area]) -> ImportResult:
    result = ImportResult()
    by_code = dict(existing)
    # Parents before children, so each child can take its parent's path.
    for feature in sorted(features, key=lambda f: level_rank(f.level)):
        parent = by_code.get(feature.parent_code) if feature.parent_code else None
        path = f"{parent.path if parent else '/'}{feature.code}/"
        area = by_code.get(feature.code)
        if area is None:
            area = Area(code=feature.code)
            db.session.add(area)
            result.created += 1
        elif _same(area, feature, parent, path):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
        old_path = area.path
        area.name, area.level, area.parent, area.path = feature.name, feature.level, parent, path
        if old_path and old_path != path:
            _move_descendants(old_path, path)
        area.geom = to_db(feature.geometry)
        by_code[feature.code] = area
        result.changed.append(feature.code)
        db.session.flush()
    return result


def _same(area: Area, feature: _Feature, parent: Area | None, path: str) -> bool:
    current = to_shapely(area.geom)
    return (
        area.name == feature.name
        and area.level == feature.level
        and area.parent_id == (parent.id if parent else None)
        and area.path == path
        and current is not None
        and current.equals_exact(feature.geometry, tolerance=1e-9)
    )


def _move_descendants(old_path: str, new_path: str) -> None:
    """An area moved under another parent: its whole subtree's paths follow it."""
    for child in db.session.scalars(
        select(Area).where(Area.path.startswith(old_path), Area.path != old_path)
    ):
        child.path = new_path + child.path[len(old_path) :]

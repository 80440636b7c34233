"""Synthetic but plausible polygons for 纳溪区: a Voronoi tessellation of the district's extent.

No freely licensed polygon set of Chinese township boundaries exists, so every polygon here is
generated. Codes and names are real (统计用区划代码, 2023); shapes are not.
"""

import csv
import math
import random
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping

SUBDISTRICTS_CSV = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "naxi_subdistricts.csv"
)
DISTRICT_CODE = "510503"
DISTRICT_NAME = "纳溪区"
# The district's centre, WGS84 (the data note gives it in GCJ-02 as 105.377, 28.776).
CENTRE = (105.3727, 28.7789)
SEED = 510503

# Names are the real sub-districts in the CSV's order; this table is used when the shared data
# folder is not next to the checkout (an installed package, say).
FALLBACK_SUBDISTRICTS = (
    ("510503001", "安富街道"), ("510503002", "永宁街道"), ("510503003", "东升街道"),
    ("510503100", "大渡口镇"), ("510503101", "护国镇"), ("510503102", "打古镇"),
    ("510503103", "上马镇"), ("510503104", "合面镇"), ("510503106", "丰乐镇"),
    ("510503107", "白节镇"), ("510503108", "天仙镇"), ("510503109", "新乐镇"),
    ("510503111", "龙车镇"),
)  # fmt: skip

COMMUNITY_SUFFIXES = ("社区", "村", "村")
COMMUNITY_WORDS = ("和平", "新华", "光明", "团结", "幸福", "红星", "龙井", "石桥", "青山", "桂花")


def subdistricts() -> list[tuple[str, str]]:
    if SUBDISTRICTS_CSV.exists():
        with SUBDISTRICTS_CSV.open(encoding="utf-8") as handle:
            return [
                (r["code"], r["name"]) for r in csv.DictReader(handle) if r["kind"] == "subdistrict"
            ]
    return list(FALLBACK_SUBDISTRICTS)


def district_outline() -> Polygon:
    """A lobed outline inside lon 105.17–105.63, lat 28.44–28.84."""
    rng = random.Random(SEED)
    cx, cy = 105.40, 28.64
    points = []
    for i in range(48):
        angle = 2 * math.pi * i / 48
        wobble = (
            1 + 0.08 * math.sin(3 * angle) + 0.05 * math.cos(5 * angle) + rng.uniform(-0.02, 0.02)
        )
        points.append((cx + 0.21 * wobble * math.cos(angle), cy + 0.18 * wobble * math.sin(angle)))
    return Polygon(points).buffer(0)


def _points_inside(shape: Polygon, count: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = shape.bounds
    points: list[Point] = []
    while len(points) < count:
        candidate = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if shape.contains(candidate):
            points.append(candidate)
    return points


def tessellate(shape: Polygon, seeds: list[Point]) -> list[MultiPolygon]:
    """Split `shape` into one cell per seed, in the seeds' order, with no gaps or overlaps."""
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=shape.buffer(0.5))
    ordered = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(seed))
        piece = shapely.set_precision(cell.intersection(shape), 1e-7)
        if isinstance(piece, Polygon):
            piece = MultiPolygon([piece])
        elif not isinstance(piece, MultiPolygon):
            piece = MultiPolygon([g for g in piece.geoms if isinstance(g, Polygon)])
        ordered.append(piece)
    return ordered


def _feature(code: str, name: str, level: str, parent: str | None, geometry) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
        "geometry": mapping(geometry),
    }


def naxi_feature_collection(
    communities_per_subdistrict: int = 3, grids_per_community: int = 3
) -> dict:
    rng = random.Random(SEED)
    outline = district_outline()
    features = [_feature(DISTRICT_CODE, DISTRICT_NAME, "district", None, outline)]
    towns = subdistricts()
    # 安富街道 (the seat) sits at the real centre; the others spread out from it.
    seeds = [Point(*CENTRE), *_points_inside(outline, len(towns) - 1, rng)]
    for (code, name), cell in zip(towns, tessellate(outline, seeds), strict=True):
        features.append(_feature(code, name, "subdistrict", DISTRICT_CODE, cell))
        community_cells = tessellate(cell, _points_inside(cell, communities_per_subdistrict, rng))
        words = rng.sample(COMMUNITY_WORDS, communities_per_subdistrict)
        for c_index, (word, c_cell) in enumerate(zip(words, community_cells, strict=True), start=1):
            suffix = COMMUNITY_SUFFIXES[(c_index - 1) % len(COMMUNITY_SUFFIXES)]
            # GB/T 10114: 001–199 for 居委会/社区, 200–399 for 村委会.
            c_code = f"{code}{(c_index if suffix == '社区' else 200 + c_index):03d}"
            c_name = f"{word}{suffix}"
            features.append(_feature(c_code, c_name, "community", code, c_cell))
            grid_cells = tessellate(c_cell, _points_inside(c_cell, grids_per_community, rng))
            for g_index, g_cell in enumerate(grid_cells, start=1):
                features.append(
                    _feature(
                        f"{c_code}G{g_index:02d}",
                        f"{c_name}第{g_index}网格",
                        "grid",
                        c_code,
                        g_cell,
                    )
                )
    return {"type": "FeatureCollection", "synthetic": True, "features": features}

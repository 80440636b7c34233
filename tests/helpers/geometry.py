"""A small, exactly known test geography (WGS84), near 纳溪 so GCJ-02 offsets are realistic.

D  district    lon 105.30–105.50, lat 28.70–28.80
S1 subdistrict west half  (105.30–105.40)      S2 east half (105.40–105.50)
C1 community   S1's south half (lat 28.70–28.75)
G1 grid        C1's west half (lon 105.30–105.35)
"""


def box(minx: float, miny: float, maxx: float, maxy: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]],
    }


def feature(code: str, name: str, level: str, parent: str | None, geometry: dict) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
        "geometry": geometry,
    }


TEST_AREAS = {
    "type": "FeatureCollection",
    "features": [
        feature("D", "测试区", "district", None, box(105.30, 28.70, 105.50, 28.80)),
        feature("S1", "一号街道", "subdistrict", "D", box(105.30, 28.70, 105.40, 28.80)),
        feature("S2", "二号街道", "subdistrict", "D", box(105.40, 28.70, 105.50, 28.80)),
        feature("C1", "一号社区", "community", "S1", box(105.30, 28.70, 105.40, 28.75)),
        feature("G1", "一号网格", "grid", "C1", box(105.30, 28.70, 105.35, 28.75)),
    ],
}

INSIDE_G1 = (105.32, 28.72)
INSIDE_S2 = (105.45, 28.77)
# 100 m east of the district's east edge: lon degrees per metre at 28.75° ≈ 1 / 97 640.
NEAR_EAST_EDGE = (105.50 + 100 / 97_640, 28.77)
FAR_EAST = (105.50 + 2_000 / 97_640, 28.77)

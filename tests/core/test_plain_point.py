"""A filed report's point written out as GeoJSON without GEOS, the same as through shapely."""

import random

import pytest
from geoalchemy2 import WKTElement
from shapely import wkt
from shapely.geometry import mapping

from app.core.schemas import GeoJSONGeometry, plain_point
from app.core.spatial import point


def test_points_as_intake_writes_them_are_what_shapely_reads():
    rng = random.Random(19)
    values = [0, -0.0, 105, -180.0, 1e-07, 1.5e20, 121.47, 28.123456789012345]
    values += [rng.uniform(-180, 180) for _ in range(500)]
    for lon, lat in zip(values, reversed(values), strict=True):
        element = point(lon, lat)
        assert plain_point(element.data) == mapping(wkt.loads(element.data)), element.data


@pytest.mark.parametrize(
    "text",
    ["POINT EMPTY", "POINT Z (1 2 3)", "SRID=4326;POINT(1 2)", "POINT(nan 1)", "POINT(. 1)",
     "LINESTRING(1 2, 3 4)", "POINT(1 2 )"],
)  # fmt: skip
def test_anything_else_goes_through_shapely(text):
    assert plain_point(text) is None


def test_the_field_writes_both_kinds_the_same():
    field = GeoJSONGeometry()
    line = WKTElement("LINESTRING(1 2, 3 4)", srid=4326)
    assert field._serialize(line, "g", None) == mapping(wkt.loads(line.data))
    assert field._serialize(point(121.5, 31.25), "g", None) == {
        "type": "Point",
        "coordinates": (121.5, 31.25),
    }

"""Routing a point: the chain inside, snapping near a border, refusing far and invalid points."""

import pytest

from app.areas.locate import locate
from app.core.coords import from_wgs84
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2, NEAR_EAST_EDGE


def get(client, headers, lon, lat, coord_sys="wgs84"):
    return client.get(
        "/api/v1/areas/locate",
        query_string={"lon": lon, "lat": lat, "coord_sys": coord_sys},
        headers=headers,
    )


def codes(body) -> list[str]:
    return [a["code"] for a in body["chain"]]


def test_point_inside_gets_full_chain_and_unit(client, areas, admin_headers):
    body = get(client, admin_headers, *INSIDE_G1).json
    assert codes(body) == ["D", "S1", "C1", "G1"]
    assert body["subdistrict"]["code"] == "S1"
    assert body["unit"]["code"] == "unit-S1"
    assert body["in_coverage"] is True and body["snapped"] is False


def test_point_in_subdistrict_without_deeper_areas(client, areas, admin_headers):
    body = get(client, admin_headers, *INSIDE_S2).json
    assert codes(body) == ["D", "S2"]
    assert body["unit"]["code"] == "unit-S2"


def test_point_near_border_snaps_with_distance(client, areas, admin_headers):
    body = get(client, admin_headers, *NEAR_EAST_EDGE).json
    assert codes(body) == ["D", "S2"]
    assert body["snapped"] is True
    assert 95 <= body["snapped_m"] <= 105
    assert body["unit"]["code"] == "unit-S2"


def test_snap_distance_is_configurable(app, areas):
    app.config["AREA_SNAP_METERS"] = 50
    assert locate(*NEAR_EAST_EDGE).in_coverage is False


def test_far_point_is_outside_coverage(client, areas, admin_headers):
    body = get(client, admin_headers, *FAR_EAST).json
    assert body["chain"] == [] and body["in_coverage"] is False
    assert body["unit"] is None and body["subdistrict"] is None


@pytest.mark.parametrize(("lon", "lat", "field"), [(181, 28.7, "lon"), (105.3, -91, "lat")])
def test_out_of_range_is_422_naming_field(client, areas, admin_headers, lon, lat, field):
    response = get(client, admin_headers, lon, lat)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_unknown_coord_sys_is_422(client, areas, admin_headers):
    response = get(client, admin_headers, 105.32, 28.72, "mars")
    assert response.status_code == 422
    assert "coord_sys" in response.json["errors"]["query"]


def test_gcj02_point_lands_on_wgs84_truth(client, areas, admin_headers):
    lon, lat = from_wgs84(*INSIDE_G1, "gcj02")
    body = get(client, admin_headers, lon, lat, "gcj02").json
    assert codes(body)[-1] == "G1"
    assert abs(body["lon"] - INSIDE_G1[0]) < 1e-7 and abs(body["lat"] - INSIDE_G1[1]) < 1e-7


def test_bd09_point_is_converted(client, areas, admin_headers):
    lon, lat = from_wgs84(*INSIDE_S2, "bd09")
    body = get(client, admin_headers, lon, lat, "bd09").json
    assert codes(body) == ["D", "S2"]


def test_locate_needs_sign_in(client, areas):
    assert get(client, {}, *INSIDE_G1).status_code == 401

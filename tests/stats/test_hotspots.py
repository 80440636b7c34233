"""Hotspots by area against the polygons, repeat places, and the map PNG."""

import io
import math
from datetime import timedelta

import pytest
from PIL import Image
from shapely.geometry import Point, shape

from app.core.spatial import METRES_PER_DEGREE
from app.extensions import db
from app.stats.choropleth import PALETTE, ZERO_FILL, class_breaks, fill_for
from app.stats.hotspots import CELL_M
from tests.helpers.cases import T0, add_case, overview_cases
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2

# Inside S1 but north of its community C1.
S1_NORTH = (105.35, 28.78)


@pytest.fixture
def cases(areas):
    made = overview_cases()
    made["H"] = add_case(S1_NORTH, T0 + timedelta(hours=5), category="neighbour.noise")
    return made


def hotspots(client, headers, **query):
    response = client.get("/api/v1/stats/hotspots", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_counts_per_subdistrict_match_the_polygons(client, cases, admin_headers):
    body = hotspots(client, admin_headers)
    assert body["type"] == "FeatureCollection" and body["level"] == "subdistrict"
    counts = {f["id"]: f["properties"]["count"] for f in body["features"]}
    assert counts == {"S1": 5, "S2": 1}
    assert (body["total"], body["outside_areas"]) == (7, 1)
    # The same numbers from the returned polygons and the cases' own positions.
    points = [Point(p) for p in (INSIDE_G1,) * 4 + (INSIDE_S2, S1_NORTH, FAR_EAST)]
    for feature in body["features"]:
        polygon = shape(feature["geometry"])
        assert feature["properties"]["count"] == sum(polygon.contains(p) for p in points)
    s1 = next(f for f in body["features"] if f["id"] == "S1")["properties"]
    assert s1["name"] == "一号街道"
    assert s1["by_category"] == {
        "neighbour.noise": 2, "property_mgmt.fees": 1, "property_mgmt.service": 1,
        "labour_wages": 1,
    }  # fmt: skip


def test_deeper_levels_count_by_area_path(client, cases, admin_headers):
    community = hotspots(client, admin_headers, level="community")
    assert {f["id"]: f["properties"]["count"] for f in community["features"]} == {"C1": 4}
    district = hotspots(client, admin_headers, level="district")
    assert {f["id"]: f["properties"]["count"] for f in district["features"]} == {"D": 6}
    inside_s2 = hotspots(client, admin_headers, level="subdistrict", area_code="S2")
    assert [f["id"] for f in inside_s2["features"]] == ["S2"]


def test_period_and_scope(client, cases, make_user, auth):
    s2 = auth(make_user("supervisor", ["S2"]))
    body = hotspots(client, s2)
    # Their own sub-district only; F (outside every area) is the district desk's (issue #12).
    assert {f["id"]: f["properties"]["count"] for f in body["features"]} == {"S2": 1}
    assert (body["total"], body["outside_areas"]) == (1, 0)
    district_wide = hotspots(client, auth(make_user("supervisor", ["D"])))
    everything = hotspots(client, auth(make_user("admin")))
    assert (district_wide["total"], district_wide["outside_areas"]) == (everything["total"], 1)
    # An area above theirs is shown, with only what they may see counted in it.
    district = hotspots(client, s2, level="district")
    assert {f["id"]: f["properties"]["count"] for f in district["features"]} == {"D": 1}
    week_two = hotspots(client, auth(make_user("admin")), since="2026-03-09")
    assert {f["id"]: f["properties"]["count"] for f in week_two["features"]} == {"S1": 0, "S2": 1}


def metres_east(point, metres):
    lon, lat = point
    return (lon + metres / (METRES_PER_DEGREE * math.cos(math.radians(lat))), lat)


def test_repeat_places_find_a_group_split_by_a_cell_edge(client, areas, admin_headers):
    # Put three cases 30 m apart astride an edge of the unshifted grid (all at one latitude,
    # which is also the mean latitude the grid is laid out with).
    lat = 28.7234
    dx = CELL_M / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    edge = (math.floor(105.3712 / dx) * dx, lat)
    group = [metres_east(edge, -15), metres_east(edge, 5), metres_east(edge, 15)]
    far = metres_east(edge, 800)
    for i, where in enumerate([*group, far, metres_east(far, 10)]):
        add_case(where, T0 + timedelta(hours=i), category="property_mgmt.fees")

    def places(**query):
        response = client.get(
            "/api/v1/stats/repeat-places", query_string=query, headers=admin_headers
        )
        assert response.status_code == 200, response.json
        return response.json["features"]

    found = places(min_reports=3)
    assert len(found) == 1
    props = found[0]["properties"]
    assert props["count"] == 3 and props["by_category"] == {"property_mgmt.fees": 3}
    lon, centre_lat = found[0]["geometry"]["coordinates"]
    assert lon == pytest.approx(sum(p[0] for p in group) / 3, abs=1e-6) and centre_lat == lat
    minx, _, maxx, _ = props["bbox"]
    assert all(minx <= p[0] < maxx for p in group)
    assert props["first_at"].startswith("2026-03-02T09:00:00+08:00")

    both = places(min_reports=2)
    assert [p["properties"]["count"] for p in both] == [3, 2]
    assert places(min_reports=4) == []
    assert places(min_reports=2, since="2026-03-02T12:00:00+08:00") == [both[1]]
    assert places(min_reports=2, category_code="neighbour") == []


def test_map_png_is_a_shaded_labelled_image(client, cases, admin_headers):
    response = client.get(
        "/api/v1/stats/hotspots.png", query_string={"width": 800}, headers=admin_headers
    )
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data)).convert("RGB")
    assert image.width == 800 and 400 < image.height < 1400
    colours = {rgb: n for n, rgb in image.getcolors(maxcolors=1 << 20)}
    breaks = class_breaks(5)  # S1 has 5 cases, S2 1
    s1_fill, s2_fill = fill_for(5, breaks), fill_for(1, breaks)
    assert s1_fill != s2_fill and s1_fill in PALETTE
    # Each sub-district is a large area of its own class colour (not a blank canvas).
    assert colours.get(s1_fill, 0) > 20_000 and colours.get(s2_fill, 0) > 20_000
    assert len(colours) > 50  # text, anti-aliased labels and borders


def test_map_of_an_empty_period_still_draws(client, cases, admin_headers):
    response = client.get(
        "/api/v1/stats/hotspots.png", query_string={"since": "2030-01-01"}, headers=admin_headers
    )
    image = Image.open(io.BytesIO(response.data)).convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20)}
    assert ZERO_FILL in colours and not colours & set(PALETTE)


def test_map_without_a_chinese_font_says_so(app, client, areas, admin_headers):
    app.config["CJK_FONT_PATH"] = "/nonexistent/font.ttf"
    response = client.get("/api/v1/stats/hotspots.png", headers=admin_headers)
    assert response.status_code == 503 and "font" in response.json["message"]


def test_class_breaks():
    assert class_breaks(0) == []
    assert class_breaks(3) == [(1, 1), (2, 2), (3, 3)]
    assert class_breaks(37) == [(1, 8), (9, 16), (17, 24), (25, 32), (33, 37)]
    assert fill_for(37, class_breaks(37)) == PALETTE[-1] and fill_for(0, []) == ZERO_FILL


def test_repeat_places_list_a_busy_qr_site(client, areas, admin_headers):
    from app.qr_sites.service import create_site

    site = create_site("幸福小区3栋", *INSIDE_G1)
    db.session.commit()
    # Three cases from one poster, spread over 300 m (the phones were elsewhere): no square
    # holds them, the poster does.
    for i, metres in enumerate((0, 150, 300)):
        report = add_case(metres_east(INSIDE_G1, metres), T0 + timedelta(hours=i))
        report.qr_site_id = site.id
    db.session.commit()
    found = client.get(
        "/api/v1/stats/repeat-places", query_string={"min_reports": 3}, headers=admin_headers
    ).json["features"]
    assert [
        (f["properties"]["kind"], f["properties"]["name"], f["properties"]["count"]) for f in found
    ] == [("qr_site", "幸福小区3栋", 3)]
    assert found[0]["properties"]["qr_site_id"] == site.id

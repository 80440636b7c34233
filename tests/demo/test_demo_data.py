"""The demo district: real sub-district codes on synthetic polygons that route correctly."""

import csv

import pytest
from geoalchemy2.shape import to_shape
from shapely.ops import unary_union
from sqlalchemy import select

from app.areas.locate import locate
from app.areas.models import Area
from app.demo.geography import (
    CENTRE,
    FALLBACK_SUBDISTRICTS,
    SUBDISTRICTS_CSV,
    naxi_feature_collection,
)
from app.demo.load import DEMO_USERS, load_demo
from app.extensions import db
from app.units.models import Unit


@pytest.fixture
def demo(app):
    counts = load_demo()
    db.session.commit()
    return counts


def test_demo_has_the_13_real_subdistricts_with_units(demo):
    # The shared data file where the checkout sits beside it (../shared/data); a clone elsewhere
    # has only the copy the demo carries, which must then agree with the file wherever both exist.
    real = dict(FALLBACK_SUBDISTRICTS)
    if SUBDISTRICTS_CSV.exists():
        with SUBDISTRICTS_CSV.open(encoding="utf-8") as handle:
            rows = csv.DictReader(handle)
            from_file = {r["code"]: r["name"] for r in rows if r["kind"] == "subdistrict"}
        assert from_file == real
    towns = {
        a.code: a.name for a in db.session.scalars(select(Area).where(Area.level == "subdistrict"))
    }
    assert towns == real and len(towns) == 13
    units = {
        u.area_code for u in db.session.scalars(select(Unit).where(Unit.kind == "subdistrict"))
    }
    assert units == set(real)


def test_subdistricts_tile_the_district_without_overlap(demo):
    district = to_shape(db.session.scalars(select(Area).where(Area.level == "district")).one().geom)
    towns = [
        to_shape(a.geom)
        for a in db.session.scalars(select(Area).where(Area.level == "subdistrict"))
    ]
    assert abs(unary_union(towns).area - district.area) < district.area * 1e-6
    assert sum(t.area for t in towns) == pytest.approx(district.area, rel=1e-6)
    minx, miny, maxx, maxy = district.bounds
    assert minx >= 105.17 and maxx <= 105.63 and miny >= 28.44 and maxy <= 28.84


def test_centre_routes_to_anfu_and_every_grid_point_routes_to_its_own_town(demo):
    assert locate(*CENTRE).routing_area.name == "安富街道"
    for grid in db.session.scalars(select(Area).where(Area.level == "grid")):
        inside = to_shape(grid.geom).representative_point()
        located = locate(inside.x, inside.y)
        assert located.deepest.code == grid.code
        assert grid.path.startswith(located.routing_area.path)
        assert located.unit.area_code == located.routing_area.code


def test_demo_load_is_repeatable_and_has_one_user_per_role(demo):
    again = load_demo()
    assert again == {"categories": 0, "areas_created": 0, "units": 0, "users": 0, "qr_sites": 0}
    assert {u.role for u in DEMO_USERS} == {
        "admin",
        "supervisor",
        "cleaner",
        "responder",
        "grid_worker",
    }


def test_generated_collection_says_it_is_synthetic():
    assert naxi_feature_collection()["synthetic"] is True


def test_demo_qr_sites_are_in_anfu_and_demo_urls_prints_one(app, demo):
    from app.demo.load import DEMO_QR_SITES, first_demo_site
    from app.qr_sites.service import site_code

    assert demo["qr_sites"] == len(DEMO_QR_SITES)
    site = first_demo_site()
    assert site.subdistrict_code == "510503001"
    output = app.test_cli_runner().invoke(args=["demo", "urls", "--base", "http://h:1"]).output
    assert f"http://h:1/s/{site_code(site)}" in output
    # Where the admin and the grid worker start, beside the other roles' sign-in.
    assert "http://h:1/console/admin" in output and "http://h:1/app/" in output
    assert app.test_client().get(f"/s/{site_code(site)}").status_code == 200

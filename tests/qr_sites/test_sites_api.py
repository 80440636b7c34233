"""QR sites through the API: areas from the point, rotate, disable, CSV import, posters."""

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode
from sqlalchemy import func, select

from app import create_app
from app.core.coords import from_wgs84, haversine_m
from app.extensions import db
from app.qr_sites.models import QrSite
from app.qr_sites.service import site_code
from qr import FontNotFound
from tests.conftest import base_config
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2, NEAR_EAST_EDGE

BASE = "/api/v1/qr-sites"


def position(lon_lat, coord_sys="wgs84"):
    lon, lat = from_wgs84(*lon_lat, coord_sys)
    return {"lon": lon, "lat": lat, "coord_sys": coord_sys}


def post_site(client, headers, **body):
    body.setdefault("name", "幸福里3号楼")
    body.setdefault("location", position(INSIDE_G1))
    return client.post(BASE, json=body, headers=headers)


def test_area_and_subdistrict_come_from_a_gcj02_point(client, areas, admin_headers):
    response = post_site(client, admin_headers, kind="楼栋", location=position(INSIDE_G1, "gcj02"))
    assert response.status_code == 201, response.json
    site = response.json
    assert (site["area_code"], site["subdistrict_code"], site["kind"], site["kind_name"]) == (
        "G1", "S1", "building", "楼栋",
    )  # fmt: skip
    assert haversine_m(site["lon"], site["lat"], *INSIDE_G1) < 1
    assert site["url"] == f"http://127.0.0.1:5000/s/{site['code']}"
    assert (site["active"], site["scan_count"], site["report_count"]) == (True, 0, 0)
    assert client.get(f"{BASE}/{site['id']}", headers=admin_headers).json == site


def test_a_given_area_is_checked_against_the_point(client, areas, admin_headers):
    ok = post_site(client, admin_headers, area_code="C1")
    assert ok.status_code == 201 and ok.json["area_code"] == "C1"
    wrong = post_site(client, admin_headers, area_code="S2")
    assert wrong.status_code == 422
    assert "not inside area S2" in wrong.json["errors"]["json"]["area_code"][0]
    unknown = post_site(client, admin_headers, area_code="NOPE")
    assert unknown.status_code == 422 and "area_code" in unknown.json["errors"]["json"]


def test_a_point_just_outside_snaps_but_far_away_is_refused(client, areas, admin_headers):
    near = post_site(client, admin_headers, location=position(NEAR_EAST_EDGE))
    assert near.status_code == 201 and near.json["subdistrict_code"] == "S2"
    far = post_site(client, admin_headers, location=position(FAR_EAST))
    assert far.status_code == 422 and "location" in far.json["errors"]["json"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "spaceport"}, "kind"),
        ({"location": {"lon": 500, "lat": 28}}, "location"),
    ],
)
def test_bad_input_names_the_field(client, areas, admin_headers, body, field):
    response = post_site(client, admin_headers, **body)
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_only_admins(client, areas, make_user, auth):
    assert post_site(client, {}).status_code == 401
    cleaner = auth(make_user("cleaner", areas=["D"]))
    assert post_site(client, cleaner).status_code == 403
    assert client.get(BASE, headers=cleaner).status_code == 403


def test_list_filters_by_area_subtree_and_state(client, site, other_site, admin_headers):
    client.delete(f"{BASE}/{other_site.id}", headers=admin_headers)

    def names(query):
        page = client.get(f"{BASE}?{query}", headers=admin_headers).json
        return [item["name"] for item in page["items"]]

    assert names("") == ["二号街道菜市场", "幸福里3号楼"]
    assert names("area_code=S1") == ["幸福里3号楼"]
    assert names("active=false") == ["二号街道菜市场"]
    assert client.get(f"{BASE}?area_code=X", headers=admin_headers).status_code == 422


def test_rotate_makes_a_new_code_and_the_old_one_stops(client, site, admin_headers):
    old = site_code(site)
    rotated = client.post(f"{BASE}/{site.id}/rotate", headers=admin_headers).json
    assert rotated["code"] != old and rotated["rotation"] == 1
    assert client.get(f"/s/{old}").status_code == 410
    assert client.get(f"/s/{rotated['code']}").status_code == 200


def test_delete_disables_and_keeps_the_row(client, site, admin_headers):
    code = site_code(site)
    disabled = client.delete(f"{BASE}/{site.id}", headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json["active"] is False
    assert disabled.json["disabled_at"]
    assert client.get(f"/s/{code}").status_code == 410
    assert client.post(f"{BASE}/{site.id}/rotate", headers=admin_headers).status_code == 422
    assert client.get(f"{BASE}/{site.id}/poster.png", headers=admin_headers).status_code == 422
    assert client.get(f"{BASE}/999", headers=admin_headers).status_code == 404


def test_poster_png_decodes_to_the_exact_url(client, site, admin_headers):
    response = client.get(f"{BASE}/{site.id}/poster.png", headers=admin_headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    url = client.get(f"{BASE}/{site.id}", headers=admin_headers).json["url"]
    assert [s.data.decode() for s in decode(image)] == [url]


@pytest.mark.parametrize(("per_page", "pages"), [(1, 3), (2, 2), (4, 1)])
def test_poster_sheet_has_a_page_per_group(client, make_site, admin_headers, per_page, pages):
    ids = [make_site(f"{i}号楼", (INSIDE_G1[0] + i * 0.001, INSIDE_G1[1])).id for i in range(3)]
    query = f"ids={','.join(map(str, ids))}&per_page={per_page}"
    response = client.get(f"{BASE}/posters.pdf?{query}", headers=admin_headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == pages
    found = {s.data.decode() for page in reader.pages for s in decode(page.images[0].image)}
    assert found == {f"http://127.0.0.1:5000/s/{site_code(db.session.get(QrSite, i))}" for i in ids}


def test_poster_sheet_names_unknown_ids(client, site, admin_headers):
    response = client.get(f"{BASE}/posters.pdf?ids={site.id},999", headers=admin_headers)
    assert response.status_code == 404 and "999" in response.json["message"]
    assert client.get(f"{BASE}/posters.pdf?ids=x", headers=admin_headers).status_code == 422


CSV = (
    "名称,类型,经度,纬度,坐标系\n"
    f"幸福里3号楼,楼栋,{INSIDE_G1[0]},{INSIDE_G1[1]},wgs84\n"
    f"二号街道菜市场,market,{INSIDE_S2[0]},{INSIDE_S2[1]},\n"
)


def upload(client, headers, text: str, encoding: str = "utf-8"):
    data = {"file": (io.BytesIO(text.encode(encoding)), "places.csv")}
    return client.post(f"{BASE}/import", data=data, headers=headers)


def site_count() -> int:
    """Committed sites (the tests share the app context, so drop what a failed request left)."""
    db.session.rollback()
    return db.session.scalar(select(func.count(QrSite.id)))


def test_import_csv_with_chinese_headers_in_gb18030_and_again(client, areas, admin_headers):
    first = upload(client, admin_headers, CSV, "gb18030")
    assert first.status_code == 201, first.json
    assert (first.json["created"], first.json["existing"]) == (2, 0)
    assert [s["subdistrict_code"] for s in first.json["items"]] == ["S1", "S2"]
    again = upload(client, admin_headers, "\ufeff" + CSV)
    assert (again.json["created"], again.json["existing"]) == (0, 2)
    assert site_count() == 2


def test_a_bad_row_imports_nothing_and_names_the_row(client, areas, admin_headers):
    bad = CSV + "河对岸,楼栋,abc,28.7\n" + f"远处,楼栋,{FAR_EAST[0]},{FAR_EAST[1]}\n"
    response = upload(client, admin_headers, bad)
    assert response.status_code == 422
    problems = response.json["errors"]["files"]["file"]
    assert problems[0].startswith("row 4: lon") and problems[1].startswith("row 5: location")
    assert site_count() == 0
    missing = upload(client, admin_headers, "name,kind\nA,楼栋\n")
    assert missing.status_code == 422 and "lon, lat" in missing.json["message"]


def test_cli_import_then_posters(app, areas, tmp_path):
    places = tmp_path / "places.csv"
    places.write_text(CSV, encoding="utf-8")
    runner = app.test_cli_runner()
    imported = runner.invoke(args=["qr-sites", "import", str(places)])
    assert imported.exit_code == 0, imported.output
    assert "2 created" in imported.output and "/s/" in imported.output
    sheet = tmp_path / "sheet.pdf"
    printed = runner.invoke(args=["qr-sites", "posters", "--out", str(sheet), "--per-page", "1"])
    assert printed.exit_code == 0, printed.output
    assert len(PdfReader(sheet).pages) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\nA,1,2\n", encoding="utf-8")
    refused = runner.invoke(args=["qr-sites", "import", str(bad)])
    assert refused.exit_code != 0 and "row 2: location" in refused.output


def test_a_missing_font_stops_the_start(database_url, tmp_path):
    missing = str(tmp_path / "nope.ttc")
    with pytest.raises(FontNotFound, match=r"nope\.ttc"):
        create_app({**base_config(database_url), "CJK_FONT_PATH": missing})

"""Malformed input is a 4xx naming the field, never a 500 — on both databases."""

import base64
import io
import json

import pytest

from app.extensions import db
from app.triage.models import TriageRule
from tests.helpers.forms import with_csrf

REPORTS = "/api/v1/public/reports"


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("text", "why"), [("有人\x00打架", "NUL"), ("有人\ud800打架", "surrogate")]
)
def test_unstorable_text_in_a_public_report_names_the_field(client, site, code, text, why):
    body = json.dumps({"site_code": code, "description": text}, ensure_ascii=True)
    response = client.post(REPORTS, data=body, content_type="application/json")
    assert response.status_code == 422, response.json
    assert "description" in response.json["errors"]["json"]


def test_nul_in_a_login_name_is_a_422(client):
    response = client.post("/api/v1/auth/token", json={"username": "a\x00b", "password": "x"})
    assert response.status_code == 422 and "username" in response.json["errors"]["json"]


def test_nul_in_a_query_value_names_the_parameter(client, admin_headers):
    response = client.get("/api/v1/reports?area_code=a%00b", headers=admin_headers)
    assert response.status_code == 422 and "area_code" in response.json["errors"]["query"]


def test_nul_in_a_path_is_not_found(client):
    assert client.get("/t/%00").status_code == 404
    assert client.get("/api/v1/track/%00?key=x").status_code == 404


def test_nul_in_a_form_field_names_it(client, site, code):
    data = with_csrf(client, {"description": "有人\x00打架"})
    response = client.post(f"/s/{code}", data=data)
    assert response.status_code == 422


@pytest.mark.parametrize("report_id", [2**31, 2**63, 10**30])
def test_ids_beyond_the_column_are_not_found(client, admin_headers, report_id):
    assert client.get(f"/api/v1/reports/{report_id}", headers=admin_headers).status_code == 404


@pytest.mark.parametrize("values", [[True], [1e30], [2**40], ["x"], [1, 2], {"a": 1}])
def test_a_wellformed_cursor_holding_the_wrong_json_is_a_422(client, admin_headers, values):
    response = client.get(f"/api/v1/users?cursor={cursor(values)}", headers=admin_headers)
    assert response.status_code == 422 and "cursor" in response.json["errors"]["query"]


@pytest.mark.parametrize("values", [[True, "x", 1], [0, "0152-01-01T00:00:00+08:00", 1e30]])
def test_queue_cursors_are_checked_too(client, areas, make_user, auth, values):
    cleaner = make_user("cleaner", ["D"])
    response = client.get(f"/api/v1/queue?cursor={cursor(values)}", headers=auth(cleaner))
    assert response.status_code == 422 and "cursor" in response.json["errors"]["query"]


@pytest.mark.parametrize("moment", ["1900-01-01T00:00:00", "0152-06-01T08:00:00+08:00"])
def test_implausible_dates_are_refused(client, admin_headers, moment):
    listed = client.get("/api/v1/reports", query_string={"since": moment}, headers=admin_headers)
    assert listed.status_code == 422 and "since" in listed.json["errors"]["query"]
    filed = client.post(
        "/api/v1/reports",
        json={"description": "楼道堆满杂物", "channel": "walk_in", "occurred_at": moment},
        headers=admin_headers,
    )
    assert filed.status_code == 422 and "occurred_at" in str(filed.json["errors"])


def test_an_empty_area_code_for_a_unit_is_a_422(client, admin_headers):
    response = client.post(
        "/api/v1/units",
        json={"code": "u-x", "name": "某单位", "kind": "subdistrict", "area_code": ""},
        headers=admin_headers,
    )
    assert response.status_code == 422 and "area_code" in response.json["errors"]["json"]


def test_a_csv_with_bare_carriage_returns_is_read_or_refused_not_a_500(
    client, areas, admin_headers
):
    data = "name,lon,lat\r幸福里3号楼,105.37,28.77\r".encode()
    response = client.post(
        "/api/v1/qr-sites/import",
        data={"file": (io.BytesIO(data), "sites.csv")},
        content_type="multipart/form-data",
        headers=admin_headers,
    )
    assert response.status_code < 500
    broken = "name,lon,lat\n幸福里\x003号楼,105.37,28.77\n".encode()
    response = client.post(
        "/api/v1/qr-sites/import",
        data={"file": (io.BytesIO(broken), "sites.csv")},
        content_type="multipart/form-data",
        headers=admin_headers,
    )
    assert response.status_code == 422 and "file" in response.json["errors"]["files"]


def test_a_rule_patch_with_no_body_changes_nothing_and_says_so(client, admin_headers):
    rule = db.session.query(TriageRule).first()
    response = client.patch(f"/api/v1/triage/rules/{rule.id}", json={}, headers=admin_headers)
    assert response.status_code == 422
    bare = client.patch(f"/api/v1/triage/rules/{rule.id}", headers=admin_headers)
    assert bare.status_code == 422


def test_json_nested_too_deep_is_a_4xx(client, admin_headers):
    deep = "[" * 100_000 + "]" * 100_000
    for url in ("/api/v1/auth/token", REPORTS, "/api/v1/units"):
        response = client.post(
            url, data=deep, content_type="application/json", headers=admin_headers
        )
        assert 400 <= response.status_code < 500, (url, response.status_code)


def test_area_geometry_is_returned_when_asked(client, areas, admin_headers):
    with_shape = client.get("/api/v1/areas/S1?geometry=1", headers=admin_headers).json
    assert with_shape["geometry"]["type"] in ("Polygon", "MultiPolygon")
    plain = client.get("/api/v1/areas/S1", headers=admin_headers).json
    assert "geometry" not in plain and plain["code"] == "S1"

"""Filing a report from a phone: position in GCJ-02, routing, parties, and bad input."""

import pytest
from sqlalchemy import func, select

from app.core.coords import from_wgs84, haversine_m
from app.core.spatial import to_shapely
from app.extensions import db
from app.reports.models import Report, ReportParty
from app.reports.tracking_keys import hash_tracking_key
from tests.helpers.geometry import FAR_EAST, INSIDE_G1
from tests.helpers.reports import REPORTS, report_body


def test_gcj02_position_is_stored_in_wgs84_within_a_metre(client, worker_headers):
    lon, lat = from_wgs84(*INSIDE_G1, "gcj02")
    body = report_body(location={"lon": lon, "lat": lat, "coord_sys": "gcj02", "accuracy_m": 12})
    response = client.post(REPORTS, json=body, headers=worker_headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["status"], created["area_code"], created["subdistrict_code"]) == (
        "received", "G1", "S1",
    )  # fmt: skip
    assert created["unit_code"] == "unit-S1" and created["in_coverage"] is True
    assert created["accuracy_m"] == 12 and created["location_source"] == "device"
    assert haversine_m(*created["location"]["coordinates"], *INSIDE_G1) < 1.0
    stored = db.session.get(Report, created["id"])
    point = to_shapely(stored.location)
    assert haversine_m(point.x, point.y, *INSIDE_G1) < 1.0
    # The raw GCJ-02 pair is ~500 m off near 纳溪: storing it unconverted would fail above.
    assert haversine_m(lon, lat, *INSIDE_G1) > 100
    assert stored.tracking_key_hash == hash_tracking_key(created["tracking_key"])
    assert [e["action"] for e in created["timeline"]] == ["created"]


def test_out_of_coverage_is_accepted_and_left_for_the_cleaner(
    client, worker_headers, make_user, auth
):
    body = report_body(location={"lon": FAR_EAST[0], "lat": FAR_EAST[1]})
    response = client.post(REPORTS, json=body, headers=worker_headers)
    assert response.status_code == 201
    assert response.json["in_coverage"] is False and response.json["area_code"] is None
    cleaner = auth(make_user("cleaner", ["D"]))
    listed = client.get(REPORTS, headers=cleaner).json["items"]
    assert [r["id"] for r in listed] == [response.json["id"]]


def test_walk_in_with_parties_and_no_position(client, worker_headers):
    body = report_body(
        channel="walk_in",
        location=None,
        reporter_name="李女士",
        reporter_phone="+86 139-0000-1111",
        parties=[
            {"name": "李女士", "phone": "+86 139 0000 1111", "role": "申请人"},
            {"name": "楼上住户", "role": "被申请人"},
        ],
        occurred_at="2024-05-01T09:30:00",
    )
    response = client.post(REPORTS, json=body, headers=worker_headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert created["reporter_phone"] == "13900001111"
    assert created["occurred_at"] == "2024-05-01T09:30:00+08:00"
    assert created["area_code"] is None and created["location"] is None
    assert [(p["name"], p["phone"], p["role"]) for p in created["parties"]] == [
        ("李女士", "13900001111", "申请人"),
        ("楼上住户", None, "被申请人"),
    ]
    rows = db.session.scalars(select(ReportParty).order_by(ReportParty.id)).all()
    assert [r.phone for r in rows] == ["13900001111", None]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"description": ""}, ("description",)),
        ({"channel": "qr_scan"}, ("channel",)),
        ({"category_code": "no_such_kind"}, ("category_code",)),
        ({"location": {"lon": 105.3, "lat": 95}}, ("location", "lat")),
        ({"location": {"lon": 105.3, "lat": 28.7, "coord_sys": "utm"}}, ("location", "coord_sys")),
        ({"location": {"lon": 105.3, "lat": 28.7, "accuracy_m": -1}}, ("location", "accuracy_m")),
        ({"parties": [{"name": "张三", "phone": "12345"}]}, ("parties", "0", "phone")),
        ({"parties": [{"name": "张三", "role": "老板"}]}, ("parties", "0", "role")),
        ({"reporter_phone": "010-1234"}, ("reporter_phone",)),
        ({"occurred_at": "2099-01-01T00:00:00+08:00"}, ("occurred_at",)),
        ({"client_uuid": "has spaces in it"}, ("client_uuid",)),
        ({"surprise": 1}, ("surprise",)),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    client, worker_headers, change, where
):
    response = client.post(REPORTS, json=report_body(**change), headers=worker_headers)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]["json"]
    for step in where:
        errors = errors[step]
    assert errors and response.json["message"]
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_filing_needs_a_signed_in_staff_member(client, areas):
    assert client.post(REPORTS, json=report_body()).status_code == 401

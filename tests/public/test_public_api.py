"""POST /api/v1/public/reports: a resident's report from a code or a position, with photos."""

import pytest
from PIL import Image
from sqlalchemy import select

from app.core.coords import from_wgs84, haversine_m
from app.core.spatial import to_shapely
from app.extensions import db
from app.photos.models import Photo
from app.photos.service import storage
from app.qr_sites.models import QrSite
from app.qr_sites.service import site_code
from app.reports.models import Report, ReportEvent
from tests.helpers.geometry import INSIDE_G1, INSIDE_S2
from tests.helpers.photos import assert_no_metadata, encode
from tests.helpers.public import NAXI_GPS, NAXI_LAT, NAXI_LON, counts, photo, upload

URL = "/api/v1/public/reports"


def report(tracking_no: str) -> Report:
    return db.session.scalars(select(Report).where(Report.tracking_no == tracking_no)).one()


def test_json_report_from_a_code_takes_the_site_location(client, site, code):
    response = client.post(URL, json={"site_code": code, "description": "楼道堆满杂物"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "received" and body["tracking_key"]
    assert body["tracking_url"].endswith(f"/t/{body['tracking_no']}?key={body['tracking_key']}")
    stored = report(body["tracking_no"])
    assert (stored.channel, stored.location_source, stored.qr_site_id) == (
        "qr_scan",
        "qr_site",
        site.id,
    )
    assert (stored.area_code, stored.subdistrict_code, stored.unit_code) == ("G1", "S1", "unit-S1")
    assert haversine_m(*to_shapely(stored.location).coords[0], *INSIDE_G1) < 1
    assert stored.device_location is None and stored.far_from_site is None
    assert stored.queued_at is not None
    db.session.refresh(site)
    assert site.report_count == 1


def test_a_phone_far_from_the_site_is_kept_and_flagged(client, site, code):
    lon, lat = from_wgs84(*INSIDE_S2, "gcj02")  # ~13 km east, sent as a Chinese map SDK would
    body = {"site_code": code, "description": "有人打架", "lon": lon, "lat": lat,
            "coord_sys": "gcj02", "accuracy_m": 15}  # fmt: skip
    stored = report(client.post(URL, json=body).json["tracking_no"])
    assert stored.location_source == "qr_site" and stored.subdistrict_code == "S1"
    assert haversine_m(*to_shapely(stored.device_location).coords[0], *INSIDE_S2) < 1
    assert stored.device_accuracy_m == 15 and stored.far_from_site is True
    assert stored.device_distance_m == pytest.approx(haversine_m(*INSIDE_G1, *INSIDE_S2), abs=1)
    created = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == stored.id)
    ).one()
    assert created.payload["far_from_site"] is True
    assert created.payload["device_distance_m"] == stored.device_distance_m


def test_a_phone_near_the_site_is_not_flagged(client, site, code):
    near = (INSIDE_G1[0] + 0.002, INSIDE_G1[1])  # ~200 m
    body = {"site_code": code, "description": "噪音", "lon": near[0], "lat": near[1]}
    stored = report(client.post(URL, json=body).json["tracking_no"])
    assert stored.far_from_site is False and 150 < stored.device_distance_m < 250


def test_a_position_alone_is_the_location(client, areas):
    body = {"description": "路灯坏了", "lon": INSIDE_S2[0], "lat": INSIDE_S2[1], "accuracy_m": 30}
    stored = report(client.post(URL, json=body).json["tracking_no"])
    assert (stored.location_source, stored.subdistrict_code, stored.accuracy_m) == (
        "device",
        "S2",
        30,
    )
    assert stored.qr_site_id is None


def test_exif_gps_is_the_location_when_nothing_else_is(client, areas):
    data = {"description": "河边垃圾", "photos": [upload(photo(gps=NAXI_GPS))]}
    response = client.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    stored = report(response.json["tracking_no"])
    assert stored.location_source == "photo_exif"
    assert haversine_m(*to_shapely(stored.location).coords[0], NAXI_LON, NAXI_LAT) < 1


def test_neither_code_nor_position_names_site_code(client, areas):
    response = client.post(URL, json={"description": "有事"})
    assert response.status_code == 422
    assert "site_code" in response.json["errors"]["json"]
    assert response.json["errors"]["fields_zh"]["site_code"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "。。。！？…  ——"}, "description"),
        ({"description": "👍👍"}, "description"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "010-12345678"}, "contact_phone"),
        ({"category_code": "no_such"}, "category_code"),
        ({"client_uuid": "short"}, "client_uuid"),
        ({"lon": 105.3}, "location"),
        ({"coord_sys": "mars"}, "coord_sys"),
        ({"surprise": 1}, "surprise"),
        ({"description": None}, "description"),
    ],
)
def test_bad_input_names_the_field(client, code, body, field):
    response = client.post(URL, json={"site_code": code, "description": "有事", **body})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert counts() == (0, 0)


def test_every_problem_at_once_in_both_languages(client, code):
    body = {"site_code": code, "description": "", "contact_phone": "123"}
    errors = client.post(URL, json=body).json["errors"]
    assert set(errors["json"]) == {"description", "contact_phone"}
    assert errors["fields_zh"]["contact_phone"] == ["手机号格式不对，请填写 11 位手机号"]


def test_the_phone_is_stored_normalised(client, code):
    body = {"site_code": code, "description": "有事", "contact_phone": "+86 138-0013-8000"}
    assert report(client.post(URL, json=body).json["tracking_no"]).reporter_phone == "13800138000"


def test_a_body_that_is_not_json_or_a_form(client, code):
    response = client.post(URL, data="hello", content_type="text/plain")
    assert response.status_code == 422 and "_schema" in response.json["errors"]["json"]


@pytest.mark.parametrize(
    ("make_code", "status"),
    [
        (lambda site, code: code[:-1] + ("X" if code[-1] != "X" else "Y"), 404),
        (lambda site, code: "AAAAAAAAAAAA", 404),
    ],
    ids=["edited", "made-up"],
)
def test_a_tampered_code_is_refused(client, site, code, make_code, status):
    response = client.post(URL, json={"site_code": make_code(site, code), "description": "有事"})
    assert response.status_code == status
    assert counts() == (0, 0)


def test_rotated_and_disabled_codes_are_gone(client, site, code, admin_headers):
    client.post(f"/api/v1/qr-sites/{site.id}/rotate", headers=admin_headers)
    assert client.post(URL, json={"site_code": code, "description": "有事"}).status_code == 410
    new_code = site_code(db.session.get(QrSite, site.id))
    client.delete(f"/api/v1/qr-sites/{site.id}", headers=admin_headers)
    assert client.post(URL, json={"site_code": new_code, "description": "有事"}).status_code == 410
    assert counts() == (0, 0)


def test_the_same_client_uuid_twice_is_one_report_with_the_same_key(client, code):
    body = {"site_code": code, "description": "有事", "client_uuid": "a" * 20}
    first, second = client.post(URL, json=body), client.post(URL, json=body)
    assert second.status_code == 201 and second.json == first.json
    header = {"Idempotency-Key": "b" * 20}
    third = client.post(URL, json={"site_code": code, "description": "有事"}, headers=header)
    assert (
        client.post(URL, json={"site_code": code, "description": "有事"}, headers=header).json
        == third.json
    )
    assert counts() == (2, 0)
    reused = client.post(URL, json={**body, "description": "另一件事"})
    assert reused.status_code == 409 and "client_uuid" in reused.json["errors"]["json"]


# --- photos ---------------------------------------------------------------------------------


def post_with_photos(client, code, *photos, **fields):
    data = {"site_code": code, "description": "墙上有裂缝", **fields, "photos": list(photos)}
    return client.post(URL, data=data, content_type="multipart/form-data")


def test_photos_are_stored_stripped_with_thumbnails(client, code):
    response = post_with_photos(
        client, code, upload(photo(gps=NAXI_GPS)), upload(photo(fmt="PNG"), "b.png")
    )
    assert response.status_code == 201, response.json
    stored = report(response.json["tracking_no"])
    photos = db.session.scalars(select(Photo).where(Photo.report_id == stored.id)).all()
    assert len(photos) == 2 and stored.location_source == "qr_site"
    assert (photos[0].exif_lon, photos[0].exif_lat) == pytest.approx((NAXI_LON, NAXI_LAT))
    for stored_photo in photos:
        assert_no_metadata(storage().open(stored_photo.storage_key))
        assert_no_metadata(storage().open(stored_photo.thumb_key))


BOMB = encode(Image.new("1", (10000, 10000)), "PNG")  # 100 MP in a few KB


@pytest.mark.parametrize(
    ("data", "name", "status", "reason"),
    [
        (b"%PDF-1.4\n", "scan.pdf", 422, "JPEG, PNG and WebP"),
        (b"\xff\xd8\xff\xe0" + bytes(11 * 1024 * 1024), "huge.jpg", 413, "10 MB"),
        (BOMB, "bomb.png", 422, "megapixels"),
    ],
    ids=["wrong-type", "oversized", "bomb"],
)
def test_each_bad_photo_gets_its_own_clear_error(client, code, data, name, status, reason):
    response = post_with_photos(client, code, upload(photo()), upload(data, name))
    assert response.status_code == status
    [message] = response.json["errors"]["files"]["photos"]
    assert reason in message and name in message
    assert name in response.json["errors"]["fields_zh"]["photos"][0]
    assert counts() == (0, 0)


def test_two_bad_photos_two_errors(client, code):
    response = post_with_photos(
        client, code, upload(b"GIF89a", "a.gif"), upload(b"\x89PNG\r\n\x1a\n", "b.png")
    )
    assert response.status_code == 422
    assert len(response.json["errors"]["files"]["photos"]) == 2


def test_at_most_three_photos(client, code):
    response = post_with_photos(client, code, *[upload(photo()) for _ in range(4)])
    assert response.status_code == 422 and "photos" in response.json["errors"]["form"]
    assert counts() == (0, 0)


def test_a_twin_that_won_the_race_is_returned_not_duplicated(client, code, monkeypatch):
    """A form sent again (a retry, or two sends at once): nothing is looked up beforehand; the
    second insert fails on client_uuid, and the report the first one stored is the answer."""
    from app.public import intake

    body = {"site_code": code, "description": "有事", "client_uuid": "r" * 20}
    # The look-up of what was filed under a client_uuid (the report keeps its own key).
    real_held = intake.held_by_report
    calls = []

    def counted(keyed):
        calls.append(keyed.key)
        return real_held(keyed)

    monkeypatch.setattr(intake, "held_by_report", counted)
    first = client.post(URL, json=body).json
    second = client.post(URL, json=body)
    assert second.status_code == 201 and second.json == first and calls == ["r" * 20]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert counts() == (1, 0)


def test_a_resent_form_is_answered_even_when_a_check_now_fails(client, code):
    """The category was retired between the first send and the retry: the retry still gets
    the report it filed; a new form with that category is refused, naming the field."""
    from app.categories.service import retire_category

    body = {
        "site_code": code,
        "description": "楼上噪音",
        "category_code": "neighbour.noise",
        "client_uuid": "s" * 20,
    }
    first = client.post(URL, json=body)
    assert first.status_code == 201, first.json
    retire_category("neighbour.noise")
    db.session.commit()
    again = client.post(URL, json=body)
    assert again.status_code == 201 and again.json == first.json
    new = client.post(URL, json={**body, "client_uuid": "t" * 20})
    assert new.status_code == 422 and "category_code" in new.json["errors"]["json"]
    assert counts() == (1, 0)

"""Photos from phones: the shared checks, retry-safe uploads, and the stored JPEG for staff."""

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.photos.models import Photo
from app.reports.models import Report
from tests.helpers.concurrency import parallel
from tests.helpers.geometry import INSIDE_S2
from tests.helpers.photos import NAXI_GPS, assert_no_metadata, jpeg_with
from tests.helpers.reports import REPORTS, report_body


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    app.config["PHOTO_STORAGE_DIR"] = str(tmp_path / "photos")


@pytest.fixture
def report_id(client, worker_headers) -> int:
    return client.post(REPORTS, json=report_body(), headers=worker_headers).json["id"]


def upload(client, headers, report_id, data: bytes, **form):
    return client.post(
        f"{REPORTS}/{report_id}/photos",
        data={"photos": (io.BytesIO(data), "IMG_0001.jpg"), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def photo_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Photo.id)))


def test_upload_then_read_back_without_metadata(client, worker_headers, report_id):
    response = upload(client, worker_headers, report_id, jpeg_with(NAXI_GPS, size=(800, 600)))
    assert response.status_code == 201, response.json
    photo = response.json
    assert photo["exif_lat"] == pytest.approx(28.776, abs=1e-3)
    assert photo["url"] == f"{REPORTS}/{report_id}/photos/{photo['id']}"

    full = client.get(photo["url"], headers=worker_headers)
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert_no_metadata(full.get_data())
    thumb = client.get(photo["thumb_url"], headers=worker_headers)
    assert thumb.status_code == 200
    with Image.open(io.BytesIO(thumb.get_data())) as img:
        assert max(img.size) == 320

    again = client.get(
        photo["url"], headers={**worker_headers, "If-None-Match": full.headers["ETag"]}
    )
    assert again.status_code == 304

    detail = client.get(f"{REPORTS}/{report_id}", headers=worker_headers).json
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    assert detail["timeline"][-1]["action"] == "photo_added"


def test_a_retried_upload_is_stored_once(client, worker_headers, report_id):
    first = upload(client, worker_headers, report_id, jpeg_with(), client_uuid="photo-1")
    again = upload(client, worker_headers, report_id, jpeg_with(), client_uuid="photo-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    by_header = {**worker_headers, "Idempotency-Key": "photo-2"}
    assert upload(client, by_header, report_id, jpeg_with()).status_code == 201
    assert upload(client, by_header, report_id, jpeg_with()).status_code == 200
    assert photo_count() == 2


def test_parallel_uploads_of_one_photo_store_one(app, worker_headers, report_id):
    data = jpeg_with(size=(400, 300))
    answers = parallel(
        app,
        [lambda c: upload(c, worker_headers, report_id, data, client_uuid="photo-x")] * 4,
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json["id"] for a in answers}) == 1
    assert photo_count() == 1


def test_not_a_photo_is_422_naming_the_field(client, worker_headers, report_id):
    response = upload(client, worker_headers, report_id, b"%PDF-1.4 not a photo")
    assert response.status_code == 422
    assert "photos" in response.json["errors"]["files"]
    missing = client.post(
        f"{REPORTS}/{report_id}/photos", data={"client_uuid": "x"}, headers=worker_headers
    )
    assert missing.status_code == 422 and "photos" in missing.json["errors"]["files"]
    assert photo_count() == 0


def test_other_grids_cannot_add_or_see_photos(client, worker_headers, report_id, make_user, auth):
    photo = upload(client, worker_headers, report_id, jpeg_with()).json
    outsider = auth(make_user("grid_worker", ["S2"]))
    assert upload(client, outsider, report_id, jpeg_with()).status_code == 403
    assert client.get(photo["url"], headers=outsider).status_code == 403
    other = client.post(
        REPORTS,
        json=report_body(location={"lon": INSIDE_S2[0], "lat": INSIDE_S2[1]}),
        headers=outsider,
    ).json["id"]
    # A photo id only opens through the report it belongs to.
    assert (
        client.get(f"{REPORTS}/{other}/photos/{photo['id']}", headers=outsider).status_code == 404
    )


def test_archived_reports_take_no_more_photos(client, worker_headers, report_id):
    db.session.get(Report, report_id).status = "archived"
    db.session.commit()
    response = upload(client, worker_headers, report_id, jpeg_with())
    assert response.status_code == 409 and "archived" in response.json["message"]

"""Scan the printed poster, report from a phone-sized Chromium, with and without JavaScript."""

import hashlib
import io

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from app.core.coords import haversine_m
from app.core.spatial import to_shapely
from app.extensions import db
from app.photos.models import Photo
from app.photos.service import storage
from app.reports.models import Report
from tests.helpers.geometry import INSIDE_G1
from tests.helpers.photos import assert_no_metadata
from tests.helpers.public import NAXI_GPS, photo

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
# Where the phone says it is: 200 m east of the poster.
PHONE_AT = (INSIDE_G1[0] + 0.002, INSIDE_G1[1])


@pytest.fixture
def poster_url(client, site, live_server, admin_headers) -> str:
    """The URL read off the printed poster by a real QR decoder."""
    png = client.get(f"/api/v1/qr-sites/{site.id}/poster.png", headers=admin_headers).data
    [symbol] = decode(Image.open(io.BytesIO(png)))
    url = symbol.data.decode()
    assert url.startswith(f"{live_server}/s/")
    # End this thread's transaction: SQLite's writer lock must be free for the server.
    db.session.close()
    return url


@pytest.fixture
def big_photo(tmp_path):
    path = tmp_path / "现场.jpg"
    path.write_bytes(photo(size=(2400, 1800), gps=NAXI_GPS))
    return path


def report_the_problem(page, url: str, photo_path) -> str:
    page.goto(url)
    assert page.locator(".place").inner_text() == "地点：幸福里3号楼"
    page.fill("#description", "3号楼楼道堆满纸箱，堵住了消防通道")
    page.select_option("#category_code", "safety_hazard.fire")
    page.fill("#contact_phone", "138 0013 8000")
    page.set_input_files("#photos", str(photo_path))
    return page


def stored_report(tracking_no: str) -> tuple[Report, list[Photo]]:
    db.session.rollback()
    report = db.session.scalars(select(Report).where(Report.tracking_no == tracking_no)).one()
    photos = list(db.session.scalars(select(Photo).where(Photo.report_id == report.id)))
    return report, photos


def assert_routed_with_a_stripped_photo(report: Report, photos: list[Photo], site) -> None:
    assert (report.channel, report.location_source, report.qr_site_id) == (
        "qr_scan",
        "qr_site",
        site.id,
    )
    assert (report.subdistrict_code, report.area_code, report.unit_code) == ("S1", "G1", "unit-S1")
    assert haversine_m(*to_shapely(report.location).coords[0], *INSIDE_G1) < 1
    assert report.category_code == "safety_hazard.fire" and report.reporter_phone == "13800138000"
    [stored] = photos
    assert max(stored.width, stored.height) <= 1600
    assert_no_metadata(storage().open(stored.storage_key))
    assert_no_metadata(storage().open(stored.thumb_key))


def test_report_from_a_phone_with_javascript(browser, poster_url, site, big_photo):
    context = browser.new_context(
        **PHONE,
        geolocation={"longitude": PHONE_AT[0], "latitude": PHONE_AT[1], "accuracy": 12},
        permissions=["geolocation"],
    )
    page = context.new_page()
    report_the_problem(page, poster_url, big_photo)
    page.wait_for_selector("#loc:has-text('已获取您的位置')")
    page.click("#go")
    page.wait_for_url("**/t/**")
    assert "提交成功" in page.inner_text("h1")
    tracking_no = page.inner_text("#tracking-no")
    context.close()

    report, photos = stored_report(tracking_no)
    assert_routed_with_a_stripped_photo(report, photos, site)
    # The page sent the phone's position beside the site's, and a photo it shrank itself.
    assert haversine_m(*to_shapely(report.device_location).coords[0], *PHONE_AT) < 1
    assert report.device_accuracy_m == 12 and report.far_from_site is False
    assert photos[0].sha256 != hashlib.sha256(big_photo.read_bytes()).hexdigest()
    assert photos[0].exif_lon is None  # the browser's canvas dropped EXIF before upload


def test_report_from_a_phone_without_javascript(browser, poster_url, site, big_photo):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    report_the_problem(page, poster_url, big_photo)
    page.click("#go")
    page.wait_for_url("**/t/**")
    assert "提交成功" in page.inner_text("h1")
    tracking_no = page.inner_text("#tracking-no")

    # A mistake comes back in Chinese next to its field, with the text kept.
    page.goto(poster_url)
    page.fill("#description", "门口有人摆摊")
    page.fill("#contact_phone", "12345")
    page.click("#go")
    assert "手机号格式不对" in page.inner_text("#contact_phone-err")
    assert page.input_value("#description") == "门口有人摆摊"
    context.close()

    report, photos = stored_report(tracking_no)
    assert_routed_with_a_stripped_photo(report, photos, site)
    assert report.device_location is None
    # The original upload, stripped on the server (its EXIF position was read first).
    assert photos[0].sha256 == hashlib.sha256(big_photo.read_bytes()).hexdigest()
    assert photos[0].exif_lon is not None

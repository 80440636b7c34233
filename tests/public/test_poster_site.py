"""The site behind a poster's code, read for each report filed from it (issue 19, h24d): one
Core read, the same answers as the ORM's resolve_code, and an admin's change seen at once."""

import pytest

from app.core.errors import NotFound
from app.extensions import db
from app.qr_sites.models import QrSite
from app.qr_sites.service import (
    CodeGone,
    resolve_code,
    resolve_for_report,
    site_code,
    site_lon_lat,
)
from app.qr_sites.signing import make_code
from app.reports.models import Report

URL = "/api/v1/public/reports"


def test_the_core_read_is_the_site_as_the_orm_reads_it(site, code):
    read = resolve_for_report(code)
    assert read.id == resolve_code(code).id == site.id
    # To the bit: the report is stored at this point.
    assert (read.lon, read.lat) == site_lon_lat(site)


def test_a_reports_point_is_its_sites(client, site, code):
    tracking_no = client.post(URL, json={"site_code": code, "description": "楼道堆满杂物"}).json[
        "tracking_no"
    ]
    stored = db.session.query(Report).filter_by(tracking_no=tracking_no).one()
    assert stored.location_source == "qr_site"
    assert stored.qr_site_id == site.id
    db.session.refresh(site)
    assert site.report_count == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda site: setattr(site, "rotation", site.rotation + 1),
        lambda site: setattr(site, "active", False),
    ],
    ids=["rotated", "disabled"],
)
def test_both_reads_refuse_a_retired_code_alike(site, code, change):
    change(site)
    db.session.commit()
    for resolve in (resolve_code, resolve_for_report):
        with pytest.raises(CodeGone):
            resolve(code)


def test_both_reads_refuse_an_unknown_site_alike(app, site):
    unknown = make_code(site.id + 1000, 0, app.config["SECRET_KEY"])
    for resolve in (resolve_code, resolve_for_report):
        with pytest.raises(NotFound):
            resolve(unknown)
        with pytest.raises(NotFound):
            resolve("AAAAAAAAAAAA")


def test_an_admins_rotation_is_seen_by_the_next_report(client, site, code, admin_headers):
    body = {"site_code": code, "description": "有事"}
    assert client.post(URL, json=body).status_code == 201
    client.post(f"/api/v1/qr-sites/{site.id}/rotate", headers=admin_headers)
    assert client.post(URL, json=body).status_code == 410
    new_code = site_code(db.session.get(QrSite, site.id))
    assert client.post(URL, json={**body, "site_code": new_code}).status_code == 201
    client.delete(f"/api/v1/qr-sites/{site.id}", headers=admin_headers)
    assert client.post(URL, json={**body, "site_code": new_code}).status_code == 410

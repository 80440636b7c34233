"""QR sites screen without a browser: list and sorting, 预览 then 新建码点, CSV, posters, rotate."""

import io
import re

from sqlalchemy import select

from app.audit.models import AdminChange
from app.extensions import db
from app.qr_sites.models import QrSite
from tests.admin_console.conftest import post, token_of
from tests.helpers.geometry import INSIDE_G1, INSIDE_S2


def test_list_sorts_by_scans(admin_client, make_site):
    quiet = make_site("冷清的码点", INSIDE_G1)
    busy = make_site("热闹的码点", INSIDE_S2)
    busy.scan_count, busy.report_count = 40, 3
    db.session.commit()
    page = admin_client.get("/console/admin/qr-sites?sort=scans&dir=desc").get_data(as_text=True)
    assert page.index("热闹的码点") < page.index("冷清的码点")
    assert 'aria-sort="descending"' in page
    page = admin_client.get("/console/admin/qr-sites?sort=scans&dir=asc").get_data(as_text=True)
    assert page.index("冷清的码点") < page.index("热闹的码点")
    assert f'id="site-{quiet.id}"' in page
    assert admin_client.get("/console/admin/qr-sites?sort=evil&dir=x").status_code == 200
    # Never scanned sorts last both ways.
    busy.last_scan_at = quiet.created_at
    db.session.commit()
    for direction in ("asc", "desc"):
        page = admin_client.get(f"/console/admin/qr-sites?sort=last_scan&dir={direction}")
        text = page.get_data(as_text=True)
        assert text.index("热闹的码点") < text.index("冷清的码点"), direction


def test_preview_shows_the_area_then_creates(admin_client, areas):
    form = {"name": "幸福里3号楼", "kind": "building", "lon": str(INSIDE_G1[0]),
            "lat": str(INSIDE_G1[1]), "coord_sys": "wgs84"}  # fmt: skip
    preview = post(admin_client, "/console/admin/qr-sites/new", step="preview", **form)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "一号街道（S1）" in text and "一号网格（G1）" in text and ">新建码点</button>" in text
    assert db.session.scalar(select(QrSite)) is None
    created = post(admin_client, "/console/admin/qr-sites/new", step="create", **form)
    assert created.status_code == 303
    site = db.session.scalar(select(QrSite))
    assert site.subdistrict_code == "S1" and site.area_code == "G1" and site.kind == "building"
    assert created.headers["Location"].endswith(f"/console/admin/qr-sites/{site.id}")
    change = db.session.scalar(select(AdminChange))
    assert change.kind == "qr_site.create" and change.via == "console"


def test_bad_coordinates_are_named_next_to_the_field(admin_client, areas):
    answer = post(admin_client, "/console/admin/qr-sites/new", step="preview", name="",
                  lon="abc", lat="95", coord_sys="wgs84")  # fmt: skip
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="f-name-err"' in text and 'id="f-lon-err"' in text and 'id="f-lat-err"' in text
    far = post(admin_client, "/console/admin/qr-sites/new", step="create", name="远处",
               lon="100", lat="30", coord_sys="wgs84")  # fmt: skip
    assert far.status_code == 422 and "不在任何街道内" in far.get_data(as_text=True)
    assert db.session.scalar(select(QrSite)) is None


def _csv(client, text: str):
    return client.post(
        "/console/admin/qr-sites/import",
        data={"csrf_token": token_of(client, "/console/admin/qr-sites/import"),
              "file": (io.BytesIO(text.encode()), "sites.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip


def test_csv_rows_are_refused_by_number_then_imported(admin_client, areas):
    bad = f"名称,经度,纬度\n甲,{INSIDE_G1[0]},{INSIDE_G1[1]}\n乙,东经,{INSIDE_S2[1]}\n丙,100,30\n"
    answer = _csv(admin_client, bad)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "第 3 行：经度：必须是数字" in text and "第 4 行" in text
    assert db.session.scalar(select(QrSite)) is None
    good = f"名称,经度,纬度\n甲,{INSIDE_G1[0]},{INSIDE_G1[1]}\n乙,{INSIDE_S2[0]},{INSIDE_S2[1]}\n"
    done = _csv(admin_client, good)
    assert done.status_code == 303 and "selected=" in done.headers["Location"]
    assert len(db.session.scalars(select(QrSite)).all()) == 2
    page = admin_client.get(done.headers["Location"]).get_data(as_text=True)
    assert page.count(" checked>") == 2
    assert _csv(admin_client, good).status_code == 303  # again: nothing new
    assert len(db.session.scalars(select(QrSite)).all()) == 2
    kinds = [c.kind for c in db.session.scalars(select(AdminChange))]
    assert kinds == ["qr_site.import"]


def test_posters_rotate_and_disable(admin_client, site, other_site):
    one = admin_client.get(f"/console/admin/qr-sites/posters.pdf?ids={site.id}")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")
    assert "attachment" in one.headers["Content-Disposition"]
    both = admin_client.get(
        f"/console/admin/qr-sites/posters.pdf?ids={site.id}&ids={other_site.id}&per_page=4"
    )
    assert both.status_code == 200 and both.data.startswith(b"%PDF")
    none = admin_client.get("/console/admin/qr-sites/posters.pdf")
    assert none.status_code == 303
    png = admin_client.get(f"/console/admin/qr-sites/{site.id}/poster.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    page = admin_client.get(f"/console/admin/qr-sites/{site.id}").get_data(as_text=True)
    assert "已经印出和张贴的海报会立即失效" in page and 'alt="幸福里3号楼 的码点海报"' in page
    assert post(admin_client, f"/console/admin/qr-sites/{site.id}/rotate").status_code == 303
    assert db.session.get(QrSite, site.id).rotation == 1
    assert post(admin_client, f"/console/admin/qr-sites/{site.id}/disable").status_code == 303
    assert not db.session.get(QrSite, site.id).active
    disabled = admin_client.get(f"/console/admin/qr-sites/posters.pdf?ids={site.id}")
    assert disabled.status_code == 303
    assert admin_client.get(f"/console/admin/qr-sites/{site.id}/poster.png").status_code == 404
    kinds = [c.kind for c in db.session.scalars(select(AdminChange).order_by(AdminChange.id))]
    assert kinds == ["qr_site.rotate", "qr_site.disable"]
    page = admin_client.get("/console/admin/audit?kind=qr_site").get_data(as_text=True)
    assert "更换二维码" in page and "停用码点" in page
    assert re.search(r"二维码版本</span>：0 → 1", page)

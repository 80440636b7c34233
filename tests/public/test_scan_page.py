"""The page behind the code, without JavaScript: plain form posts, errors in Chinese, text kept."""

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.qr_sites.models import QrSite
from app.reports.models import Report
from tests.helpers.forms import with_csrf
from tests.helpers.public import counts, photo, upload

PAGE_BUDGET = 30 * 1024


class Resources(HTMLParser):
    """Everything a page would fetch: scripts, styles, images, fonts, frames."""

    def __init__(self):
        super().__init__()
        self.fetched: list[str] = []
        self.inline_bytes = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.fetched.append(attrs["src"])
        if tag == "link":
            self.fetched.append(attrs.get("href", ""))


def form_post(client, code, **fields):
    data = {"description": "楼道堆满杂物，堵住消防通道", **fields}
    return client.post(
        f"/s/{code}", data=with_csrf(client, data), content_type="multipart/form-data"
    )


def test_page_is_chinese_light_and_self_contained(client, site, code):
    response = client.get(f"/s/{code}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "幸福里3号楼" in html and "扫码反映问题" in html
    for name in ("description", "category_code", "contact_phone", "photos", "website"):
        assert f'name="{name}"' in html
    assert "邻里纠纷" in html and "噪音扰民" in html
    # The page is the HTML and one small script of this site (the duplicate hint): nothing
    # from another site is fetched.
    assert len(response.data) < PAGE_BUDGET
    parser = Resources()
    parser.feed(html)
    assert parser.fetched == ["/static/public/similar.js"]
    assert not re.search(r"@import|url\(|https?://(?!127\.0\.0\.1)", html)


def test_every_view_counts_a_scan(client, site, code):
    for _ in range(3):
        client.get(f"/s/{code}")
    db.session.expire_all()
    scanned = db.session.get(QrSite, site.id)
    assert scanned.scan_count == 3 and scanned.last_scan_at is not None


def swapped(code: str) -> str:
    """Two neighbouring characters swapped, the last pair that differs: swapping a pair of equal
    ones (a code ending in 「…KK」) would change nothing, and the test would fail by chance."""
    for i in range(len(code) - 2, -1, -1):
        if code[i] != code[i + 1]:
            return code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    raise AssertionError(f"a code of one repeated character: {code}")


@pytest.mark.parametrize(
    ("mangle", "status", "words"),
    [
        (swapped, 404, "无法识别"),
        (lambda code: "ZZZZ", 404, "无法识别"),
    ],
    ids=["swapped", "made-up"],
)
def test_bad_codes_get_a_chinese_page(client, site, code, mangle, status, words):
    response = client.get(f"/s/{mangle(code)}")
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert form_post(client, mangle(code)).status_code == status
    assert counts() == (0, 0)


def test_lower_case_codes_work(client, site, code):
    assert client.get(f"/s/{code.lower()}").status_code == 200


def test_rotated_and_disabled_pages_say_so_and_accept_nothing(client, site, code, admin_headers):
    client.post(f"/api/v1/qr-sites/{site.id}/rotate", headers=admin_headers)
    rotated = client.get(f"/s/{code}")
    assert rotated.status_code == 410 and "已更换" in rotated.get_data(as_text=True)
    new_code = client.get(f"/api/v1/qr-sites/{site.id}", headers=admin_headers).json["code"]
    client.delete(f"/api/v1/qr-sites/{site.id}", headers=admin_headers)
    disabled = client.get(f"/s/{new_code}")
    assert disabled.status_code == 410 and "已停用" in disabled.get_data(as_text=True)
    assert form_post(client, new_code).status_code == 410
    assert counts() == (0, 0)


def test_form_post_files_the_report_and_shows_the_tracking_number(client, site, code):
    response = form_post(
        client, code, contact_phone="13800138000", category_code="safety_hazard.fire",
        photos=[upload(photo())],
    )  # fmt: skip
    assert response.status_code == 303
    assert re.match(r"^/t/JF\w+\?key=[\w-]+&new=1$", response.location)
    page = client.get(response.location).get_data(as_text=True)
    stored = db.session.scalars(select(Report)).one()
    assert stored.tracking_no in page and "提交成功" in page and "消防隐患" in page
    assert (stored.qr_site_id, stored.subdistrict_code, stored.channel) == (
        site.id,
        "S1",
        "qr_scan",
    )
    assert counts() == (1, 1)


def test_errors_are_shown_next_to_the_field_and_the_text_is_kept(client, site, code):
    response = form_post(client, code, description="  ", contact_phone="12345")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="description-err">请描述发生了什么<', html)
    assert re.search(r'id="contact_phone-err">手机号格式不对', html)
    assert 'value="12345"' in html
    described = form_post(client, code, description="邻居装修太吵", category_code="neighbour",
                          contact_phone="123")  # fmt: skip
    html = described.get_data(as_text=True)
    assert "邻居装修太吵</textarea>" in html
    assert '<option value="neighbour" selected>' in html
    assert counts() == (0, 0)


def test_a_bad_photo_brings_the_form_back_with_the_text(client, site, code):
    response = form_post(
        client, code, description="电线乱拉", photos=[upload(photo()), upload(b"%PDF-1.4", "x.pdf")]
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "电线乱拉</textarea>" in html
    assert "x.pdf：只支持 JPEG、PNG、WebP 格式的照片" in html and "文字已保留" in html
    assert counts() == (0, 0)


def test_a_resubmitted_page_is_one_report(client, site, code):
    html = client.get(f"/s/{code}").get_data(as_text=True)
    client_uuid = re.search(r'name="client_uuid" value="([\w-]+)"', html).group(1)
    first = form_post(client, code, client_uuid=client_uuid)
    again = form_post(client, code, client_uuid=client_uuid)
    assert first.location == again.location
    edited = form_post(client, code, client_uuid=client_uuid, description="补充：还有电瓶车")
    assert edited.status_code == 303 and edited.location != first.location
    assert counts() == (2, 0)


def test_the_pages_keys_sort_in_the_order_they_were_made(client, site, code):
    """Time first (the unique index on client_uuid grows at its end), then 128 random bits."""
    import time

    keys = []
    for _ in range(3):
        html = client.get(f"/s/{code}").get_data(as_text=True)
        keys.append(re.search(r'name="client_uuid" value="([\w-]+)"', html).group(1))
        time.sleep(0.002)
    assert keys == sorted(keys) and len(set(keys)) == 3
    made_at = int(keys[-1][:12], 16) / 1000
    assert abs(made_at - time.time()) < 60 and len(keys[-1].split("-", 1)[1]) == 22


def test_the_honeypot_drops_bots(client, site, code):
    response = form_post(client, code, website="http://spam.example")
    assert response.status_code == 200 and "感谢" in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_a_broken_position_from_the_script_is_dropped_not_shown(client, site, code):
    response = form_post(client, code, lon="abc", lat="28.7", accuracy="-5")
    assert response.status_code == 303
    stored = db.session.scalars(select(Report)).one()
    assert stored.device_location is None and stored.location_source == "qr_site"


def test_a_body_too_big_to_read_gets_413_in_both_forms(client, code, monkeypatch):
    from app.public import pages

    monkeypatch.setattr(pages, "MAX_FORM_BYTES", 1000)
    data = {"description": "有事", "photos": [upload(bytes(5000), "a.jpg")]}
    page = client.post(
        f"/s/{code}", data=with_csrf(client, data), content_type="multipart/form-data"
    )
    assert page.status_code == 413 and "上传的内容太大" in page.get_data(as_text=True)
    data = {"site_code": code, **data, "photos": [upload(bytes(5000), "a.jpg")]}
    api = client.post("/api/v1/public/reports", data=data, content_type="multipart/form-data")
    assert api.status_code == 413 and api.json["code"] == 413
    assert counts() == (0, 0)

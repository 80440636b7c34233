"""The admin's areas and QR-site screens in headless Chromium (Debian's), on both databases.

From a database with only an admin (and one cleaner, to be refused): a district file with one bad
feature is rejected with the feature named and nothing stored, then fixed and imported; a QR site
is placed by a click on the map, previewed, created; its poster is downloaded and the QR in it
decodes to the scan URL; every admin page passes axe-core.
"""

import copy
import io
import json

import pytest
from pypdf import PdfReader
from pyzbar.pyzbar import decode
from sqlalchemy import func, select

from app import create_app
from app.areas.models import Area
from app.audit.models import AdminChange
from app.categories.seed import seed_categories
from app.extensions import db
from app.qr_sites.models import QrSite
from app.qr_sites.service import site_url
from app.triage.seed import seed_rules
from tests.conftest import TEST_PASSWORD, _empty_tables, base_config
from tests.console.a11y import serious_violations
from tests.helpers.geometry import INSIDE_G1, TEST_AREAS
from tests.helpers.live import served
from tests.helpers.screenshots import screenshot_dir

pytestmark = pytest.mark.browser

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """An empty database with one admin and one cleaner, served on a real socket."""
    from app.accounts.service import create_user

    app = create_app(base_config(database_url))
    with app.app_context():
        _empty_tables()
        seed_categories()
        seed_rules()
        create_user("guanli", TEST_PASSWORD, ["admin"], [], None, "管理员老李")
        create_user("qingxi", TEST_PASSWORD, ["cleaner"], [], None, "清洗员小王")
        db.session.commit()
        with served(app) as base:
            yield {
                "base": base,
                "app": app,
                "dialect": db.engine.dialect.name,
                "screenshots": screenshot_dir(tmp_path_factory.mktemp("screenshots")),
            }


def count(model) -> int:
    value = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()  # end the read: the server thread writes next (SQLite)
    return value


class Admin:
    def __init__(self, browser, world, js: bool = True, device=DESK):
        self.world, self.js = world, js
        self.context = browser.new_context(java_script_enabled=js, accept_downloads=True, **device)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())

    def go(self, path: str):
        return self.page.goto(self.world["base"] + path)

    def sign_in(self, username: str = "guanli") -> None:
        self.go("/console/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(TEST_PASSWORD)
        self.click("登录")

    def click(self, name: str, within=None) -> None:
        (within or self.page).get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def axe(self, name: str) -> None:
        if self.js:
            assert serious_violations(self.page) == [], name

    def shot(self, name: str) -> None:
        """Screenshots for the README, from the SQLite run with script (tests/helpers/screenshots)."""
        if self.js and self.world["dialect"] == "sqlite":
            folder = self.world["screenshots"]
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def main(self) -> str:
        return self.page.inner_text("main")


def write_geojson(path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False))
    return str(path)


def click_on_map(page, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn: the frame is on the picture's data- attributes."""
    svg = page.locator("#pick-map")
    d = svg.evaluate("e => Object.assign({}, e.dataset)")
    west, south, squash, scale = (float(d[k]) for k in ("west", "south", "squash", "scale"))
    height, pad = float(d["height"]), float(d["pad"])
    x = pad + (lon - west) * squash * scale
    y = height - pad - (lat - south) * scale
    box = svg.bounding_box()
    width_units = float(svg.evaluate("e => e.viewBox.baseVal.width"))
    ratio = box["width"] / width_units
    svg.click(position={"x": x * ratio, "y": y * ratio})


def qr_urls_in_pdf(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        for image in page.images:
            found += [s.data.decode() for s in decode(image.image.convert("L"))]
    return found


def test_areas_and_a_qr_site_from_an_empty_database(browser, world, tmp_path):
    app = world["app"]
    admin = Admin(browser, world)
    admin.sign_in()
    admin.page.get_by_role("link", name="系统管理", exact=True).click()
    assert admin.page.url.endswith("/console/admin/areas")
    assert "还没有区域" in admin.main()
    admin.axe("areas-empty")

    # A district file with one bad feature: rejected, the feature named, nothing stored.
    bad = copy.deepcopy(TEST_AREAS)
    bad["features"][3]["properties"]["parent_code"] = "S9"
    admin.page.get_by_label("GeoJSON 文件").set_input_files(
        write_geojson(tmp_path / "d.geojson", bad)
    )
    admin.page.get_by_label("WGS84（GPS、国家标准）").check()
    admin.click("上传")
    assert "文件不合格，没有导入任何内容" in admin.page.inner_text("#verdict")
    row = admin.page.inner_text("#feature-3")
    assert "C1" in row and "上级区域 S9 不存在" in row
    assert admin.page.get_by_role("button", name="确认导入").count() == 0
    assert admin.page.locator("svg .upload.bad").count() == 1
    admin.axe("area-preview-refused")
    admin.shot("admin-area-preview")
    with app.app_context():
        assert count(Area) == 0

    # Fixed and uploaded again from the preview page, then 确认导入.
    admin.page.get_by_label("GeoJSON 文件").set_input_files(
        write_geojson(tmp_path / "d-fixed.geojson", TEST_AREAS)
    )
    admin.click("上传")
    assert "将新建 5 个" in admin.page.inner_text("#verdict")
    admin.axe("area-preview-good")
    with app.app_context():
        assert count(Area) == 0  # still only a preview
    admin.click("确认导入")
    assert "已导入：新建 5 个" in admin.main()
    assert "一号网格" in admin.page.inner_text("#area-G1")
    admin.axe("areas-tree")
    with app.app_context():
        assert count(Area) == 5

    # A QR site placed by a click on the sub-district map, previewed, then created.
    admin.page.get_by_role("navigation", name="系统管理").get_by_role("link", name="码点").click()
    admin.axe("qr-sites-empty")
    admin.click("新建码点")
    admin.page.get_by_label("名称").fill("幸福里3号楼")
    admin.page.get_by_label("类型").select_option(label="楼栋")
    click_on_map(admin.page, *INSIDE_G1)
    lon = float(admin.page.get_by_label("经度").input_value())
    lat = float(admin.page.get_by_label("纬度").input_value())
    assert abs(lon - INSIDE_G1[0]) < 0.003 and abs(lat - INSIDE_G1[1]) < 0.003
    admin.axe("qr-site-new")
    admin.click("预览")
    derived = admin.page.inner_text("#derived")
    assert "一号街道（S1）" in derived and "一号网格（G1）" in derived
    with app.app_context():
        assert count(QrSite) == 0
    admin.axe("qr-site-preview")
    admin.shot("admin-qr-site-new")
    admin.click("新建码点")
    assert "已新建码点“幸福里3号楼”" in admin.main()
    assert admin.page.get_by_role("img", name="幸福里3号楼 的码点海报").is_visible()
    admin.axe("qr-site")
    admin.shot("admin-qr-site")

    # 打印海报: the A4 PDF downloads and its QR decodes to the site's scan URL.
    with admin.page.expect_download() as download:
        admin.click("打印海报")
    download.value.save_as(str(tmp_path / "poster.pdf"))
    pdf = (tmp_path / "poster.pdf").read_bytes()
    with app.app_context():
        site = db.session.scalar(select(QrSite))
        url = site_url(site)
        db.session.commit()
    assert url.startswith(world["base"] + "/s/")
    assert qr_urls_in_pdf(pdf) == [url]
    scan = admin.context.new_page()
    assert scan.goto(url).status == 200
    scan.close()

    # 更换二维码: after the warning, the printed code stops working.
    assert "已经印出和张贴的海报会立即失效" in admin.main()
    admin.click("更换二维码")
    assert "以前印的海报已停止使用" in admin.main()
    stale = admin.context.new_page()
    assert stale.goto(url).status == 410
    stale.close()

    # 批量导入 with a bad row: the row named, nothing imported.
    admin.go("/console/admin/qr-sites/import")
    csv_path = tmp_path / "sites.csv"
    csv_path.write_text("名称,经度,纬度\n甲,105.32,28.72\n乙,东经,28.77\n", encoding="utf-8")
    admin.page.get_by_label("CSV 文件").set_input_files(str(csv_path))
    admin.click("批量导入")
    assert "第 3 行：经度：必须是数字" in admin.main()
    admin.axe("qr-import-refused")
    with app.app_context():
        assert count(QrSite) == 1

    admin.go("/console/admin/qr-sites?sort=scans&dir=desc")
    assert "幸福里3号楼" in admin.page.inner_text("#sites")
    admin.axe("qr-sites")
    # 停用 from the list (the row's own button, confirmed in a dialog).
    row = admin.page.get_by_role("row").filter(has_text="幸福里3号楼")
    admin.click("停用", within=row)
    assert "已停用" in admin.main()
    with app.app_context():
        assert not db.session.scalar(select(QrSite)).active
        db.session.commit()
    admin.page.get_by_role("navigation", name="系统管理").get_by_role(
        "link", name="操作记录"
    ).click()
    text = admin.main()
    assert "导入区域" in text and "新建码点" in text and "更换二维码" in text and "停用码点" in text
    admin.axe("audit")
    with app.app_context():
        assert count(AdminChange) == 4
    admin.context.close()

    # Anyone else: 403 on the admin pages.
    cleaner = Admin(browser, world)
    cleaner.sign_in("qingxi")
    for path in ("/console/admin/areas", "/console/admin/qr-sites", "/console/admin/audit"):
        assert cleaner.go(path).status == 403
        assert "无权访问" in cleaner.main()
    cleaner.context.close()


def test_a_qr_site_by_typed_coordinates_without_script_on_a_phone(browser, world):
    """No script: the coordinates are typed; the page fits a phone."""
    app = world["app"]
    with app.app_context():
        if count(Area) == 0:  # this test may run alone
            from app.areas.importer import import_feature_collection

            import_feature_collection(TEST_AREAS)
            db.session.commit()
    admin = Admin(browser, world, js=False, device=PHONE)
    admin.sign_in()
    admin.go("/console/admin/qr-sites/new")
    admin.page.get_by_label("名称").fill("二号街道菜市场")
    admin.page.get_by_label("经度").fill("105.45")
    admin.page.get_by_label("纬度").fill("28.77")
    admin.click("预览")
    assert "二号街道（S2）" in admin.page.inner_text("#derived")
    admin.click("新建码点")
    assert "已新建码点“二号街道菜市场”" in admin.main()
    width = admin.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the QR site page scrolls sideways on a phone"
    admin.context.close()

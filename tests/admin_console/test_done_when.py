"""Issue 16's "done when", in one browser walk: a centre set up from an empty database by a
signed-in admin alone, with the screens only (headless Chromium, both databases).

Areas from a district file (one bad feature refused and named, nothing stored; fixed and
imported), a unit and a responder scoped to a sub-district, a QR site placed by a click on the
map whose poster's QR decodes to the scan URL, a rule that 试一试 shows firing, a deadline
policy, a webhook with a test delivery to a receiver started here; then the responder signs
in with the one-time password, chooses their own, and sees the unit workbench. A resident's
report through the new poster is then routed to the sub-district, sorted by the new rule,
and announced to the new subscription.
"""

import copy
import hashlib
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from app import create_app
from app.accounts.service import create_user
from app.areas.models import Area
from app.categories.seed import seed_categories
from app.extensions import db
from app.reports.models import Report
from app.triage.models import ReportSuggestion
from app.triage.seed import seed_rules
from app.webhooks.delivery import Settings, deliver_due
from app.workflow.seed import seed_workflow
from tests.admin_console.test_browser import (
    PHONE,
    Admin,
    click_on_map,
    qr_urls_in_pdf,
    write_geojson,
)
from tests.conftest import TEST_PASSWORD, _empty_tables, base_config
from tests.helpers.geometry import INSIDE_G1, TEST_AREAS
from tests.helpers.live import served
from tests.helpers.screenshots import screenshot_dir

pytestmark = pytest.mark.browser
RULE_TEXT = "幸福里3号楼楼道堆物，把消防通道堵死了"


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Receiver.received.append((dict(self.headers), self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """What a freshly migrated database holds (categories, the seeded rules and the default
    deadline policies come with the migrations) and one admin; nothing else."""
    app = create_app({**base_config(database_url), "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"})
    with app.app_context():
        _empty_tables()
        seed_categories()
        seed_rules()
        seed_workflow()
        create_user("guanli", TEST_PASSWORD, ["admin"], [], None, "管理员老李")
        db.session.commit()
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        with served(app, receiver) as base:
            yield {
                "base": base,
                "app": app,
                "dialect": db.engine.dialect.name,
                "receiver": f"http://127.0.0.1:{receiver.server_port}/jiefen",
                "screenshots": screenshot_dir(tmp_path_factory.mktemp("screenshots")),
            }


def in_db(world, read):
    with world["app"].app_context():
        try:
            return read()
        finally:
            db.session.commit()  # end the read: the server thread writes next (SQLite)
            db.session.remove()


def test_a_centre_set_up_from_an_empty_database_with_the_screens_alone(browser, world, tmp_path):
    admin = Admin(browser, world)
    page = admin.page
    admin.sign_in()
    nav = page.get_by_role("navigation", name="系统管理")

    # Areas: a district file with one bad feature is refused, named, and nothing is stored.
    page.get_by_role("link", name="系统管理", exact=True).click()
    bad = copy.deepcopy(TEST_AREAS)
    bad["features"][2]["geometry"]["coordinates"] = [[[105.0, 28.0], [105.1, 28.1], [105.0, 28.0]]]
    page.get_by_label("GeoJSON 文件").set_input_files(write_geojson(tmp_path / "bad.json", bad))
    admin.click("上传")
    assert "文件不合格，没有导入任何内容" in page.inner_text("#verdict")
    assert "S2" in page.inner_text("#feature-2")
    assert page.get_by_role("button", name="确认导入").count() == 0
    assert in_db(world, lambda: db.session.scalar(select(func.count(Area.id)))) == 0
    page.get_by_label("GeoJSON 文件").set_input_files(
        write_geojson(tmp_path / "ok.json", TEST_AREAS)
    )
    admin.click("上传")
    admin.click("确认导入")
    assert "已导入：新建 5 个" in admin.main()

    # A unit for the sub-district, and a responder scoped to it (from lists, not codes).
    nav.get_by_role("link", name="单位").click()
    admin.click("新建单位")
    page.get_by_label("编码").fill("unit-S1")
    page.get_by_label("名称").fill("一号街道综治中心")
    page.get_by_label("类型").select_option(label="镇/街道")
    page.get_by_label("负责区域").select_option(label="　一号街道（镇/街道）")
    admin.click("新建单位")
    assert "已新建单位 一号街道综治中心" in admin.main()
    nav.get_by_role("link", name="用户").click()
    admin.click("新建用户")
    page.get_by_label("用户名").fill("xiaozhang")
    page.get_by_label("姓名").fill("小张")
    page.get_by_label("承办单位", exact=True).check()
    page.get_by_label("辖区").select_option(label="　一号街道（镇/街道）")
    page.get_by_label("所属单位").select_option(label="一号街道综治中心")
    admin.click("新建用户")
    one_time = page.inner_text("#one-time-password").strip()

    # A QR site by a click on the sub-district map; its poster's QR decodes to the scan URL.
    nav.get_by_role("link", name="码点").click()
    admin.click("新建码点")
    page.get_by_label("名称").fill("幸福里3号楼")
    click_on_map(page, *INSIDE_G1)
    admin.click("预览")
    assert "一号街道（S1）" in page.inner_text("#derived")
    admin.click("新建码点")
    with page.expect_download() as download:
        admin.click("打印海报")
    download.value.save_as(str(tmp_path / "poster.pdf"))
    [scan_url] = qr_urls_in_pdf((tmp_path / "poster.pdf").read_bytes())
    assert scan_url.startswith(world["base"] + "/s/")

    # A rule, seen firing in 试一试 before it is saved.
    nav.get_by_role("link", name="规则").click()
    admin.click("新建规则")
    page.get_by_role("radio", name="类别规则").check()
    page.get_by_label("内容", exact=True).fill("楼道堆物")
    page.get_by_label("类别", exact=True).select_option(label="安全隐患 / 消防隐患")
    page.get_by_label("试一试：粘贴一段反映内容").fill(RULE_TEXT)
    admin.click("试一试")
    assert "本规则" in page.inner_text("#trial-fired")
    assert page.inner_text("#trial-category").strip() == "安全隐患 / 消防隐患"
    admin.shot("admin-rule-trial")
    admin.click("新建规则")
    assert "已新建规则" in admin.main()

    # A deadline policy for that category.
    nav.get_by_role("link", name="时限").click()
    page.get_by_label("新增：类别").select_option(label="安全隐患 / 消防隐患")
    page.get_by_label("新增：风险等级").select_option(label="一般")
    page.get_by_label("新增 签收时限", exact=True).fill("2")
    page.get_by_label("新增 签收时限单位").select_option(label="小时")
    page.get_by_label("新增 办结时限", exact=True).fill("3")
    page.get_by_label("新增 办结时限单位").select_option(label="工作日")
    admin.click("保存")
    assert "已保存 1 处时限修改" in admin.main()
    assert "安全隐患 / 消防隐患 · 一般" in page.inner_text("#policies")
    admin.shot("admin-deadlines")

    # A webhook, and a signed test delivery to the receiver this test started.
    nav.get_by_role("link", name="订阅").click()
    admin.click("新建订阅")
    page.get_by_label("接收地址").fill(world["receiver"])
    admin.click("新建订阅")
    secret = page.inner_text("#webhook-secret").strip()
    page.get_by_role("link", name="返回订阅列表").click()
    Receiver.received = []
    admin.click("发送测试")
    assert "测试推送已送达" in admin.main()
    [(headers, body)] = Receiver.received
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Jiefen-Signature"] == signature
    admin.context.close()

    # The responder: the one-time password, their own, then the unit workbench.
    responder = Admin(browser, world, device=PHONE)
    responder.go("/console/login")
    responder.page.get_by_label("用户名").fill("xiaozhang")
    responder.page.get_by_label("密码").fill(one_time)
    responder.click("登录")
    responder.page.get_by_label("当前密码").fill(one_time)
    responder.page.get_by_label("新密码", exact=True).fill("xiaozhang-own-1")
    responder.page.get_by_label("再次输入新密码").fill("xiaozhang-own-1")
    responder.click("修改密码")
    assert responder.page.url.endswith("/console/cases")
    assert responder.page.inner_text("h1") == "本单位案件"
    assert "一号街道综治中心" in responder.page.inner_text("header")

    # What was set up is what intake now uses: a resident scans the new poster.
    resident = responder.context.new_page()
    resident.goto(scan_url)
    resident.fill("#description", RULE_TEXT)
    resident.get_by_role("button", name="提交", exact=True).click()
    resident.wait_for_load_state()
    responder.context.close()

    def filed():
        report = db.session.scalars(select(Report)).one()
        suggestion = db.session.get(ReportSuggestion, report.id)
        return report.subdistrict_code, suggestion.suggested_category_code, report.channel

    assert in_db(world, filed) == ("S1", "safety_hazard.fire", "qr_scan")
    Receiver.received = []
    outcomes = in_db(world, lambda: deliver_due(Settings(timeout=5)))
    assert outcomes["delivered"] == 1
    [(headers, body)] = Receiver.received
    assert headers["X-Jiefen-Event"] == "report.created"
    assert json.loads(body)["report"]["subdistrict_code"] == "S1"

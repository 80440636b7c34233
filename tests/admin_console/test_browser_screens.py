"""Users, units, rules, deadlines and webhooks in headless Chromium: each screen used as an admin
uses it (controls found by their Chinese names), axe-core on every page, and the responder the
admin made signing in with the one-time password, choosing their own, and reaching the workbench.
"""

import hashlib
import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.models import User
from app.accounts.service import create_user
from app.areas.importer import import_feature_collection
from app.categories.seed import seed_categories
from app.extensions import db
from app.triage.models import TriageRule
from app.triage.seed import seed_rules
from app.units.service import create_unit
from app.webhooks.models import WebhookSubscription
from app.workflow.models import CalendarDay, DeadlinePolicy
from app.workflow.seed import seed_workflow
from tests.conftest import TEST_PASSWORD, _empty_tables, base_config
from tests.console.a11y import serious_violations
from tests.geometry import TEST_AREAS
from tests.helpers.live import served

pytestmark = pytest.mark.browser
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        Receiver.received.append(
            (dict(self.headers), self.rfile.read(int(self.headers["Content-Length"])))
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def world(database_url):
    app = create_app({**base_config(database_url), "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"})
    with app.app_context():
        _empty_tables()
        seed_categories()
        seed_rules()
        seed_workflow()
        import_feature_collection(TEST_AREAS)
        create_unit("unit-S1", "一号街道综治中心", "subdistrict", "S1")
        create_user("guanli", TEST_PASSWORD, ["admin"], [], None, "管理员老李")
        create_user("duban", TEST_PASSWORD, ["supervisor"], ["D"], None, "督办领导")
        db.session.commit()
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        with served(app, receiver) as base:
            yield {"base": base, "receiver": f"http://127.0.0.1:{receiver.server_port}", "app": app}


class Admin:
    def __init__(self, browser, world, device=DESK):
        self.world = world
        self.context = browser.new_context(**device)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())

    def go(self, path: str):
        return self.page.goto(self.world["base"] + path)

    def sign_in(self, username: str, password: str = TEST_PASSWORD) -> None:
        self.go("/console/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.click("登录")

    def click(self, name: str, within=None) -> None:
        (within or self.page).get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def accessible(self, what: str) -> None:
        assert serious_violations(self.page) == [], what

    def main(self) -> str:
        return self.page.inner_text("main")


def test_the_admin_screens_in_chromium(browser, world):
    admin = Admin(browser, world)
    admin.sign_in("guanli")
    page = admin.page

    # Units: 新建单位 with its area chosen from the list.
    admin.go("/console/admin/units")
    admin.accessible("units")
    admin.click("新建单位")
    admin.accessible("unit form")
    admin.click("新建单位")  # nothing filled in: errors next to the fields
    assert "请填写编码" in page.inner_text("#f-code-err")
    admin.accessible("unit form with errors")
    page.get_by_label("编码").fill("unit-C1")
    page.get_by_label("名称").fill("一号社区调委会")
    page.get_by_label("类型").select_option(label="村/社区")
    page.get_by_label("负责区域").select_option(value="C1")
    admin.click("新建单位")
    assert "已新建单位 一号社区调委会" in admin.main()
    assert "一号社区（村/社区）" not in admin.main() and "一号社区" in page.inner_text("#units")

    # Users: 新建用户 with role, scope and unit from lists; the one-time password shown once.
    admin.go("/console/admin/users")
    admin.accessible("users")
    admin.click("新建用户")
    admin.accessible("user form")
    page.get_by_label("用户名").fill("xiaozhang")
    page.get_by_label("姓名").fill("小张")
    page.get_by_label("承办单位", exact=True).check()
    page.get_by_label("辖区").select_option(value="S1")
    page.get_by_label("所属单位").select_option(label="一号街道综治中心")
    admin.click("新建用户")
    password = page.inner_text("#one-time-password").strip()
    assert "只显示这一次" in admin.main() and len(password) == 12
    admin.accessible("one-time password")
    admin.go("/console/admin/users")
    row = page.get_by_role("row", name="duban")
    admin.click("停用", within=row)
    assert "已停用用户 duban" in admin.main()
    assert "已停用" in page.get_by_role("row", name="duban").inner_text()
    mine = page.get_by_role("row", name="guanli")
    admin.click("停用", within=mine)
    assert "不能停用自己" in page.inner_text("#refusal")
    admin.go("/console/admin/users")
    admin.click("重置密码", within=page.get_by_role("row", name="duban"))
    assert "已重置密码：duban" in admin.main()

    # Rules: 试一试 before saving, then 新建规则, then retire it.
    admin.go("/console/admin/rules")
    admin.accessible("rules")
    page.get_by_label("试一试：粘贴一段反映内容").fill("他拿着刀在楼下喊要砍人")
    admin.click("试一试")
    assert page.inner_text("#trial-risk").strip() == "紧急"
    admin.accessible("rules with a trial")
    admin.click("新建规则")
    page.get_by_role("radio", name="风险规则").check()
    page.get_by_label("匹配方式").select_option(label="包含关键词")
    page.get_by_label("内容", exact=True).fill("煤气味")
    page.get_by_label("风险等级", exact=True).select_option(label="重大")
    page.get_by_label("试一试：粘贴一段反映内容").fill("三楼楼道里一股煤气味，好几个小时了")
    admin.click("试一试")
    assert "本规则" in page.inner_text("#trial-fired")
    assert page.inner_text("#trial-risk").strip() == "重大"
    admin.accessible("rule trial")
    admin.click("新建规则")
    assert "已新建规则" in admin.main()
    rule = page.get_by_role("row", name="煤气味")
    admin.click("停用", within=rule)
    assert "已停用规则" in admin.main()

    # Deadlines: one table, 保存; the calendar with holidays and 调休, a day edited, a year imported.
    admin.go("/console/admin/deadlines?year=2026")
    admin.accessible("deadlines")
    page.get_by_label("全部类别（默认） · 重大 办结时限", exact=True).fill("2")
    admin.click("保存")
    assert "已保存 1 处时限修改" in admin.main()
    assert "国庆节" in page.locator("#special-days").text_content()
    page.get_by_role("link", name="10月10日 国庆节调休 上班", exact=True).click()
    page.get_by_role("radio", name="休息日（放假）").check()
    page.get_by_label("名称").fill("台风停工")
    admin.click("保存日期")
    assert "已保存 2026-10-10" in admin.main()
    admin.go("/console/admin/deadlines?year=2027")
    assert "2027 年目前按“周一至周五上班”计算" in admin.main()
    page.get_by_label("导入内容").fill(
        "2027-10-01~2027-10-07,休,国庆节\n2027-09-26,班,国庆节调休\n"
    )
    admin.click("导入")
    assert "已导入 8 天的安排" in admin.main()
    admin.accessible("calendar 2027")

    # Webhooks: 新建订阅 (the secret shown once), 发送测试 to a receiver started by the test.
    admin.go("/console/admin/webhooks")
    admin.accessible("webhooks")
    admin.click("新建订阅")
    page.get_by_label("接收地址").fill(world["receiver"] + "/jiefen")
    page.get_by_label("结案").uncheck()
    page.get_by_label("说明").fill("12345 热线平台")
    admin.click("新建订阅")
    secret = page.inner_text("#webhook-secret").strip()
    admin.accessible("webhook secret")
    admin.go("/console/admin/webhooks")
    Receiver.received = []
    admin.click("发送测试")
    assert "测试推送已送达" in admin.main()
    [(headers, body)] = Receiver.received
    assert (
        headers["X-Jiefen-Signature"]
        == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    )
    assert json.loads(body)["event"] == "webhook.test"

    # The audit lists every change made above.
    admin.go("/console/admin/audit")
    audit = admin.main()
    for kind in ("新建单位", "新建用户", "停用用户", "重置密码", "新建规则", "停用规则", "修改时限",
                 "修改工作日历", "导入工作日历", "新建订阅", "发送测试"):  # fmt: skip
        assert kind in audit, kind
    admin.context.close()

    # Every one of these pages fits a phone (tables scroll inside their own box).
    phone = Admin(browser, world, PHONE)
    phone.sign_in("guanli")
    for path in ("users", "users/new", "units", "units/new", "rules", "rules/new",
                 "deadlines", "webhooks", "webhooks/new"):  # fmt: skip
        phone.go(f"/console/admin/{path}")
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"/console/admin/{path} scrolls sideways on a phone ({width}px)"
    phone.context.close()

    # The responder made above: one-time password, their own, then the unit workbench (phone).
    responder = Admin(browser, world, PHONE)
    responder.sign_in("xiaozhang", password)
    assert "/console/password" in responder.page.url
    responder.accessible("change password")
    responder.page.get_by_label("当前密码").fill(password)
    responder.page.get_by_label("新密码", exact=True).fill("xiaozhang-2026")
    responder.page.get_by_label("再次输入新密码").fill("xiaozhang-2026")
    responder.click("修改密码")
    assert responder.page.url.endswith("/console/cases")
    assert "一号街道综治中心" in responder.page.inner_text("header")
    assert responder.go("/console/admin/users").status == 403
    responder.context.close()

    with world["app"].app_context():
        user = db.session.scalars(select(User).where(User.username == "xiaozhang")).one()
        assert not user.must_change_password and user.unit_code == "unit-S1"
        assert (
            db.session.scalars(select(TriageRule).where(TriageRule.pattern == "煤气味"))
            .one()
            .active
            is False
        )
        assert (
            db.session.scalar(select(CalendarDay.kind).where(CalendarDay.name == "台风停工"))
            == "holiday"
        )
        high = db.session.scalars(
            select(DeadlinePolicy).where(
                DeadlinePolicy.risk_level == "high", DeadlinePolicy.category_code.is_(None)
            )
        ).one()
        assert high.resolve_within == 2
        assert db.session.scalars(select(WebhookSubscription)).one().events[-1] != "report.closed"
        db.session.remove()

"""The grid worker's app in headless Chromium on a phone: sign in, file online, file offline,
reopen from the service worker, sync (with answers lost on the way), correct a rejected item,
my grids' cases, a call-back, sign out.

One app and live server per module (per database), as the console's browser test does.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import create_app
from app.accounts.models import User
from app.accounts.service import create_user
from app.areas.importer import import_feature_collection
from app.categories.seed import seed_categories
from app.categories.service import retire_category
from app.core.clock import now
from app.extensions import db
from app.photos.models import Photo
from app.reports.models import Report
from app.triage.seed import seed_rules
from app.units.service import create_unit
from tests.conftest import TEST_PASSWORD, _empty_tables, base_config
from tests.console.a11y import serious_violations
from tests.helpers.cases import add_case
from tests.helpers.geometry import INSIDE_G1, TEST_AREAS
from tests.helpers.live import served
from tests.helpers.public import photo
from tests.helpers.screenshots import screenshot_dir

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
    "service_workers": "allow",
    "permissions": ["geolocation"],
    "geolocation": {"longitude": INSIDE_G1[0], "latitude": INSIDE_G1[1], "accuracy": 12},
}
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
ONLINE = "幸福里3号楼楼道堆满纸箱，堵住了消防通道"
OFFLINE_1 = "河边步道护栏松动，老人小孩经过很危险"
OFFLINE_2 = "菜市场门口两家摊主为占道经营争吵"
STALE = "小区广场舞音响太吵，晚上十点还没停"
CALLBACK_PHONE = "13812345678"


@pytest.fixture(scope="module")
def world(database_url):
    """The test district, its units, a worker, a cleaner and a resolved case to call back."""
    app = create_app(base_config(database_url))
    with app.app_context():
        _empty_tables()
        seed_categories()
        seed_rules()
        import_feature_collection(TEST_AREAS)
        create_unit("unit-S1", "一号街道综治中心", "subdistrict", "S1")
        create_unit("unit-S2", "二号街道综治中心", "subdistrict", "S2")
        create_unit("unit-D", "测试区社会治理中心", "district", "D")
        create_user("wangge", TEST_PASSWORD, ["grid_worker"], ["S1"], None, "网格员老李")
        create_user("qingxi", TEST_PASSWORD, ["cleaner"], ["D"], None, "清洗员小王")
        db.session.commit()
        resolved = add_case(
            INSIDE_G1,
            now() - timedelta(days=2),
            description="楼上漏水到楼下，物业已维修",
            phone=CALLBACK_PHONE,
            status="resolved",
            resolved_at=now() - timedelta(hours=3),
            outcome="mediated",
        )
        callback_no = resolved.tracking_no
        with served(app) as base:
            yield {
                "base": base,
                "app": app,
                "callback_no": callback_no,
                "dialect": db.engine.dialect.name,
            }


def reports_like(text: str) -> list[Report]:
    """Committed reports with this description, read fresh (the server writes them)."""
    db.session.rollback()
    query = select(Report).where(Report.description == text).options(selectinload(Report.parties))
    found = list(db.session.scalars(query))
    db.session.close()
    return found


def photos_of(report_id: int) -> int:
    db.session.rollback()
    count = db.session.scalar(select(func.count(Photo.id)).where(Photo.report_id == report_id))
    db.session.close()
    return count


class Phone:
    def __init__(self, browser, world):
        self.world = world
        self.tmp = Path(tempfile.mkdtemp(prefix="jiefen-shots-"))
        self.context = browser.new_context(**PHONE)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())

    def open(self, fragment: str = "") -> None:
        self.page.goto(self.world["base"] + "/app/" + fragment)
        self.page.wait_for_selector("html[data-ready]")

    def tab(self, name: str) -> None:
        self.page.get_by_role("navigation").get_by_role("link", name=name).click()

    def button(self, name: str, within=None):
        return (within or self.page).get_by_role("button", name=name, exact=True)

    def sign_in(self) -> None:
        self.page.get_by_label("用户名").fill("wangge")
        self.page.get_by_label("密码").fill(TEST_PASSWORD)
        self.button("登录").click()
        self.page.get_by_role("heading", name="上报").wait_for()

    def file(self, text: str, picture=None, category: str | None = None, before=None) -> None:
        page = self.page
        self.tab("上报")
        page.get_by_label("描述").fill(text)
        if category:
            page.get_by_label("类别").select_option(category)
        page.get_by_text("误差约 12 米").wait_for()
        if before:
            before(page)
        if picture is not None:
            page.get_by_label("照片").set_input_files(str(picture))
            page.get_by_role("img", name="照片 1").wait_for()
        self.button("提交").click()

    def outbox(self) -> str:
        self.tab("待同步")
        return self.page.get_by_role("list", name="待同步", exact=True).inner_text()

    def wait_outbox_empty(self) -> None:
        self.tab("待同步")
        self.page.get_by_role("list", name="待同步", exact=True).get_by_text(
            "没有待同步的上报"
        ).wait_for()

    def synced(self) -> str:
        return self.page.get_by_role("list", name="最近已同步").inner_text()

    def check_accessibility(self, name: str) -> None:
        assert serious_violations(self.page) == [], name

    def shot(self, name: str) -> None:
        """The README's pictures, from the SQLite run."""
        if self.world["dialect"] == "sqlite":
            folder = screenshot_dir(self.tmp)
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def test_file_online_offline_sync_and_correct(browser, world, tmp_path):
    phone = Phone(browser, world)
    page = phone.page
    phone.open()
    assert page.evaluate("window.isSecureContext")
    phone.check_accessibility("login")
    phone.sign_in()
    # The service worker takes the page over and keeps the shell.
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.check_accessibility("report")
    page.get_by_text("误差约 12 米").wait_for()
    phone.shot("app-report")

    # Online: written, sent at once, in the cleaner's queue routed to 一号街道.
    phone.file(ONLINE, category="safety_hazard.fire")
    phone.wait_outbox_empty()
    (filed,) = reports_like(ONLINE)
    assert filed.channel == "grid_worker" and filed.subdistrict_code == "S1"
    assert filed.area_code == "G1" and filed.location_source == "device"
    assert filed.accuracy_m == 12 and filed.client_uuid
    assert f"已提交 {filed.tracking_no}" in phone.synced()
    phone.check_accessibility("outbox")

    cleaner = browser.new_context(**DESK)
    desk = cleaner.new_page()
    desk.goto(world["base"] + "/console/login")
    desk.get_by_label("用户名").fill("qingxi")
    desk.get_by_label("密码").fill(TEST_PASSWORD)
    desk.get_by_role("button", name="登录").click()
    queue = desk.inner_text("#queue")
    assert filed.tracking_no in queue and "一号街道 → 一号街道综治中心" in queue

    # Offline: two reports with a photo each wait on the phone.
    pictures = []
    for index in (1, 2):
        pictures.append(tmp_path / f"现场{index}.jpg")
        pictures[-1].write_bytes(photo(size=(2400, 1800)))
    phone.context.set_offline(True)
    page.wait_for_function("!navigator.onLine")
    page.get_by_role("status").get_by_text("离线", exact=True).wait_for()

    def walk_in(page):
        page.get_by_label("群众来访").check()
        page.get_by_label("反映人姓名").fill("张阿姨")
        page.get_by_label("反映人电话").fill("139 1234 5678")
        page.get_by_role("button", name="添加当事人").click()
        page.get_by_label("当事人 1 姓名").fill("李师傅")
        page.get_by_label("当事人 1 身份").select_option("被申请人")

    def pin_on_the_map(page):
        # GPS is poor here: the worker taps the map of their areas instead (inside 一号网格).
        worker_map = page.get_by_role("img", name="我的网格地图，点选可设定位置")
        box = worker_map.bounding_box()
        worker_map.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
        page.get_by_text("已手动选定位置").wait_for()

    phone.file(OFFLINE_1, pictures[0], before=walk_in)
    # The saving is asynchronous (the photo is shrunk, then IndexedDB): wait for the new message
    # rather than read the one the online filing left.
    page.locator("#flash").get_by_text("已保存到待同步").wait_for()
    phone.file(OFFLINE_2, pictures[1], before=pin_on_the_map)
    waiting = phone.outbox()
    assert OFFLINE_1 in waiting and OFFLINE_2 in waiting and waiting.count("等待同步") == 2
    phone.shot("app-outbox")
    assert "照片 1 张" in waiting

    # Closed and opened again with no network: the service worker serves the app, IndexedDB
    # still holds both.
    page.reload()
    page.wait_for_selector("html[data-ready]")
    assert page.inner_text("#net") == "离线"
    waiting = phone.outbox()
    assert OFFLINE_1 in waiting and OFFLINE_2 in waiting
    assert reports_like(OFFLINE_1) == [] and reports_like(OFFLINE_2) == []

    # Back online, but the sync's answer is lost on the way (the phone dies, the tunnel
    # drops): the server filed both, the phone does not know and keeps them.
    lost = {"sync": 1, "photos": 1}

    def lose_answer(kind):
        def handler(route):
            route.fetch()
            if lost[kind]:
                lost[kind] -= 1
                route.abort("connectionreset")
            else:
                route.continue_()

        return handler

    page.route("**/api/v1/reports/sync", lose_answer("sync"))
    page.route("**/api/v1/reports/*/photos", lose_answer("photos"))
    phone.context.set_offline(False)
    page.get_by_text("同步中断").wait_for()
    assert len(reports_like(OFFLINE_1)) == 1 and len(reports_like(OFFLINE_2)) == 1
    assert phone.outbox().count("等待同步") == 2

    # 同步: both are there already — nothing new; the first photo's answer is lost too.
    phone.button("同步").click()
    page.get_by_text("同步中断").wait_for()
    phone.button("同步").click()
    phone.wait_outbox_empty()
    page.unroute("**/api/v1/reports/sync")
    page.unroute("**/api/v1/reports/*/photos")
    for text in (OFFLINE_1, OFFLINE_2):
        (report,) = reports_like(text)
        assert photos_of(report.id) == 1, text
        assert f"已存在（此前已提交） {report.tracking_no}" in phone.synced()
    assert lost == {"sync": 0, "photos": 0}
    (visit,) = reports_like(OFFLINE_1)
    assert visit.channel == "walk_in" and visit.reporter_phone == "13912345678"
    assert [(p.name, p.role) for p in visit.parties] == [("李师傅", "被申请人")]
    assert "查询码" in phone.synced()
    (pinned,) = reports_like(OFFLINE_2)
    assert pinned.location_source == "manual" and pinned.area_code == "G1"
    # Keys in time order (UUID v7): the unique index on client_uuid grows at its end.
    keys = [filed.client_uuid, visit.client_uuid, pinned.client_uuid]
    assert [k[14] for k in keys] == ["7"] * 3 and keys == sorted(keys)
    # Shrunk on the phone: 2400 px wide in, at most 1600 px out.
    db.session.rollback()
    stored = db.session.scalars(
        select(Photo).join(Report).where(Report.description == OFFLINE_1)
    ).one()
    assert max(stored.width, stored.height) <= 1600
    db.session.close()

    # A category retired after the phone cached the tree: the item is rejected, shown with
    # the field's message in Chinese, and kept for correction.
    with world["app"].app_context():
        retire_category("neighbour.noise")
        db.session.commit()
        db.session.remove()
    phone.file(STALE, category="neighbour.noise")
    phone.tab("待同步")
    page.get_by_text("同步完成，1 条未通过").wait_for()
    item = page.get_by_role("list", name="待同步", exact=True).get_by_role("listitem")
    assert "未通过" in item.inner_text() and "类别：该类别已停用，请重新选择" in item.inner_text()
    assert reports_like(STALE) == []
    page.reload()
    page.wait_for_selector("html[data-ready]")
    assert "类别：该类别已停用" in phone.outbox()
    phone.button("修改").click()
    assert page.get_by_label("描述").input_value() == STALE
    page.get_by_label("类别").select_option("neighbour")
    phone.button("保存修改").click()
    phone.wait_outbox_empty()
    (corrected,) = reports_like(STALE)
    assert corrected.category_code == "neighbour"

    # All told: four reports by the worker, nothing twice.
    db.session.rollback()
    mine = db.session.scalar(
        select(func.count(Report.id))
        .join(User, User.id == Report.reporter_user_id)
        .where(User.username == "wangge")
    )
    db.session.close()
    assert mine == 4
    cleaner.close()
    phone.context.close()


def test_my_grids_call_back_and_sign_out(browser, world):
    phone = Phone(browser, world)
    page = phone.page
    phone.open()
    phone.sign_in()
    # Signed in stays signed in: the refresh token renews an expired access token.
    page.evaluate(
        """() => { const a = JSON.parse(localStorage.getItem('jiefen.app.auth'));
                   a.access_until = 0; localStorage.setItem('jiefen.app.auth', JSON.stringify(a)); }"""
    )
    page.reload()
    page.wait_for_selector("html[data-ready]")
    statuses = []
    page.on(
        "response",
        lambda r: statuses.append(r.status) if "/api/v1/reports?limit=50" in r.url else None,
    )
    phone.tab("我的网格")
    cases = page.get_by_role("list", name="我的网格的案件")
    cases.get_by_role("link", name=world["callback_no"]).wait_for()
    phone.check_accessibility("cases")
    # Polled again: unchanged, a 304.
    phone.tab("上报")
    phone.tab("我的网格")
    page.get_by_text("没有变化").wait_for()
    assert statuses[:2] == [200, 304]
    cases.get_by_role("link", name=world["callback_no"]).click()
    timeline = page.get_by_role("list", name="办理经过")
    assert "提交反映" in timeline.inner_text()
    assert f"{world['callback_no']} 已办结" in page.inner_text("#case h2")

    phone.tab("回访")
    call = page.get_by_role("form", name=f"回访 {world['callback_no']}")
    assert call.get_by_role("link", name=CALLBACK_PHONE).get_attribute("href") == (
        f"tel:{CALLBACK_PHONE}"
    )
    phone.check_accessibility("callbacks")
    call.get_by_label("满意", exact=True).check()
    call.get_by_label("回访方式").select_option(label="上门")
    call.get_by_label("说明").fill("上门看过，已修好")
    phone.button("回访", within=call).click()
    page.get_by_text(f"{world['callback_no']}：已回访").wait_for()
    db.session.rollback()
    report = db.session.scalars(
        select(Report).where(Report.tracking_no == world["callback_no"])
    ).one()
    assert report.satisfaction == "satisfied" and report.followed_up_at is not None
    db.session.close()

    # 退出 revokes the login: neither its access token nor its refresh token works.
    held = page.evaluate("JSON.parse(localStorage.getItem('jiefen.app.auth'))")
    phone.button("退出").click()
    page.get_by_role("heading", name="登录").wait_for()
    assert page.evaluate("localStorage.getItem('jiefen.app.auth')") is None
    answer = page.request.post(
        world["base"] + "/api/v1/auth/refresh", data={"refresh_token": held["refresh_token"]}
    )
    assert answer.status == 401
    answer = page.request.get(
        world["base"] + "/api/v1/auth/me",
        headers={"Authorization": f"Bearer {held['access_token']}"},
    )
    assert answer.status == 401
    phone.context.close()

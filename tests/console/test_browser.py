"""From a QR scan to 归档 using only the console, in headless Chromium, with and without script.

One app and one live server per module (per database): each walk files its own reports. The
README's screenshots are taken on the way; they replace docs/screenshots/ only with
UPDATE_SCREENSHOTS=1 (otherwise they go to pytest's temporary directory), so a test run leaves
the working tree as it found it.
"""

import pytest

from app import create_app
from app.areas.importer import import_feature_collection
from app.categories.seed import seed_categories
from app.extensions import db
from app.qr_sites.service import create_site, site_code
from app.triage.seed import seed_rules
from app.units.service import create_unit
from tests.conftest import TEST_PASSWORD, _empty_tables, base_config
from tests.console.a11y import serious_violations
from tests.geometry import INSIDE_G1, TEST_AREAS
from tests.helpers.live import served
from tests.helpers.screenshots import SCREENSHOTS, docs_screenshots, screenshot_dir
from tests.public.helpers import photo

pytestmark = pytest.mark.browser

SHOTS = ("queue", "triage", "workbench-phone")
DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
FIRST = "幸福里3号楼楼道堆满纸箱，堵住了消防通道，很危险"
SAME = "幸福里3号楼楼道堆满了纸箱，消防通道被堵住了，很危险"


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """The test district, its units, one user per role and a QR site, served on a real socket."""
    from app.accounts.service import create_user

    app = create_app(base_config(database_url))
    with app.app_context():
        _empty_tables()
        seed_categories()
        seed_rules()
        import_feature_collection(TEST_AREAS)
        create_unit("unit-S1", "一号街道综治中心", "subdistrict", "S1")
        create_unit("unit-S2", "二号街道综治中心", "subdistrict", "S2")
        create_unit("unit-D", "测试区社会治理中心", "district", "D")
        for username, role, areas, unit, name in (
            ("qingxi", "cleaner", ["D"], None, "清洗员小王"),
            ("chuzhi", "responder", ["S1"], "unit-S1", "安富处置员"),
            ("chuzhi2", "responder", ["S2"], "unit-S2", ""),
            ("wangge", "grid_worker", ["S1"], None, "网格员老李"),
            ("duban", "supervisor", ["D"], None, "督办领导"),
        ):
            create_user(username, TEST_PASSWORD, [role], areas, unit, name)
        site = create_site("幸福里3号楼", *INSIDE_G1)
        code = site_code(site)
        db.session.commit()
        with served(app) as base:
            yield {
                "base": base,
                "scan": f"{base}/s/{code}",
                "dialect": db.engine.dialect.name,
                "screenshots": screenshot_dir(tmp_path_factory.mktemp("screenshots")),
            }


class Walk:
    """One person's browser: a context of its own (cookies), script on or off."""

    def __init__(self, browser, world, js: bool, device: dict, checked: set[str]):
        self.world, self.js, self.checked = world, js, checked
        self.context = browser.new_context(java_script_enabled=js, **device)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())

    def go(self, path: str):
        return self.page.goto(self.world["base"] + path)

    def sign_in(self, username: str) -> None:
        self.go("/console/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(TEST_PASSWORD)
        self.click("登录")

    def click(self, name: str, within=None) -> None:
        (within or self.page).get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state()

    def check_accessibility(self, name: str) -> None:
        """axe on each kind of page once per run (script on: axe runs in the page)."""
        if not self.js or name in self.checked:
            return
        self.checked.add(name)
        assert serious_violations(self.page) == [], name

    def shot(self, name: str) -> None:
        if self.shooting:
            folder = self.world["screenshots"]
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    @property
    def shooting(self) -> bool:
        return self.js and self.world["dialect"] == "sqlite"

    def close(self) -> None:
        self.context.close()


def resident_reports(walk: Walk, text: str, choice: str | None = None) -> str:
    """Scan, describe, submit; answer the duplicate hint with `choice` if it is asked."""
    page = walk.page
    page.goto(walk.world["scan"])
    page.fill("#description", text)
    if walk.js and choice:
        page.locator("#description").blur()
        page.wait_for_selector("#duplicate-hint")  # asked while typing, before any submit
    else:
        walk.click("提交")
    if choice:
        assert "这里已经有人反映过相似的问题" in page.inner_text("#duplicate-hint")
        walk.check_accessibility("scan-hint")
        walk.click(choice)
    return page.url


def tracking_number(walk: Walk) -> str:
    return walk.page.inner_text("#tracking-no").strip()


def test_screenshots_replace_the_readmes_only_when_asked(monkeypatch, tmp_path):
    monkeypatch.delenv("UPDATE_SCREENSHOTS", raising=False)
    assert screenshot_dir(tmp_path) == tmp_path
    monkeypatch.setenv("UPDATE_SCREENSHOTS", "0")
    assert screenshot_dir(tmp_path) == tmp_path
    monkeypatch.setenv("UPDATE_SCREENSHOTS", "1")
    assert screenshot_dir(tmp_path) == SCREENSHOTS


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_from_a_qr_scan_to_the_archive(browser, world, js, tmp_path):
    docs_before = docs_screenshots()
    checked: set[str] = set()
    resident = Walk(browser, world, js, PHONE, checked)
    resident_reports(resident, FIRST)
    first = tracking_number(resident)
    resident.check_accessibility("scan-result")
    # A second resident is told and follows the open case instead of filing it again.
    resident_reports(resident, SAME, "这是同一件事，关注进度")
    assert "关注办理进度" in resident.page.inner_text("h1")
    resident.check_accessibility("follow")
    # A third files anyway: a duplicate the cleaner merges.
    resident_reports(resident, SAME + "。", "不是，继续提交")
    duplicate = tracking_number(resident)
    resident.close()

    cleaner = Walk(browser, world, js, DESK, checked)
    cleaner.sign_in("qingxi")
    assert cleaner.page.url.endswith("/console/queue")
    queue = cleaner.page.inner_text("#queue")
    assert first in queue and duplicate in queue and "2 位居民反映同一问题" in queue
    assert "一号街道 → 一号街道综治中心" in queue
    cleaner.check_accessibility("queue")
    cleaner.shot("queue")
    cleaner.click("认领")
    cleaner.go("/console/queue")
    cleaner.page.get_by_role("link", name=duplicate, exact=True).click()
    candidate = cleaner.page.get_by_role("article", name=f"疑似重复 {first}")
    cleaner.click("合并", within=candidate)
    # After an action the cleaner lands on the next report: the survivor, held by them.
    assert first in cleaner.page.inner_text("h1")
    assert "3 位居民反映同一问题" in cleaner.page.inner_text("main")
    cleaner.check_accessibility("triage")
    cleaner.shot("triage")
    case_path = cleaner.page.url.removeprefix(world["base"])
    dispatch = cleaner.page.locator("#form-dispatch")
    assert dispatch.get_by_label("承办单位").input_value() == "unit-S1"
    dispatch.get_by_label("类别").select_option("safety_hazard.fire")
    cleaner.click("派单", within=dispatch)
    assert f"{first}：已派单" in cleaner.page.inner_text("main")
    # The cleaner sees the case, but not the unit's buttons, and not the unit workbench.
    assert cleaner.page.get_by_role("link", name="案件", exact=True).count() == 0
    cleaner.go(case_path)
    assert "已派单" in cleaner.page.inner_text("#status")
    assert cleaner.page.get_by_role("button", name="签收").count() == 0
    assert cleaner.go("/console/cases").status == 403
    cleaner.close()

    responder = Walk(browser, world, js, PHONE, checked)
    responder.sign_in("chuzhi")
    assert responder.page.url.endswith("/console/cases")
    assert first in responder.page.inner_text(".pile-to_accept")
    responder.check_accessibility("workbench")
    responder.shot("workbench-phone")
    width = responder.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the workbench scrolls sideways on a phone"
    responder.page.get_by_role("link", name=first, exact=True).click()
    case_url = responder.page.url
    responder.click("签收")
    responder.page.get_by_label("说明").first.fill("已到现场，联系物业清理")
    picture = tmp_path / "现场.jpg"
    picture.write_bytes(photo())
    responder.page.get_by_label("照片").set_input_files(str(picture))
    responder.click("进展")
    assert "已到现场，联系物业清理" in responder.page.inner_text("#timeline")
    assert responder.page.locator(".photos img").count() == 1
    assert responder.page.evaluate("document.documentElement.scrollWidth") <= 390
    responder.check_accessibility("case")
    resolve = responder.page.get_by_role("form", name="办结")
    resolve.get_by_label("处理结果").select_option(label="调解成功")
    resolve.get_by_label("说明").fill("纸箱已清走，通道畅通")
    responder.click("办结", within=resolve)
    assert "已办结" in responder.page.inner_text("#status")
    responder.close()

    other = Walk(browser, world, js, PHONE, checked)
    other.sign_in("chuzhi2")
    assert other.page.goto(case_url).status == 403
    other.close()

    grid = Walk(browser, world, js, PHONE, checked)
    grid.sign_in("wangge")
    call = grid.page.get_by_role("form", name=f"回访 {first}")
    assert call.count() == 1
    call.get_by_label("满意", exact=True).check()
    call.get_by_label("回访方式").select_option(label="电话")
    grid.check_accessibility("callbacks")
    grid.click("回访", within=call)
    assert f"{first}：已回访" in grid.page.inner_text("main")
    grid.close()

    supervisor = Walk(browser, world, js, DESK, checked)
    supervisor.sign_in("duban")
    supervisor.page.get_by_label("搜索").fill(first)
    supervisor.click("查找")
    supervisor.check_accessibility("search")
    supervisor.page.get_by_role("link", name=first, exact=True).click()
    supervisor.click("结案")
    assert "已结案" in supervisor.page.inner_text("#status")
    supervisor.click("归档")
    assert "已归档" in supervisor.page.inner_text("#status")
    timeline = supervisor.page.inner_text("#timeline")
    for words in ("派单至 一号街道综治中心", "签收", "办结", "回访（电话）：满意", "结案", "归档"):
        assert words in timeline
    if supervisor.shooting:
        taken = [world["screenshots"] / f"{name}.png" for name in SHOTS]
        assert all(path.stat().st_size > 10_000 for path in taken)
    if world["screenshots"] != SCREENSHOTS:
        assert docs_screenshots() == docs_before, "a test run rewrote docs/screenshots/"
    supervisor.close()

"""The workbench's case page: record a session, summon a department, and the summoned unit's
报到 and report — found by their visible Chinese names, in headless Chromium, without script."""

import pytest

from app.extensions import db
from app.mediation.models import CasePart, MediationSession
from tests.conftest import TEST_PASSWORD
from tests.workflow.conftest import reload

pytestmark = pytest.mark.browser


def signed_in(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/console/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page


def test_sessions_and_summons_on_the_case_page(staff, act, dispatched, live_server, browser):
    report = dispatched(unit="unit-S1")
    assert act(staff.subdistrict, report, "accept").status_code == 200
    lead, summoned = staff.subdistrict.username, staff.other_subdistrict.username
    report_id = report.id
    db.session.commit()  # hand the database to the server thread

    page = signed_in(browser, live_server, lead)
    page.goto(f"{live_server}/console/reports/{report_id}")
    form = page.locator("form", has=page.get_by_role("heading", name="调解记录"))
    form.get_by_label("调解时间").fill("2026-11-30T09:30")
    form.get_by_label("调解地点").fill("一号街道调解室")
    form.get_by_label("调解员（多人用顿号分隔）").fill("王调解员、李律师")
    form.get_by_label("到场当事人").fill("张三、李四")
    form.get_by_label("调解结果").select_option(label="未达成")
    form.get_by_role("button", name="保存调解记录").click()
    panel = page.get_by_role("region", name="调解与协办")
    assert "一号街道调解室：未达成" in panel.inner_text()
    assert "本级已调解 1/3 次" in panel.inner_text()

    form = page.locator("form", has=page.get_by_role("heading", name="吹哨"))
    form.get_by_label("被召单位（可多选）").select_option(["unit-S2"])
    form.get_by_label("事由").fill("需协同核实")
    form.get_by_label("报到时限").fill("2099-12-01T18:00")
    form.get_by_role("button", name="吹哨").click()
    assert (
        "吹哨 二号街道综治中心：待报到"
        in page.get_by_role("region", name="调解与协办").inner_text()
    )
    # The lead unit has no 报到 of its own to make.
    assert page.get_by_role("button", name="报到").count() == 0

    page = signed_in(browser, live_server, summoned)
    page.goto(f"{live_server}/console/reports/{report_id}")
    page.get_by_role("button", name="报到").click()
    form = page.locator("form", has=page.get_by_role("heading", name="报告协办情况"))
    form.get_by_label("处置情况").fill("已派员到场核实")
    form.get_by_role("button", name="报告协办情况").click()
    assert "二号街道综治中心：已报告" in page.get_by_role("region", name="调解与协办").inner_text()

    db.session.expire_all()
    session = db.session.query(MediationSession).one()
    assert session.mediators == ["王调解员", "李律师"] and session.parties_present == [
        "张三",
        "李四",
    ]
    part = db.session.query(CasePart).one()
    assert (part.unit_code, part.state, part.report_note) == (
        "unit-S2",
        "reported",
        "已派员到场核实",
    )
    actions = [e.action for e in reload(report).events]
    assert actions[-4:] == ["mediate", "summon", "acknowledge", "report_part"]

"""The supervisor page in headless Chromium: sign in, read the figures, see the map; screenshot."""

from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import frozen_at
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.helpers.cases import T0, overview_cases

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_dashboard_in_chromium(app, areas, make_user, live_server, browser):
    with frozen_at(T0 + timedelta(days=10)):
        made = overview_cases()
        red, yellow = made["D"].tracking_no, made["E"].tracking_no
        make_user("supervisor", ["D"], username="duban", display_name="督办领导")
        # Hand the database to the server thread (SQLite: no write lock held here).
        db.session.commit()
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page.goto(f"{live_server}/dashboard")
        assert page.locator("h1").inner_text() == "工作人员登录"
        page.fill("input[name=username]", "duban")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-figure=total]")
        assert page.inner_text("[data-figure=total]") == "6"
        assert page.inner_text("[data-figure=mediation]") == "66.7%"
        assert page.inner_text("[data-figure=satisfaction]") == "66.7%"
        page.wait_for_function(
            "() => { const i = document.querySelector('.map img');"
            " return i.complete && i.naturalWidth > 0; }"
        )
        assert page.evaluate("document.querySelector('.map img').naturalWidth") == 1200
        rows = page.locator("#overdue tbody tr")
        assert rows.count() == 2
        assert red in rows.nth(0).inner_text() and "红牌" in rows.nth(0).inner_text()
        assert yellow in rows.nth(1).inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        # Choosing a sub-district reloads the page for it, without any script.
        page.select_option("select[name=area]", "S2")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**/dashboard?days=30&area=S2")
        assert page.inner_text("[data-figure=total]") == "1"
        page.click("text=退出")
        page.wait_for_selector("input[name=password]")
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 50_000

"""The pages work under their Content-Security-Policy in Chromium: no violation anywhere."""

import pytest

from app.extensions import db
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def watched(browser):
    # The test's own session must not hold SQLite's write lock while the server works.
    db.session.commit()
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    return context, page, messages


def violations(page, messages) -> list[str]:
    found = page.evaluate("window.__violations")
    return found + [m for m in messages if "Content Security Policy" in m]


def test_the_public_pages_run_their_script_under_the_policy(browser, live_server, site, code):
    context, page, messages = watched(browser)
    response = page.goto(f"{live_server}/s/{code}")
    assert "nonce-" in response.headers["content-security-policy"]
    page.fill("#description", "楼道堆满杂物，堵住消防通道")
    page.click("#go")
    page.wait_for_url("**/t/**")
    assert "提交成功" in page.inner_text("h1")
    assert page.evaluate("getComputedStyle(document.body).margin") is not None
    assert violations(page, messages) == []
    context.close()


def test_the_dashboard_and_the_api_docs_work_under_the_policy(
    browser, live_server, areas, make_user
):
    make_user("supervisor", ["D"], username="duban")
    context, page, messages = watched(browser)
    page.goto(f"{live_server}/dashboard/login")
    page.get_by_label("用户名").fill("duban")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/dashboard**")
    assert page.get_by_role("button", name="退出").is_visible()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/console/login**")
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI built the operations
    assert violations(page, messages) == []
    context.close()

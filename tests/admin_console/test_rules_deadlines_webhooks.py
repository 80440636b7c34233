"""Rules with 试一试, deadline policies and the calendar, webhooks with 发送测试 — over form posts."""

import hashlib
import hmac
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.audit.models import AdminChange
from app.extensions import db
from app.triage.models import TriageRule
from app.webhooks.models import WebhookSubscription
from app.workflow.models import CalendarDay, DeadlinePolicy
from app.workflow.seed import seed_workflow
from tests.admin_console.conftest import post

SECRET_SHOWN = 'id="webhook-secret">'


def html(response) -> str:
    return response.get_data(as_text=True)


def kinds() -> list[str]:
    return [c.kind for c in db.session.scalars(select(AdminChange).order_by(AdminChange.id))]


def test_try_a_draft_rule_then_save_edit_and_retire_it(admin_client):
    text = "小区东门的共享单车堆成山，天天挡路"
    # 试一试 with the draft: it fires, wins the category (an admin's rule), nothing stored.
    tried = post(admin_client, "/console/admin/rules/new", do="try", kind="category",
                 match="keyword", pattern="共享单车", category_target="public_order",
                 weight="1", sample=text)  # fmt: skip
    page = html(tried)
    assert tried.status_code == 200 and "试一试的结果" in page
    assert "<strong>本规则</strong>" in page and "「共享单车」" in page
    assert "规则：「共享单车」" in page  # the category's reason: the admin's rule won
    assert db.session.scalar(select(TriageRule.id).where(TriageRule.pattern == "共享单车")) is None
    # A risk text: the seeded rules fire and name the level.
    risky = html(post(admin_client, "/console/admin/rules/new", do="try", kind="risk",
                      match="keyword", pattern="", sample="他拿着刀在楼下喊要砍人"))  # fmt: skip
    assert 'id="trial-risk">紧急<' in risky
    assert "请填写要匹配的内容" in risky  # the unfinished draft is named, the trial still ran
    # RE2 refuses what it cannot run in linear time: said next to the field, nothing saved.
    refused = post(admin_client, "/console/admin/rules/new", kind="risk", match="regex",
                   pattern=r"(\w+)\s\1", risk_target="high", weight="1")  # fmt: skip
    assert refused.status_code == 422
    assert "RE2 无法使用这个正则" in html(refused) and 'id="f-pattern-err"' in html(refused)
    saved = post(admin_client, "/console/admin/rules/new", kind="category", match="keyword",
                 pattern="共享单车", category_target="public_order", weight="2")  # fmt: skip
    assert saved.status_code == 303
    rule = db.session.scalars(select(TriageRule).where(TriageRule.pattern == "共享单车")).one()
    assert (rule.kind, rule.target, rule.weight, rule.active) == (
        "category",
        "public_order",
        2,
        True,
    )
    # Editing: 试一试 uses the edited version in place of the saved one.
    edited_try = html(post(admin_client, f"/console/admin/rules/{rule.id}", do="try",
                           kind="category", match="keyword", pattern="单车乱停",
                           category_target="public_order", weight="2", sample=text))  # fmt: skip
    assert "<strong>本规则</strong>" not in edited_try
    assert post(admin_client, f"/console/admin/rules/{rule.id}", kind="category", match="keyword",
                pattern="单车乱停", category_target="public_order",
                weight="2").status_code == 303  # fmt: skip
    assert post(admin_client, f"/console/admin/rules/{rule.id}/retire").status_code == 303
    db.session.refresh(rule)
    assert rule.pattern == "单车乱停" and rule.active is False
    listed = html(admin_client.get("/console/admin/rules?state=retired&q=单车"))
    assert "单车乱停" in listed and "已停用" in listed
    assert kinds() == ["rule.create", "rule.update", "rule.retire"]


def test_try_a_text_on_the_rules_list_against_the_rules_as_they_stand(admin_client):
    page = html(admin_client.get("/console/admin/rules"))
    assert ">试一试</button>" in page and ">新建规则</button>" in page
    tried = post(admin_client, "/console/admin/rules/try", sample="他拿着刀在楼下喊要砍人")
    assert tried.status_code == 200 and 'id="trial-risk">紧急<' in html(tried)
    assert 'id="trial-fired"' in html(tried) and "→紧急" in html(tried)  # the reason
    empty = post(admin_client, "/console/admin/rules/try", sample=" ")
    assert empty.status_code == 422 and "请粘贴一段要试的反映内容" in html(empty)
    assert kinds() == []


def test_deadline_policies_are_saved_from_one_table(admin_client):
    seed_workflow()
    db.session.commit()
    policies = {p.risk_level: p for p in db.session.scalars(select(DeadlinePolicy))}
    page = html(admin_client.get("/console/admin/deadlines"))
    assert "全部类别（默认） · 紧急" in page and 'name="new-risk_level"' in page
    form = {}
    for p in policies.values():
        form |= {f"p{p.id}-accept_within": str(p.accept_within), f"p{p.id}-accept_unit": p.accept_unit,
                 f"p{p.id}-resolve_within": str(p.resolve_within),
                 f"p{p.id}-resolve_unit": p.resolve_unit}  # fmt: skip
    high = policies["high"]
    bad = post(
        admin_client, "/console/admin/deadlines", **{**form, f"p{high.id}-resolve_within": "0"}
    )
    assert bad.status_code == 422 and "请填写 1 到 720 之间的整数" in html(bad)
    saved = post(admin_client, "/console/admin/deadlines", **{
        **form, f"p{high.id}-resolve_within": "2",
        "new-category_code": "labour_wages", "new-risk_level": "high",
        "new-accept_within": "2", "new-accept_unit": "hours",
        "new-resolve_within": "5", "new-resolve_unit": "working_days"})  # fmt: skip
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(DeadlinePolicy, high.id).resolve_within == 2
    added = db.session.scalars(
        select(DeadlinePolicy).where(DeadlinePolicy.category_code == "labour_wages")
    ).one()
    assert (added.accept_within, added.accept_unit, added.resolve_unit) == (
        2,
        "hours",
        "working_days",
    )
    clash = post(admin_client, "/console/admin/deadlines", **{
        **form, "new-category_code": "labour_wages", "new-risk_level": "high",
        "new-accept_within": "3", "new-accept_unit": "hours", "new-resolve_within": "3",
        "new-resolve_unit": "hours"})  # fmt: skip
    assert clash.status_code == 422 and "已有时限" in html(clash)
    form[f"p{high.id}-resolve_within"] = "2"  # as the page now shows it
    gone = post(admin_client, "/console/admin/deadlines", **{**form, f"p{added.id}-delete": "on",
        f"p{added.id}-accept_within": "2", f"p{added.id}-accept_unit": "hours",
        f"p{added.id}-resolve_within": "5", f"p{added.id}-resolve_unit": "working_days"})  # fmt: skip
    assert gone.status_code == 303
    assert db.session.get(DeadlinePolicy, added.id) is None
    assert kinds() == ["deadline.update"] * 3


def test_the_calendar_shows_holidays_and_make_up_days_and_takes_a_new_year(admin_client):
    page = html(admin_client.get("/console/admin/deadlines?year=2026"))
    assert "2026-10-01：休（国庆节）" in page and "2026-10-10：班（国庆节调休）" in page
    assert 'class="makeup"' in page and 'class="holiday"' in page
    unknown = html(admin_client.get("/console/admin/deadlines?year=2027"))
    assert 'id="calendar-unknown"' in unknown
    lines = "日期,类型,名称\n2027-10-01~2027-10-07,休,国庆节\n2027-09-26,班,国庆节调休\n2027-02-30,休,x\n"
    refused = post(admin_client, "/console/admin/deadlines/import?year=2027", lines=lines)
    assert refused.status_code == 422 and "第 4 行「2027-02-30,休,x」：日期不存在" in html(refused)
    assert db.session.scalar(select(CalendarDay.id)) is None  # all or nothing
    done = post(admin_client, "/console/admin/deadlines/import?year=2027",
                lines=lines.replace("2027-02-30,休,x\n", ""))  # fmt: skip
    assert done.status_code == 303 and "year=2027" in done.location
    days = {d.day: d.kind for d in db.session.scalars(select(CalendarDay))}
    assert len(days) == 8 and days[date(2027, 9, 26)] == "workday"
    shown = html(admin_client.get("/console/admin/deadlines?year=2027"))
    assert "2027-09-26：班（国庆节调休） · 管理员设置" in shown
    # One day edited, then back to the national arrangement.
    form = html(admin_client.get("/console/admin/deadlines?year=2027&day=2027-09-26"))
    assert 'value="2027-09-26"' in form
    assert post(admin_client, "/console/admin/deadlines/day", day="2027-12-31", kind="holiday",
                name="台风停工").status_code == 303  # fmt: skip
    assert post(admin_client, "/console/admin/deadlines/day", day="2027-09-26",
                kind="default").status_code == 303  # fmt: skip
    bad = post(admin_client, "/console/admin/deadlines/day", day="3027-01-01", kind="holiday")
    assert bad.status_code == 422 and "请填写 2000–2100 年间的日期" in html(bad)
    days = {d.day: d.kind for d in db.session.scalars(select(CalendarDay))}
    assert days[date(2027, 12, 31)] == "holiday" and date(2027, 9, 26) not in days
    assert kinds() == ["calendar.import", "calendar.update", "calendar.update"]


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204 if self.path != "/broken" else 500)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(app):
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_a_subscription_is_made_and_a_signed_test_event_sent(admin_client, receiver, app):
    form = html(admin_client.get("/console/admin/webhooks/new"))
    assert 'value="report.dispatched" checked' in form
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = ""
    inside = post(admin_client, "/console/admin/webhooks/new", url=f"{receiver}/hook",
                  events=["report.created"])  # fmt: skip
    assert inside.status_code == 422 and "内部、私有或保留" in html(inside)
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    none = post(admin_client, "/console/admin/webhooks/new", url=f"{receiver}/hook")
    assert none.status_code == 422 and "请至少选择一个事件" in html(none)
    made = post(admin_client, "/console/admin/webhooks/new", url=f"{receiver}/hook",
                events=["report.created", "report.dispatched"], description="12345 平台")  # fmt: skip
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    subscription = db.session.scalars(select(WebhookSubscription)).one()
    assert SECRET_SHOWN + subscription.secret in html(made)
    tested = post(admin_client, f"/console/admin/webhooks/{subscription.id}/test")
    assert tested.status_code == 303
    [(headers, body)] = Receiver.received
    expected = "sha256=" + hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Jiefen-Signature"] == expected
    assert headers["X-Jiefen-Event"] == "webhook.test"
    assert json.loads(body)["delivery_id"] == headers["X-Jiefen-Delivery"]
    page = html(admin_client.get("/console/admin/webhooks"))
    assert "测试推送已送达：对方回答 HTTP 204" in page and "12345 平台" in page
    # A receiver that fails: said in words, and the subscription's health is left alone.
    db.session.refresh(subscription)
    subscription.url = f"{receiver}/broken"
    db.session.commit()
    post(admin_client, f"/console/admin/webhooks/{subscription.id}/test")
    assert "测试推送失败：接收方回答 HTTP 500，不是 2xx 成功答复。" in html(
        admin_client.get("/console/admin/webhooks")
    )
    db.session.refresh(subscription)
    assert subscription.consecutive_failures == 0 and subscription.status == "active"
    subscription.last_error, subscription.last_failure_at = (
        "could not connect",
        subscription.created_at,
    )
    db.session.commit()
    assert "无法连接接收方" in html(admin_client.get("/console/admin/webhooks"))
    assert (
        post(admin_client, f"/console/admin/webhooks/{subscription.id}/delete").status_code == 303
    )
    assert db.session.scalar(select(WebhookSubscription.id)) is None
    assert kinds() == ["webhook.create", "webhook.test", "webhook.test", "webhook.delete"]
    assert subscription.secret not in str(
        [c.changes for c in db.session.scalars(select(AdminChange))]
    )

"""Following a case with its number and key: plain words, public steps only, answer and rate."""

import re

import pytest

from app.core.clock import now
from app.extensions import db
from app.lifecycle.engine import take_step
from app.reports.models import Report
from tests.helpers.forms import with_csrf

API = "/api/v1/track"


@pytest.fixture
def staff(make_user):
    return {
        "cleaner": make_user("cleaner", areas=["D"], display_name="清洗员王五"),
        "responder": make_user(
            "responder", areas=["S1"], unit="unit-S1", display_name="处置员赵六"
        ),
    }


@pytest.fixture
def filed(client, code):
    body = {"site_code": code, "description": "楼下烧烤油烟很大", "contact_phone": "13800138000"}
    return client.post("/api/v1/public/reports", json=body).json


def reload(filed) -> Report:
    db.session.expire_all()
    return db.session.query(Report).filter_by(tracking_no=filed["tracking_no"]).one()


def step(filed, action, user, reason=None):
    report = reload(filed)
    take_step(report, action, user, reason=reason, public=True)
    if action == "resolve":
        report.resolved_at, report.outcome = now(), "mediated"
    db.session.commit()
    return report


def track(client, filed, key=None):
    return client.get(f"{API}/{filed['tracking_no']}?key={key or filed['tracking_key']}")


def resolve(filed, staff):
    step(filed, "dispatch", staff["cleaner"])
    step(filed, "accept", staff["responder"])
    step(filed, "resolve", staff["responder"], reason="已约谈店主，调整排烟管道")


def test_a_new_report_in_plain_words(client, filed, site):
    body = track(client, filed).json
    assert (body["status"], body["status_text"]) == ("received", "已收到，等待工作人员核实")
    assert body["site_name"] == site.name and body["description"] == "楼下烧烤油烟很大"
    assert [e["text"] for e in body["timeline"]] == ["您的反映已提交"]
    assert (body["can_answer"], body["can_rate"], body["merged"]) == (False, False, False)
    assert "13800138000" not in str(body) and "phone" not in str(body)


def test_wrong_key_reveals_nothing(client, filed):
    wrong = track(client, filed, key="not-the-key")
    unknown = client.get(f"{API}/JF000000XXXXXX?key={filed['tracking_key']}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json == unknown.json
    assert client.get(f"{API}/{filed['tracking_no']}").status_code == 422
    page = client.get(f"/t/{filed['tracking_no']}?key=nope")
    assert page.status_code == 404 and filed["tracking_no"] not in page.get_data(as_text=True)


def test_the_timeline_has_no_staff_names_and_no_private_steps(client, filed, staff):
    report = reload(filed)
    take_step(report, "dispatch", staff["cleaner"], reason="内部备注：交安富街道", public=False)
    db.session.commit()
    step(filed, "accept", staff["responder"])
    step(filed, "progress", staff["responder"], reason="已联系当事人张三")
    body = track(client, filed).json
    assert [e["action"] for e in body["timeline"]] == ["created", "accept", "progress"]
    assert body["status_text"] == "正在处理"
    text = str(body) + client.get(body_url(filed)).get_data(as_text=True)
    for secret in ("王五", "赵六", "内部备注", "张三", "cleaner", "responder"):
        assert secret not in text


def body_url(filed) -> str:
    return f"/t/{filed['tracking_no']}?key={filed['tracking_key']}"


def test_the_question_is_shown_and_the_answer_requeues(client, filed, staff):
    report = reload(filed)
    report.claimed_by_user_id, report.claim_expires_at = staff["cleaner"].id, now()
    db.session.commit()
    step(filed, "need_info", staff["cleaner"], reason="请问是哪一家烧烤店？")
    body = track(client, filed).json
    assert body["can_answer"] and body["question"] == "请问是哪一家烧烤店？"
    assert "工作人员需要您补充情况：请问是哪一家烧烤店？" in [e["text"] for e in body["timeline"]]
    page = client.get(body_url(filed)).get_data(as_text=True)
    assert 'id="question">请问是哪一家烧烤店？<' in page

    blank = client.post(
        f"{API}/{filed['tracking_no']}/info", json={"key": filed["tracking_key"], "answer": "？？"}
    )
    assert blank.status_code == 422 and "answer" in blank.json["errors"]["json"]
    before = reload(filed).queued_at
    answered = client.post(
        f"{API}/{filed['tracking_no']}/info",
        json={"key": filed["tracking_key"], "answer": "3号楼下的老王烧烤"},
    )
    assert answered.status_code == 200 and answered.json["status"] == "received"
    report = reload(filed)
    assert report.queued_at > before and report.claimed_by_user_id is None
    assert report.claim_expires_at is None
    assert report.events[-1].action == "add_info" and report.events[-1].actor_role == "reporter"
    again = client.post(
        f"{API}/{filed['tracking_no']}/info",
        json={"key": filed["tracking_key"], "answer": "再补充"},
    )
    assert again.status_code == 409


def test_answer_through_the_page_form(client, filed, staff):
    step(filed, "need_info", staff["cleaner"], reason="具体地址？")
    url = f"/t/{filed['tracking_no']}/info"
    empty = client.post(url, data=with_csrf(client, {"key": filed["tracking_key"], "answer": " "}))
    assert empty.status_code == 422 and "请填写补充的情况" in empty.get_data(as_text=True)
    wrong = client.post(url, data=with_csrf(client, {"key": "nope", "answer": "幸福路8号"}))
    assert wrong.status_code == 404
    done = client.post(
        url, data=with_csrf(client, {"key": filed["tracking_key"], "answer": "幸福路8号"})
    )
    assert done.status_code == 303 and done.location.endswith("done=info")
    assert "补充的情况已提交" in client.get(done.location).get_data(as_text=True)
    assert reload(filed).status == "received"


def test_rating_waits_for_the_result_and_is_taken_once(client, filed, staff):
    url = f"{API}/{filed['tracking_no']}/feedback"
    rating = {"key": filed["tracking_key"], "satisfaction": "satisfied", "comment": "很快"}
    early = client.post(url, json=rating)
    assert early.status_code == 409 and early.json["errors"]["message_zh"] == "事项办结后才能评价"
    resolve(filed, staff)
    body = track(client, filed).json
    assert (
        body["can_rate"] and body["status_text"] == "已办结" and body["outcome_text"] == "调解成功"
    )
    rated = client.post(url, json=rating)
    assert rated.status_code == 200, rated.json
    assert rated.json["satisfaction_text"] == "满意" and not rated.json["can_rate"]
    report = reload(filed)
    assert report.satisfaction == "satisfied" and report.events[-1].payload["method"] == "online"
    assert client.post(url, json=rating).status_code == 409
    bad = client.post(url, json={**rating, "satisfaction": "meh"})
    assert bad.status_code == 422 and "satisfaction" in bad.json["errors"]["json"]


def test_dissatisfied_reopens_and_the_next_result_can_be_rated(client, filed, staff):
    url = f"{API}/{filed['tracking_no']}/feedback"
    resolve(filed, staff)
    unhappy = client.post(url, json={"key": filed["tracking_key"], "satisfaction": "dissatisfied"})
    assert unhappy.json["status"] == "in_progress" and not unhappy.json["can_rate"]
    assert [e["action"] for e in unhappy.json["timeline"]][-2:] == ["follow_up", "reopen"]
    step(filed, "resolve", staff["responder"])
    again = client.post(
        url, json={"key": filed["tracking_key"], "satisfaction": "basically_satisfied"}
    )
    assert again.status_code == 200 and again.json["satisfaction"] == "basically_satisfied"


def test_rating_through_the_page_form(client, filed, staff):
    resolve(filed, staff)
    page = client.get(body_url(filed)).get_data(as_text=True)
    assert "请评价办理结果" in page
    url = f"/t/{filed['tracking_no']}/feedback"
    missing = client.post(url, data=with_csrf(client, {"key": filed["tracking_key"]}))
    assert missing.status_code == 422 and "请选择评价" in missing.get_data(as_text=True)
    done = client.post(
        url, data=with_csrf(client, {"key": filed["tracking_key"], "satisfaction": "satisfied"})
    )
    assert done.status_code == 303
    assert "感谢您的评价" in client.get(done.location).get_data(as_text=True)
    twice = client.post(
        url, data=with_csrf(client, {"key": filed["tracking_key"], "satisfaction": "satisfied"})
    )
    assert twice.status_code == 409 and "已经评价过" in twice.get_data(as_text=True)


def test_rejected_reason_is_shown_politely(client, filed, staff):
    step(filed, "reject", staff["cleaner"], reason="不属于受理范围，请拨打12345")
    body = track(client, filed).json
    assert body["status_text"] == "未予受理"
    assert (
        body["timeline"][-1]["text"]
        == "很抱歉，您的反映未予受理。说明：不属于受理范围，请拨打12345"
    )


def test_a_merged_report_follows_the_surviving_case(client, code, filed, staff):
    survivor_body = {
        "site_code": code,
        "description": "烧烤店油烟扰民",
        "contact_phone": "13900139000",
    }
    survivor = client.post("/api/v1/public/reports", json=survivor_body).json
    step(survivor, "need_info", staff["cleaner"], reason="您住几楼？")
    step(survivor, "add_info", staff["cleaner"], reason="五楼，窗户正对烟囱")
    survivor_id = reload(survivor).id
    duplicate = reload(filed)
    take_step(
        duplicate, "merge", staff["cleaner"], public=True, reason=f"与{survivor['tracking_no']}相同"
    )
    duplicate.duplicate_of = survivor_id
    db.session.commit()
    step(survivor, "dispatch", staff["cleaner"])
    step(survivor, "accept", staff["responder"])

    body = track(client, filed).json
    assert body["merged"] and body["status"] == "merged"
    assert (body["case_status"], body["case_status_text"]) == ("accepted", "承办单位已接收")
    assert body["status_text"] == "已与同一事项合并办理（承办单位已接收）"
    assert [e["action"] for e in body["timeline"]] == ["created", "merge", "dispatch", "accept"]
    assert "合并办理" in body["timeline"][1]["text"]
    for private in ("您住几楼", "五楼", "13900139000", "烧烤店油烟扰民", survivor["tracking_no"]):
        assert private not in str(body)
    page = client.get(body_url(filed)).get_data(as_text=True)
    assert "已与同一事项合并办理（承办单位已接收）" in page and "五楼" not in page


def test_the_lookup_form_goes_to_the_tracking_page(client, filed):
    form = client.get("/t")
    assert form.status_code == 200 and 'name="no"' in form.get_data(as_text=True)
    number = filed["tracking_no"].lower()
    response = client.get(f"/t?no={number}&key={filed['tracking_key']}")
    assert response.status_code == 303 and client.get(response.location).status_code == 200
    assert re.search(r"/t/JF\w+\?key=", response.location)

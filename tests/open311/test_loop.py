"""A report filed through Open311, followed through the whole loop to closed by its public GET."""

from datetime import datetime, timedelta

from app.core.clock import SHANGHAI, frozen_at
from tests.open311.conftest import BASE
from tests.open311.spec import check_request, parse, text
from tests.open311.test_post import form

# A Tuesday morning with no holiday near.
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def public(client, tracking_no: str, fmt: str = "xml") -> dict:
    response = client.get(f"{BASE}/requests/{tracking_no}.{fmt}")
    assert response.status_code == 200, response.data
    (record,) = parse(response, fmt, "service_requests")
    check_request(record)
    return {key: text(value) for key, value in record.items()}


def test_an_open311_report_is_followed_to_closed(post, api_key, staff, client, auth):
    cleaner, responder = auth(staff.cleaner), auth(staff.responder)
    seen = []

    def step(clock, who, path, body, status="open"):
        clock.advance(timedelta(hours=1))
        answer = client.post(f"/api/v1/reports/{report_id}/{path}", json=body, headers=who)
        assert answer.status_code == 200, (path, answer.json)
        record = public(client, tracking_no)
        assert record["status"] == status
        assert record["updated_datetime"] > seen[-1]["updated_datetime"], path
        seen.append(record)
        return record

    with frozen_at(TUESDAY) as clock:
        filed = post(form(api_key, **{"attribute[danger_now]": "no"}))
        tracking_no = filed.json[0]["service_request_id"]
        queue = client.get("/api/v1/queue", headers=cleaner).json["items"]
        report_id = next(
            i["report"]["id"] for i in queue if i["report"]["tracking_no"] == tracking_no
        )
        first = public(client, tracking_no)
        assert (first["status"], first["status_notes"]) == ("open", "您的反映已提交")
        assert first["agency_responsible"] == "一号街道综治中心"  # routed, not yet dispatched
        seen.append(first)

        dispatched = step(
            clock, cleaner, "triage",
            {"action": "dispatch", "category_code": "labour_wages.unpaid_wages",
             "risk_level": "high"},
        )  # fmt: skip
        assert dispatched["status_notes"] == "已交属地单位办理"
        assert dispatched["expected_datetime"]  # the deadline, once the unit has the case
        assert datetime.fromisoformat(dispatched["expected_datetime"]) > TUESDAY

        accepted = step(clock, responder, "accept", {})
        assert accepted["status_notes"] == "承办单位已接收，正在处理"

        resolved = step(
            clock, responder, "resolve", {"outcome": "agreement", "note": "老板承诺月底前付清"}
        )
        # Resolved is still open in GeoReport's terms: the call-back and closing are to come.
        assert resolved["status_notes"] == "承办单位已办结（双方已达成协议）"
        assert "老板承诺" not in resolved["status_notes"]

        followed = step(
            clock, cleaner, "follow-up",
            {"satisfaction": "satisfied", "method": "phone", "note": "张三表示满意"},
        )  # fmt: skip
        assert followed["status_notes"] == "已回访反映人（双方已达成协议）"

        closed = step(clock, cleaner, "close", {}, status="closed")
        assert closed["status_notes"] == "事项已结案（双方已达成协议）"
        assert closed["expected_datetime"] == ""
        assert closed["updated_datetime"] == (TUESDAY + timedelta(hours=5)).isoformat()

    listed = client.get(f"{BASE}/requests.json?status=closed&start_date=2026-03-01T00:00:00Z")
    assert [r["service_request_id"] for r in listed.json] == [tracking_no]
    assert "张三" not in listed.data.decode()

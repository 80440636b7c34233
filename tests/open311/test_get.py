"""GET requests and one request: public fields only, in both formats, with the standard's filters."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.clock import frozen_at, now
from app.extensions import db
from app.open311 import published
from app.reports.intake import NewParty, NewReport, create_report
from app.reports.models import Report
from tests.geometry import INSIDE_G1, INSIDE_S2
from tests.open311.conftest import BASE
from tests.open311.spec import check_errors, check_request, parse, text
from tests.open311.test_post import form

FORMATS = ["xml", "json"]
PRIVATE = ("13812345678", "13987654321", "张三", "李四", "王五", "zhang@example.com", "acct-9",
           "device-1", "幸福小区3栋2单元501")  # fmt: skip


def walk_in(description: str, where=INSIDE_G1, **kw) -> Report:
    lon, lat = where if where else (None, None)
    report = create_report(NewReport(description, "walk_in", lon, lat, **kw)).report
    db.session.commit()
    return report


def listing(client, fmt: str, query: str = "") -> list[dict]:
    response = client.get(f"{BASE}/requests.{fmt}{query}")
    assert response.status_code == 200, response.data
    records = parse(response, fmt, "service_requests")
    for record in records:
        check_request(record)
    return records


@pytest.mark.parametrize("fmt", FORMATS)
def test_nothing_personal_is_published(post, api_key, client, fmt):
    posted = post(
        form(
            api_key,
            description="我叫张三，电话13812345678，工地拖欠我们三十个人的工资",
            email="zhang@example.com", device_id="device-1", account_id="acct-9",
            first_name="三", last_name="张", phone="13812345678",
            address_string="幸福小区3栋2单元501",
        )
    )  # fmt: skip
    assert posted.status_code == 200, posted.data
    walk_in(
        "王五和李四因为宅基地吵架，王五电话 139-8765-4321",
        parties=[NewParty("王五", "申请人", "13987654321"), NewParty("李四", "被申请人")],
        reporter_phone="13812345678",
    )
    response = client.get(f"{BASE}/requests.{fmt}")
    body = response.data.decode("utf-8")
    for secret in PRIVATE:
        assert secret not in body, secret
    records = listing(client, fmt)
    assert len(records) == 2
    texts = {text(r["description"]) for r in records}
    # The names the case knows (reporter, parties) as 张某; numbers hidden.
    assert any(t.startswith("我叫张某，电话［号码已隐去］") for t in texts)
    assert any(t.startswith("王某和李某因为宅基地吵架，王某电话 ［号码已隐去］") for t in texts)
    exact_lon, exact_lat = INSIDE_G1
    for record in records:
        lat, lon = float(text(record["lat"])), float(text(record["long"]))
        # Rounded to 3 decimals (about 100 m), as PUBLIC_POSITION_DECIMALS says.
        assert re.fullmatch(r"-?\d+(\.\d{1,3})?", text(record["lat"]))
        assert abs(lat - exact_lat) < 0.001 and abs(lon - exact_lon) < 0.001
        assert text(record["address"]) == "测试区一号街道一号社区一号网格"
        assert text(record["service_notice"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_not_to_publish_hides_the_report_everywhere(post, api_key, client, fmt):
    hidden = post(form(api_key, **{"attribute[publish]": "no"})).json[0]["service_request_id"]
    shown = post(form(api_key)).json[0]["service_request_id"]
    ids = [text(r["service_request_id"]) for r in listing(client, fmt)]
    assert ids == [shown]
    assert listing(client, fmt, f"?service_request_id={hidden},{shown}") == listing(
        client, fmt, f"?service_request_id={shown}"
    )
    check_errors(client.get(f"{BASE}/requests/{hidden}.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_a_one_element_list(post, api_key, client, fmt):
    tracking_no = post(form(api_key)).json[0]["service_request_id"]
    response = client.get(f"{BASE}/requests/{tracking_no}.{fmt}")
    assert response.status_code == 200
    (record,) = parse(response, fmt, "service_requests")
    check_request(record)
    assert (text(record["service_request_id"]), text(record["status"])) == (tracking_no, "open")
    assert (text(record["service_code"]), text(record["service_name"])) == (
        "labour_wages.unpaid_wages", "拖欠工资",
    )  # fmt: skip
    assert text(record["status_notes"]) == "您的反映已提交"
    assert text(record["expected_datetime"]) == ""  # no deadline before dispatch
    check_errors(client.get(f"{BASE}/requests/JF000000XXXXXX.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rejected_and_merged_reports_are_closed_with_a_plain_note(
    staff, client, auth, api_key, post, fmt
):
    survivor = walk_in("小区门口垃圾堆放很久没人清理")
    merged = walk_in("小区门口垃圾没人清理，臭味很大")
    rejected = walk_in("测试一下")
    cleaner = auth(staff.cleaner)
    assert (
        client.post(
            f"/api/v1/reports/{merged.id}/triage",
            headers=cleaner,
            json={"action": "merge", "duplicate_of": survivor.id},
        ).status_code
        == 200
    )
    answer = client.post(
        f"/api/v1/reports/{rejected.id}/triage",
        headers=cleaner,
        json={"action": "reject", "reason": "其他", "note": "王五说是玩笑"},
    )
    assert answer.status_code == 200, answer.json  # fmt: skip
    records = {text(r["service_request_id"]): r for r in listing(client, fmt)}
    assert text(records[survivor.tracking_no]["status"]) == "open"
    gone = records[merged.tracking_no]
    assert text(gone["status"]) == "closed"
    assert text(gone["status_notes"]) == f"与同一事项合并办理，见 {survivor.tracking_no}"
    refused = records[rejected.tracking_no]
    assert text(refused["status"]) == "closed"
    assert text(refused["status_notes"]) == "经核实，该反映未予受理"
    assert "王五" not in client.get(f"{BASE}/requests.{fmt}").data.decode()
    closed = listing(client, fmt, "?status=closed")
    assert {text(r["service_request_id"]) for r in closed} == {
        merged.tracking_no, rejected.tracking_no,
    }  # fmt: skip
    opened = listing(client, fmt, "?status=open")
    assert [text(r["service_request_id"]) for r in opened] == [survivor.tracking_no]


def test_filters_by_service_date_and_ids(geography, client):
    with frozen_at(now() - timedelta(days=120)):
        old = walk_in("四个月前的邻里纠纷", category_code="neighbour.noise")
    noise = walk_in("楼上噪音", category_code="neighbour.noise")
    fees = walk_in("物业乱收费", where=INSIDE_S2, category_code="property_mgmt.fees")
    ids = lambda records: [text(r["service_request_id"]) for r in records]  # noqa: E731
    # Newest first; by default the last 90 days only.
    assert ids(listing(client, "json")) == [fees.tracking_no, noise.tracking_no]
    assert ids(listing(client, "json", "?service_code=neighbour.noise")) == [noise.tracking_no]
    both = "?service_code=neighbour.noise,property_mgmt.fees"
    assert set(ids(listing(client, "json", both))) == {noise.tracking_no, fees.tracking_no}
    start = (old.created_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (old.created_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(listing(client, "json", f"?start_date={start}&end_date={end}")) == [old.tracking_no]
    assert ids(listing(client, "json", f"?start_date={start}")) == [old.tracking_no]
    # Ids override every other filter, the window too.
    wanted = f"?service_request_id={old.tracking_no},{fees.tracking_no}&status=open&service_code=x"
    assert set(ids(listing(client, "json", wanted))) == {old.tracking_no, fees.tracking_no}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z", "90 days"),
        ("?start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z", "end_date"),
        ("?start_date=yesterday", "start_date"),
        ("?end_date=2026-03-01T00:00:00", "end_date"),
        ("?status=pending", "status"),
        ("?jurisdiction_id=XX", "jurisdiction_id"),
    ],
)
def test_bad_filters_are_the_standards_errors(geography, client, query, named, fmt):
    response = client.get(f"{BASE}/requests.{fmt}{query}")
    status = 404 if "jurisdiction" in query else 400
    assert named in check_errors(response, fmt, status)


def test_at_most_the_limit_newest_first(geography, client, monkeypatch):
    reports = [walk_in(f"第{i}件事") for i in range(3)]
    monkeypatch.setattr(published, "MAX_RESULTS", 2)
    records = listing(client, "json")
    assert [r["service_request_id"] for r in records] == [
        reports[2].tracking_no, reports[1].tracking_no,
    ]  # fmt: skip
    assert db.session.scalars(select(Report)).all()  # nothing was changed by reading


def test_an_anonymised_report_keeps_its_text_to_itself(geography, client):
    report = walk_in("我叫张三，欠薪", reporter_name="张三")
    assert "张某" in listing(client, "json")[0]["description"]
    # As `flask reports anonymise` leaves it: the name the redaction needed is gone.
    report.reporter_name, report.anonymised_at = None, now()
    db.session.commit()
    (record,) = listing(client, "json")
    assert record["description"] == published.WITHHELD

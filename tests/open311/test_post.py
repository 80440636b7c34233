"""POST requests: filed through the one intake path, and every refusal in the standard's format."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.open311.keys import revoke_key
from app.open311.models import Open311Key, Open311Request
from app.reports.models import Report, ReportEvent
from app.triage.models import ReportSuggestion
from tests.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2
from tests.open311.conftest import BASE
from tests.open311.spec import (
    POSTED_FIELDS,
    TOKEN_FIELDS,
    TOKEN_LOOKUP_FIELDS,
    check_errors,
    parse,
    text,
)

FORMATS = ["xml", "json"]


def form(api_key: str, **fields) -> dict:
    lon, lat = INSIDE_G1
    return {
        "api_key": api_key,
        "jurisdiction_id": "D",
        "service_code": "labour_wages.unpaid_wages",
        "lat": str(lat),
        "long": str(lon),
        "description": "工地老板拖欠三十名工人工资，工人聚集在工地门口",
        "attribute[danger_now]": "no",
        **fields,
    }


def stored(tracking_no: str) -> Report:
    db.session.expire_all()
    return db.session.scalars(select(Report).where(Report.tracking_no == tracking_no)).one()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_is_filed_like_every_channel_and_answered_with_its_id(
    post, api_key, staff, client, auth, fmt
):
    response = post(
        form(
            api_key,
            **{
                "attribute[danger_now]": "yes",
                "attribute[people_count]": "30",
                "attribute[wage_amount]": "360000",
                "attribute[vulnerable][]": "elderly",
                "email": "zhang@example.com",
                "device_id": "device-1",
                "account_id": "acct-9",
                "first_name": "三",
                "last_name": "张",
                "phone": "+86 138-1234-5678",
            },
        ),
        fmt,
    )
    assert response.status_code == 200, response.data
    (answer,) = parse(response, fmt, "service_requests")
    assert set(answer) == POSTED_FIELDS
    assert text(answer["account_id"]) == "acct-9" and text(answer["service_notice"])
    report = stored(text(answer["service_request_id"]))
    assert (report.channel, report.status, report.category_code) == (
        "open311", "received", "labour_wages.unpaid_wages",
    )  # fmt: skip
    assert (report.reporter_name, report.reporter_phone) == ("张三", "13812345678")
    assert (report.unit_code, report.subdistrict_code, report.in_coverage) == (
        "unit-S1", "S1", True,
    )  # fmt: skip
    assert report.attributes == {
        "danger_now": "yes", "people_count": 30, "wage_amount": 360000, "vulnerable": ["elderly"],
    }  # fmt: skip
    created = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id)
    ).one()
    assert (created.action, created.public, created.payload["channel"]) == (
        "created", True, "open311",
    )  # fmt: skip
    assert created.payload["open311_key"] == "12345平台"
    kept = db.session.get(Open311Request, report.id)
    assert (kept.email, kept.device_id, kept.account_id, kept.jurisdiction_id) == (
        "zhang@example.com", "device-1", "acct-9", "D",
    )  # fmt: skip

    # In the cleaner's queue, with the answers and the suggestions they led to.
    queue = client.get("/api/v1/queue", headers=auth(staff.cleaner))
    assert queue.status_code == 200, queue.json
    (item,) = queue.json["items"]
    assert item["report"]["tracking_no"] == report.tracking_no
    assert item["report"]["attributes"]["danger_now"] == "yes"
    suggestions = item["suggestions"]
    assert suggestions["risk_level"] == "critical"
    assert "问答：现在有人身安全危险" in suggestions["risk_reasons"]
    assert "问答：涉及30人" in suggestions["risk_reasons"]
    assert suggestions["routing"]["unit_code"] == "unit-S1"


def test_no_danger_leaves_the_risk_to_the_text(post, api_key):
    response = post(
        form(api_key, description="物业费收费标准不清楚，想咨询", service_code="property_mgmt.fees")
    )
    report = stored(response.json[0]["service_request_id"])
    suggestion = db.session.get(ReportSuggestion, report.id)
    assert suggestion.suggested_risk != "critical"
    assert not any(reason.startswith("问答") for reason in suggestion.risk_reasons)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_asynchronous_key_gets_a_token_and_the_token_gives_the_id(post, make_key, client, fmt):
    secret = make_key(name="慢速客户端", asynchronous=True)
    response = post(form(secret), fmt)
    assert response.status_code == 200, response.data
    (answer,) = parse(response, fmt, "service_requests")
    assert set(answer) == TOKEN_FIELDS
    token = text(answer["token"])
    looked_up = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert looked_up.status_code == 200
    (found,) = parse(looked_up, fmt, "service_requests")
    assert set(found) == TOKEN_LOOKUP_FIELDS and text(found["token"]) == token
    assert stored(text(found["service_request_id"])).channel == "open311"
    check_errors(client.get(f"{BASE}/tokens/not-a-token.{fmt}"), fmt, 404)


def test_an_address_without_a_position_goes_to_the_cleaner_unrouted(
    post, api_key, staff, client, auth
):
    data = form(api_key, address_string="安富街道某小区3栋")
    del data["lat"], data["long"]
    response = post(data)
    assert response.status_code == 200, response.data
    report = stored(response.json[0]["service_request_id"])
    assert (report.location, report.unit_code, report.in_coverage) == (None, None, False)
    assert db.session.get(Open311Request, report.id).address_string == "安富街道某小区3栋"
    (item,) = client.get("/api/v1/queue", headers=auth(staff.cleaner)).json["items"]
    assert item["report"]["id"] == report.id and item["suggestions"]["routing"]["unit_code"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_keys_missing_wrong_or_revoked_are_refused(post, api_key, fmt):
    without = form(api_key)
    del without["api_key"]
    assert "api_key" in check_errors(post(without, fmt), fmt, 400)
    check_errors(post(form("not-a-key"), fmt), fmt, 403)
    key = db.session.scalars(select(Open311Key)).one()
    revoke_key(key.id)
    db.session.commit()
    check_errors(post(form(api_key), fmt), fmt, 403)
    assert db.session.scalars(select(Report)).all() == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("fields", "status", "named"),
    [
        ({"service_code": "no.such.service"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"jurisdiction_id": "XX"}, 404, "jurisdiction_id"),
        ({"attribute[danger_now]": ""}, 400, "attribute[danger_now]"),
        ({"attribute[danger_now]": "maybe"}, 400, "attribute[danger_now]"),
        ({"attribute[people_count]": "many"}, 400, "attribute[people_count]"),
        ({"attribute[shoe_size]": "42"}, 400, "attribute[shoe_size]"),
        ({"attribute[vulnerable][]": "aliens"}, 400, "attribute[vulnerable]"),
        ({"attribute[occurred_at]": "yesterday"}, 400, "attribute[occurred_at]"),
        ({"lat": str(FAR_EAST[1]), "long": str(FAR_EAST[0])}, 400, "outside"),
        ({"lat": "", "long": ""}, 400, "location"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "95"}, 400, "lat"),
        ({"description": "欠薪\x00"}, 400, "description"),
        ({"first_name": "\x00"}, 400, "first_name"),
        ({"phone": "12345"}, 400, "phone"),
        ({"email": "not an address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"description": "长" * 2001}, 400, "description"),
    ],
)  # fmt: skip
def test_bad_requests_are_the_standards_errors_and_store_nothing(
    post, api_key, fields, status, named, fmt
):
    description = check_errors(post(form(api_key, **fields), fmt), fmt, status)
    assert named in description
    assert db.session.scalars(select(Report)).all() == []


def test_a_key_scoped_to_an_area_files_only_inside_it(post, make_key):
    secret = make_key(name="一号街道小程序", area_code="S1")
    inside = post(form(secret))
    assert inside.status_code == 200, inside.data
    lon, lat = INSIDE_S2
    check_errors(post(form(secret, lat=str(lat), long=str(lon))), "json", 403)


def test_each_key_has_its_own_rate_limit(post, make_key):
    slow = make_key(name="慢", rate_limit="2 per minute")
    other = make_key(name="快")
    assert [post(form(slow)).status_code for _ in range(2)] == [200, 200]
    limited = post(form(slow), "xml")
    check_errors(limited, "xml", 429)
    assert limited.headers.get("Retry-After")
    # Another client's budget is its own.
    assert post(form(other)).status_code == 200


def test_a_multivaluelist_takes_several_values(client, api_key):
    from werkzeug.datastructures import MultiDict

    data = form(api_key)
    response = client.post(
        f"{BASE}/requests.json",
        data=MultiDict(
            [
                *data.items(),
                ("attribute[vulnerable][]", "minor"),
                ("attribute[vulnerable][]", "elderly"),
            ]
        ),
    )
    assert response.status_code == 200, response.data
    report = stored(response.json[0]["service_request_id"])
    assert report.attributes["vulnerable"] == ["elderly", "minor"]


def test_asking_not_to_publish_is_kept_on_the_report(post, api_key):
    response = post(form(api_key, **{"attribute[publish]": "no"}))
    assert stored(response.json[0]["service_request_id"]).do_not_publish is True

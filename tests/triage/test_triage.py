"""Triage decisions: dispatch (with overrides), merge, reject, need_info, and who may act."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.lifecycle.signals import step_taken
from app.reports.models import Report, ReportEvent
from app.units.service import create_unit
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2

DISPATCH = {"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "medium"}


@pytest.fixture
def triage(client, auth, cleaner):
    headers = auth(cleaner)

    def post(report_id: int, body: dict, headers=headers):
        return client.post(f"/api/v1/reports/{report_id}/triage", json=body, headers=headers)

    return post


def events(report_id: int) -> list[ReportEvent]:
    return list(
        db.session.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
        )
    )


def fresh(report_id: int) -> Report:
    """The report as the next request sees it (the test client shares the test's session, so
    a refused request's uncommitted changes are dropped here as its teardown would)."""
    db.session.rollback()
    return db.session.get(Report, report_id)


def test_dispatch_takes_the_suggested_routing_and_runs_the_dispatch_hooks(
    file_report, triage, cleaner
):
    report = file_report("楼上装修噪音太大")
    seen = []

    def receiver(r, action, event):
        seen.append((r.id, r.status, r.unit_code, r.tier))

    with step_taken.connected_to(receiver):
        response = triage(report.id, DISPATCH)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["unit_code"], body["tier"], body["risk_level"]) == (
        "dispatched", "unit-S1", "subdistrict", "medium",
    )  # fmt: skip
    assert body["category_code"] == "neighbour.noise" and body["dispatched_at"]
    assert seen == [(report.id, "dispatched", "unit-S1", "subdistrict")]
    stored = fresh(report.id)
    assert stored.triaged_by_user_id == cleaner.id and stored.triaged_at is not None
    assert stored.claimed_by_user_id is None and stored.claim_expires_at is None
    dispatch = events(report.id)[-1]
    assert (dispatch.action, dispatch.public, dispatch.payload["unit_name"]) == (
        "dispatch", True, "一号街道综治中心",
    )  # fmt: skip
    assert dispatch.payload["override"] is False


@pytest.mark.parametrize(
    ("missing", "body"),
    [
        ("category_code", {"action": "dispatch", "risk_level": "low"}),
        ("risk_level", {"action": "dispatch", "category_code": "neighbour.noise"}),
        ("category_code", {**DISPATCH, "category_code": "no_such"}),
        ("unit_code", {**DISPATCH, "unit_code": "no-such-unit", "reason": "x"}),
        ("area_code", {**DISPATCH, "area_code": "NOWHERE", "reason": "x"}),
        ("action", {"action": "escalate"}),
        ("risk_level", {**DISPATCH, "risk_level": "apocalyptic"}),
    ],
)
def test_bad_dispatches_name_the_field_and_change_nothing(file_report, triage, missing, body):
    report = file_report("楼上装修噪音太大")
    response = triage(report.id, body)
    assert response.status_code == 422 and missing in response.json["errors"]["json"]
    stored = fresh(report.id)
    assert stored.status == "received" and stored.claimed_by_user_id is None


def test_an_override_needs_a_reason_and_is_recorded(file_report, triage):
    report = file_report("楼上装修噪音太大")
    other_unit = {**DISPATCH, "unit_code": "unit-S2"}
    refused = triage(report.id, other_unit)
    assert refused.status_code == 422 and "reason" in refused.json["errors"]["json"]
    response = triage(report.id, {**other_unit, "reason": "施工方在二号街道，由其协调"})
    assert response.status_code == 200
    body = response.json
    assert (body["unit_code"], body["subdistrict_code"], body["area_code"]) == (
        "unit-S2", "S2", "S2",
    )  # fmt: skip
    override = events(report.id)[-1]
    assert (override.action, override.public, override.reason) == (
        "route_override", False, "施工方在二号街道，由其协调",
    )  # fmt: skip
    assert override.payload["suggested"] == {"subdistrict_code": "S1", "unit_code": "unit-S1"}
    assert override.payload["chosen"] == {"subdistrict_code": "S2", "unit_code": "unit-S2"}


def test_tier_follows_the_kind_of_unit(app, file_report, triage):
    create_unit("unit-C1", "一号社区调委会", "community", "C1")
    create_unit("sfs-S1", "一号街道司法所", "department", "S1")
    db.session.commit()
    expected = {"unit-C1": "community", "sfs-S1": "subdistrict", "unit-D": "district"}
    for unit, tier in expected.items():
        report = file_report("邻里纠纷")
        response = triage(report.id, {**DISPATCH, "unit_code": unit, "reason": "按职责交办"})
        assert response.status_code == 200, response.json
        assert response.json["tier"] == tier
    by_area = triage(
        file_report("邻里纠纷").id, {**DISPATCH, "area_code": "S2", "reason": "跨街道"}
    )
    assert (by_area.json["unit_code"], by_area.json["tier"]) == ("unit-S2", "subdistrict")


def test_out_of_coverage_needs_a_unit_and_is_no_override(file_report, triage):
    report = file_report("河边有人钓鱼吵架", at=FAR_EAST)
    refused = triage(report.id, DISPATCH)
    assert refused.status_code == 422 and "unit_code" in refused.json["errors"]["json"]
    response = triage(report.id, {**DISPATCH, "unit_code": "unit-D"})
    assert response.status_code == 200
    assert (response.json["unit_code"], response.json["area_code"], response.json["tier"]) == (
        "unit-D", "D", "district",
    )  # fmt: skip
    assert [e.action for e in events(report.id)][-1] == "dispatch"


def test_merge_points_at_the_survivor_never_itself_never_a_chain(file_report, triage):
    a, b, c, d = (file_report(f"阳光花园{i}栋楼上漏水") for i in range(4))
    assert triage(a.id, {"action": "merge", "duplicate_of": a.id}).status_code == 422
    missing = triage(a.id, {"action": "merge"})
    assert missing.status_code == 422 and "duplicate_of" in missing.json["errors"]["json"]
    assert triage(a.id, {"action": "merge", "duplicate_of": 99999}).status_code == 422

    merged = triage(b.id, {"action": "merge", "duplicate_of": a.id})
    assert merged.status_code == 200
    assert (merged.json["status"], merged.json["duplicate_of"]) == ("merged", a.id)
    event = events(b.id)[-1]
    assert (event.action, event.public, event.payload["duplicate_of"]) == ("merge", True, a.id)
    assert "查询号" in event.reason  # the reporter is told how to follow the case

    # Merging into a merged report goes to its survivor.
    chained = triage(c.id, {"action": "merge", "duplicate_of": b.id})
    assert chained.json["duplicate_of"] == a.id
    # A survivor merged in turn takes its followers with it: nobody points at a merged report.
    assert triage(a.id, {"action": "merge", "duplicate_of": d.id}).status_code == 200
    pointers = {r: fresh(r).duplicate_of for r in (a.id, b.id, c.id)}
    assert pointers == {a.id: d.id, b.id: d.id, c.id: d.id}
    assert fresh(d.id).duplicate_of is None
    # And a loop is refused: d cannot be merged into one of its own duplicates.
    loop = triage(d.id, {"action": "merge", "duplicate_of": b.id})
    assert loop.status_code == 422 and "duplicate_of" in loop.json["errors"]["json"]


def test_merge_into_a_rejected_report_is_refused(file_report, triage):
    junk, real = file_report("啊啊啊啊啊"), file_report("楼上漏水")
    assert triage(junk.id, {"action": "reject", "reason": "无效信息"}).status_code == 200
    response = triage(real.id, {"action": "merge", "duplicate_of": junk.id})
    assert response.status_code == 422 and "rejected" in response.json["message"]


def test_reject_with_a_reason_from_the_list_and_a_polite_public_explanation(file_report, triage):
    report = file_report("我想咨询一下离婚财产怎么分")
    bad = triage(report.id, {"action": "reject", "reason": "看着不像"})
    assert bad.status_code == 422 and "reason" in bad.json["errors"]["json"]
    other = triage(report.id, {"action": "reject", "reason": "其他"})
    assert other.status_code == 422 and "note" in other.json["errors"]["json"]
    response = triage(
        report.id, {"action": "reject", "reason": "不属于受理范围", "note": "可咨询法律援助中心"}
    )
    assert response.status_code == 200 and response.json["status"] == "rejected"
    event = events(report.id)[-1]
    assert event.public and event.payload["reject_reason"] == "不属于受理范围"
    assert "受理范围" in event.reason and "法律援助中心" in event.reason


def test_need_info_asks_the_reporter_and_leaves_the_queue(
    file_report, triage, client, auth, cleaner
):
    report = file_report("这里有问题")
    assert triage(report.id, {"action": "need_info"}).status_code == 422
    response = triage(report.id, {"action": "need_info", "reason": "请说明具体地点和发生了什么"})
    assert response.status_code == 200 and response.json["status"] == "needs_info"
    event = events(report.id)[-1]
    assert (event.action, event.public, event.reason) == (
        "need_info", True, "请说明具体地点和发生了什么",
    )  # fmt: skip
    queue = client.get("/api/v1/queue", headers=auth(cleaner)).json["items"]
    assert report.id not in [i["report"]["id"] for i in queue]
    # While waiting for the answer it can still be rejected.
    assert triage(report.id, {"action": "reject", "reason": "无效信息"}).status_code == 200


def test_someone_elses_claim_is_a_409_and_a_triaged_report_is_a_409(
    file_report, triage, make_user, client, auth
):
    report = file_report("楼上装修噪音太大")
    other = make_user("cleaner", ["D"], display_name="乙")
    assert client.post(f"/api/v1/reports/{report.id}/claim", headers=auth(other)).status_code == 200
    blocked = triage(report.id, DISPATCH)
    assert blocked.status_code == 409 and "乙" in blocked.json["message"]
    assert fresh(report.id).status == "received"
    done = triage(report.id, DISPATCH, headers=auth(other))
    assert done.status_code == 200
    assert triage(report.id, DISPATCH, headers=auth(other)).status_code == 409


def test_only_cleaners_in_scope_triage(file_report, triage, make_user, auth):
    report = file_report("楼上装修噪音太大")
    assert (
        triage(
            report.id, DISPATCH, headers=auth(make_user("responder", ["S1"], unit="unit-S1"))
        ).status_code
        == 403
    )
    assert triage(report.id, DISPATCH, headers=auth(make_user("admin"))).status_code == 403
    assert (
        triage(report.id, DISPATCH, headers=auth(make_user("cleaner", ["S2"]))).status_code == 403
    )
    assert triage(99999, DISPATCH).status_code == 404
    s2 = file_report("二号街道的事", at=INSIDE_S2)
    # A cleaner of S2 may not move a case into S1, outside their areas.
    s2_cleaner = auth(make_user("cleaner", ["S2"]))
    moved = triage(s2.id, {**DISPATCH, "unit_code": "unit-S1", "reason": "x"}, headers=s2_cleaner)
    assert moved.status_code == 403 and fresh(s2.id).status == "received"
    assert INSIDE_G1


def test_merging_an_urgent_report_lifts_its_survivor_in_the_queue(
    file_report, triage, client, auth, cleaner
):
    old, other = file_report("阳光花园门口有人吵架"), file_report("楼道堆物")
    urgent = file_report("阳光花园门口有人吵架，现在拿刀了")
    assert triage(urgent.id, {"action": "merge", "duplicate_of": old.id}).status_code == 200
    items = client.get("/api/v1/queue", headers=auth(cleaner)).json["items"]
    assert [i["report"]["id"] for i in items] == [old.id, other.id]
    lifted = items[0]["suggestions"]
    assert lifted["risk_level"] == "critical"
    assert f"{urgent.tracking_no}：「拿刀」→紧急" in lifted["risk_reasons"]

"""Joint handling (联调联处) and summons (吹哨报到): lifecycle steps, access, cards."""

from datetime import timedelta

from app.core.clock import frozen_at, now
from app.extensions import db
from app.lifecycle.engine import allowed_actions
from app.lifecycle.policy import can_see
from app.mediation.models import CasePart
from app.mediation.parts import parts_of
from app.reports.intake import NewReport, create_report
from app.workflow.sweep import sweep
from tests.geometry import INSIDE_G1
from tests.mediation.test_sessions import session
from tests.workflow.conftest import reload
from tests.workflow.test_sweep import TUESDAY

DISPATCH = {"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "high"}


def joint_case(staff, client, auth, co_units=("unit-S2",)):
    report = create_report(NewReport("两户宅基地边界纠纷", "qr_scan", *INSIDE_G1)).report
    db.session.commit()
    body = {**DISPATCH, "co_unit_codes": list(co_units)}
    response = client.post(
        f"/api/v1/reports/{report.id}/triage", json=body, headers=auth(staff.cleaner)
    )
    assert response.status_code == 200, response.json
    return reload(report), response.json


def test_dispatch_with_co_units_gives_each_a_part_due_with_the_case(staff, client, auth):
    report, body = joint_case(staff, client, auth)
    assert report.unit_code == "unit-S1"
    (part,) = parts_of(report.id)
    assert (part.kind, part.unit_code, part.state) == ("co_unit", "unit-S2", "open")
    assert part.due_at == report.due_at and part.by_unit_code == "unit-S1"
    assert body["timeline"][-1]["payload"]["co_unit_codes"] == ["unit-S2"]


def test_bad_co_units_are_named(staff, client, auth):
    report = create_report(NewReport("纠纷", "qr_scan", *INSIDE_G1)).report
    db.session.commit()
    for codes in (["unit-X"], ["unit-S1"]):
        response = client.post(
            f"/api/v1/reports/{report.id}/triage",
            json={**DISPATCH, "co_unit_codes": codes},
            headers=auth(staff.cleaner),
        )
        db.session.rollback()
        assert response.status_code == 422 and "co_unit_codes" in str(response.json["errors"])
    assert reload(report).status == "received"


def test_a_co_units_responder_sees_the_case_and_nothing_else_of_the_leads(
    staff, client, auth, dispatched
):
    joint, _ = joint_case(staff, client, auth)
    other = dispatched(unit="unit-S1")  # the lead unit's own case, no part for unit-S2
    co = staff.other_subdistrict
    assert can_see(co, joint) and not can_see(co, other)
    headers = auth(co)
    assert client.get(f"/api/v1/reports/{joint.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/reports/{other.id}", headers=headers).status_code == 403
    listed = {i["id"] for i in client.get("/api/v1/reports", headers=headers).json["items"]}
    assert joint.id in listed and other.id not in listed


def test_the_lead_resolves_only_after_every_co_unit_reported_or_was_released(
    staff, client, auth, act
):
    report, _ = joint_case(staff, client, auth, ("unit-S2", "unit-C1"))
    lead, co, third = staff.subdistrict, staff.other_subdistrict, staff.community
    s2, c1 = parts_of(report.id)
    assert act(lead, report, "accept").status_code == 200
    # The co-unit accepts its part, then records a session on the case.
    accepted = client.post(f"/api/v1/co-unit-parts/{s2.id}/accept", headers=auth(co))
    assert accepted.status_code == 200 and accepted.json["state"] == "accepted"
    assert act(co, report, "sessions", json=session(at=now())).status_code == 201
    # Neither the lead nor the co-unit resolves while parts are open.
    result = {"outcome": "mediated", "note": "双方达成协议"}
    assert "resolve" not in allowed_actions(reload(report), lead)
    refused = act(lead, report, "resolve", json=result)
    assert refused.status_code == 409 and "unit-S2" in refused.json["message"]
    assert act(co, report, "resolve", json=result).status_code == 403
    reported = client.post(
        f"/api/v1/co-unit-parts/{s2.id}/report", json={"note": "已核实边界"}, headers=auth(co)
    )
    assert reported.status_code == 200 and reported.json["state"] == "reported"
    assert act(lead, report, "resolve", json=result).status_code == 409  # unit-C1 still open
    # Only the lead (or the centre) releases a co-unit, and with a reason.
    assert (
        client.post(
            f"/api/v1/parts/{c1.id}/release", json={"reason": "不涉及"}, headers=auth(co)
        ).status_code
        == 403
    )
    db.session.rollback()
    released = client.post(
        f"/api/v1/parts/{c1.id}/release", json={"reason": "不涉及社区"}, headers=auth(lead)
    )
    assert released.status_code == 200 and released.json["state"] == "released"
    assert act(lead, report, "resolve", json=result).status_code == 200
    actions = [e.action for e in reload(report).events]
    for action in ("acknowledge", "mediate", "report_part", "release", "resolve"):
        assert action in actions
    assert third.unit_code == "unit-C1"


def test_a_summons_is_acknowledged_then_reported_and_an_unanswered_one_gets_a_card(
    staff, client, auth, act, dispatched
):
    lead, s2, district = staff.subdistrict, staff.other_subdistrict, staff.district
    with frozen_at(TUESDAY):
        report = dispatched(unit="unit-S1")
        assert act(lead, report, "accept").status_code == 200
        due = TUESDAY + timedelta(hours=10)
        body = {
            "unit_codes": ["unit-S2", "unit-D"],
            "reason": "需派出所、住建协同",
            "due_at": due.isoformat(),
        }
        summoned = act(lead, report, "summons", json=body)
        assert summoned.status_code == 201, summoned.json
        by_unit = {p["unit_code"]: p["id"] for p in summoned.json}
        assert reload(report).events[-1].action == "summon"
        # A unit without the summons cannot answer it; the report waits for 报到.
        assert (
            client.post(
                f"/api/v1/summons/{by_unit['unit-S2']}/acknowledge", headers=auth(staff.community)
            ).status_code
            == 403
        )
        db.session.rollback()
        early = client.post(
            f"/api/v1/summons/{by_unit['unit-S2']}/report",
            json={"note": "已处理"},
            headers=auth(s2),
        )
        db.session.rollback()
        assert early.status_code == 409
        # The summoned unit sees the case now, and answers.
        assert client.get(f"/api/v1/reports/{report.id}", headers=auth(s2)).status_code == 200
        assert (
            client.post(
                f"/api/v1/summons/{by_unit['unit-S2']}/acknowledge", headers=auth(s2)
            ).status_code
            == 200
        )
        reported = client.post(
            f"/api/v1/summons/{by_unit['unit-S2']}/report",
            json={"note": "已到场处置"},
            headers=auth(s2),
        )
        assert reported.status_code == 200 and reported.json["state"] == "reported"
    assert district.unit_code == "unit-D"
    # unit-D never acknowledged: yellow at 80% of the time, red at the limit, once each.
    assert sweep(TUESDAY + timedelta(hours=7, minutes=59)).part_cards == {}
    assert sweep(TUESDAY + timedelta(hours=8)).part_cards == {by_unit["unit-D"]: ("none", "yellow")}
    result = sweep(TUESDAY + timedelta(hours=10))
    db.session.commit()
    assert result.part_cards == {by_unit["unit-D"]: ("yellow", "red")}
    assert db.session.get(CasePart, by_unit["unit-S2"]).card == "none"
    cards = [e.payload for e in reload(report).events if e.action == "part_card"]
    assert [(c["unit_code"], c["to"]) for c in cards] == [("unit-D", "yellow"), ("unit-D", "red")]
    assert sweep(TUESDAY + timedelta(hours=11)).part_cards == {}


def test_a_summons_needs_a_reason_units_and_a_future_limit(staff, act, dispatched):
    report = dispatched(unit="unit-S1")
    act(staff.subdistrict, report, "accept")
    later = (now() + timedelta(hours=3)).isoformat()
    cases = {
        "unit_codes": {"unit_codes": ["unit-S1"], "reason": "协同", "due_at": later},
        "due_at": {"unit_codes": ["unit-S2"], "reason": "协同",
                   "due_at": (now() - timedelta(hours=1)).isoformat()},
    }  # fmt: skip
    for field, body in cases.items():
        response = act(staff.subdistrict, report, "summons", json=body)
        assert response.status_code == 422 and field in str(response.json["errors"]), field
    assert parts_of(report.id) == []


def test_the_queue_suggests_joint_handling_for_larger_risk_and_the_district_above(
    staff, client, auth
):
    expected = {"low": "single", "medium": "joint", "high": "district", "critical": "district"}
    reports = {}
    for risk in expected:
        report = create_report(NewReport(f"纠纷{risk}", "qr_scan", *INSIDE_G1)).report
        report.risk_level = risk
        reports[report.id] = risk
    db.session.commit()
    items = client.get("/api/v1/queue?limit=50", headers=auth(staff.cleaner)).json["items"]
    found = {
        i["report"]["id"]: i["suggestions"]["handling"]
        for i in items
        if i["report"]["id"] in reports
    }
    assert {reports[k]: v["mode"] for k, v in found.items()} == expected
    assert "联调联处" in next(v["reason"] for k, v in found.items() if reports[k] == "medium")

"""Mediation sessions on a case: a lifecycle step with its event, the public view, the rule."""

from datetime import timedelta

from sqlalchemy import select

from app.core.clock import frozen_at
from app.extensions import db
from app.lifecycle.table import TRANSITIONS
from app.mediation.models import MediationSession
from app.public.case_view import public_case
from app.reports.models import ReportEvent
from app.workflow.sweep import sweep
from tests.workflow.conftest import reload
from tests.workflow.test_sweep import TUESDAY

DAY = timedelta(days=1)


def session(result="no_agreement", at=None, **extra):
    body = {
        "held_at": (at or TUESDAY).isoformat(),
        "place": "一号社区调解室",
        "mediators": ["王调解员", "李律师（法律顾问）"],
        "parties_present": ["张三", "李四"],
        "proposal": "楼上晚十点后停止装修",
        "result": result,
        **extra,
    }
    if result in ("agreement", "partial") and "terms" not in extra:
        body["terms"] = "张三每日22时后不再施工；李四撤回投诉"
    return body


def accepted_case(dispatched, staff, act, unit="unit-C1"):
    report = dispatched(unit=unit)
    responder = staff.community if unit == "unit-C1" else staff.subdistrict
    assert act(responder, report, "accept").status_code == 200
    return reload(report), responder


def test_a_session_is_the_mediate_step_with_its_event(dispatched, staff, act):
    assert TRANSITIONS[("accepted", "mediate")].to == "in_progress"
    assert TRANSITIONS[("in_progress", "mediate")].public
    with frozen_at(TUESDAY + timedelta(hours=3)):
        report, responder = accepted_case(dispatched, staff, act)
        response = act(responder, report, "sessions", json=session("agreement"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["result"] == "agreement" and body["mediators"][1] == "李律师（法律顾问）"
    assert body["tier"] == "community" and body["unit_code"] == "unit-C1"
    report = reload(report)
    assert report.status == "in_progress"
    event = db.session.get(ReportEvent, body["event_id"])
    assert event.action == "mediate" and event.public
    assert event.payload == {"session_id": body["id"], "result": "agreement", "tier": "community"}


def test_the_reporter_reads_only_that_a_session_took_place_and_its_result(dispatched, staff, act):
    with frozen_at(TUESDAY + timedelta(hours=3)):
        report, responder = accepted_case(dispatched, staff, act)
        act(responder, report, "sessions", json=session("no_agreement"))
    entries = [e for e in public_case(reload(report)).timeline if e.action == "mediate"]
    assert [e.text for e in entries] == ["已组织调解，暂未达成一致，继续调解"]
    # No mediator, party, place or proposal reaches the reporter.
    for word in ("王调解员", "张三", "调解室", "装修"):
        assert word not in entries[0].text


def test_bad_input_names_the_field(dispatched, staff, act):
    with frozen_at(TUESDAY + timedelta(hours=3)):
        report, responder = accepted_case(dispatched, staff, act)
        agreed_without_terms = session("agreement", terms=None)
        del agreed_without_terms["terms"]
        cases = {
            "result": session("perhaps"),
            "terms": agreed_without_terms,
            "held_at": session(at=TUESDAY + 2 * DAY),
            "mediators": session(mediators=[]),
        }
        for field, body in cases.items():
            response = act(responder, report, "sessions", json=body)
            assert response.status_code == 422, (field, response.json)
            assert field in str(response.json["errors"]), field
    assert db.session.scalar(select(MediationSession.id)) is None


def test_only_the_unit_holding_the_case_records_its_sessions(dispatched, staff, act):
    with frozen_at(TUESDAY + timedelta(hours=3)):
        report, _ = accepted_case(dispatched, staff, act)
        other = act(staff.other_subdistrict, report, "sessions", json=session())
        grid = act(staff.grid_worker, report, "sessions", json=session())
    assert other.status_code == 403 and grid.status_code == 403


def test_the_rule_counts_the_tiers_sessions_and_escalates_after_the_limit(
    dispatched, staff, act, client, auth
):
    with frozen_at(TUESDAY) as clock:
        report, responder = accepted_case(dispatched, staff, act)
        held = clock.advance(timedelta(hours=2))
        for _ in range(2):
            assert act(responder, report, "sessions", json=session(at=held)).status_code == 201
            held = clock.advance(DAY)
        clock.advance(-DAY)
        listing = client.get(f"/api/v1/reports/{report.id}/sessions", headers=auth(responder))
        attempts = listing.json["attempts"]
        assert attempts["sessions_used"] == 2 and attempts["sessions_left"] == 1
        assert attempts["max_sessions"] == 3 and attempts["within_days"] == 7
        assert attempts["days_left"] == 6.0 and not attempts["spent"]
        held = clock.advance(DAY)
        absent = session("absent", parties_present=[], at=held)
        assert act(responder, report, "sessions", json=absent).status_code == 201
        detail = client.get(f"/api/v1/reports/{report.id}", headers=auth(responder)).json
    spent_at = TUESDAY + 2 * DAY + timedelta(hours=2)
    assert detail["mediation"]["spent"] and detail["mediation"]["cause"] == "sessions"
    # Offered for escalation; the sweep waits for the grace (24 hours), then sends it up.
    assert sweep(spent_at + timedelta(hours=23)).by_attempt_rule == []
    db.session.commit()
    assert reload(report).unit_code == "unit-C1"
    result = sweep(spent_at + timedelta(hours=24))
    db.session.commit()
    assert result.by_attempt_rule == [report.id]
    report = reload(report)
    assert report.unit_code == "unit-S1" and report.tier == "subdistrict"
    escalation = report.events[-1]
    assert escalation.action == "escalate" and escalation.payload["cause"] == "attempt_rule"
    # At the new tier the count starts again: no session there yet, nothing to escalate.
    assert sweep(spent_at + 30 * DAY).by_attempt_rule == []


def test_the_rule_escalates_when_the_days_run_out(dispatched, staff, act):
    with frozen_at(TUESDAY):
        report, responder = accepted_case(dispatched, staff, act)
        act(responder, report, "sessions", json=session(at=TUESDAY))
    assert sweep(TUESDAY + 7 * DAY + timedelta(hours=23)).by_attempt_rule == []
    assert sweep(TUESDAY + 8 * DAY).by_attempt_rule == [report.id]
    db.session.commit()
    assert reload(report).tier == "subdistrict"


def test_an_agreement_stops_the_rule(dispatched, staff, act):
    with frozen_at(TUESDAY):
        report, responder = accepted_case(dispatched, staff, act)
        act(responder, report, "sessions", json=session("agreement"))
    assert sweep(TUESDAY + 30 * DAY).by_attempt_rule == []


def test_admins_change_the_rule_per_tier_and_category(
    dispatched, staff, act, client, auth, make_user
):
    admin = make_user("admin")
    listed = client.get("/api/v1/mediation-policies", headers=auth(staff.community)).json
    assert [(p["tier"], p["max_sessions"], p["within_days"], p["source"]) for p in listed] == [
        ("community", 3, 7, "default"), ("subdistrict", 3, 15, "default"),
        ("district", 3, 30, "default"),
    ]  # fmt: skip
    rules = [
        {"tier": "community", "max_sessions": 2, "within_days": 5},
        {"tier": "community", "category_code": "neighbour.noise", "max_sessions": 1,
         "within_days": 3},
    ]  # fmt: skip
    refused = client.put("/api/v1/mediation-policies", json=rules, headers=auth(staff.supervisor))
    assert refused.status_code == 403
    bad = client.put(
        "/api/v1/mediation-policies",
        headers=auth(admin),
        json=[{"tier": "village", "max_sessions": 0, "within_days": 3}],
    )
    assert bad.status_code == 422 and "tier" in str(bad.json["errors"])
    db.session.rollback()
    put = client.put("/api/v1/mediation-policies", json=rules, headers=auth(admin))
    assert put.status_code == 200, put.json
    with frozen_at(TUESDAY):
        report, responder = accepted_case(dispatched, staff, act)  # a neighbour.noise case
        act(responder, report, "sessions", json=session())
    assert sweep(TUESDAY + timedelta(hours=23)).by_attempt_rule == []
    assert sweep(TUESDAY + timedelta(hours=24)).by_attempt_rule == [report.id]

"""The lifecycle as one package (issue #12): one entry point, one access policy, one overdue
rule, step answers as full as GET /reports/<id>, progress as JSON."""

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.core.clock import SHANGHAI, frozen_at
from app.extensions import db
from app.lifecycle import STATE_CATEGORIES, allowed_actions, apply
from app.lifecycle.policy import can_see, visible_clause
from app.reports.intake import NewReport, create_report
from app.reports.models import STATUSES, Report
from app.stats.overdue import overdue_cases as dashboard_overdue
from app.workflow.supervision import overdue_cases as supervision_overdue
from app.workflow.sweep import sweep
from tests.helpers.db import reload
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2

APP = Path(__file__).resolve().parents[2] / "app"
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def test_only_the_lifecycle_assigns_a_report_state():
    pattern = re.compile(r"\breport\.status\s*=[^=]")
    outside = [
        f"{path.relative_to(APP)}:{number}"
        for path in APP.rglob("*.py")
        if "lifecycle" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert outside == []


def test_every_state_has_exactly_one_category():
    listed = [s for states in STATE_CATEGORIES.values() for s in states]
    assert sorted(listed) == sorted(STATUSES)
    assert set(STATE_CATEGORIES) == {"queued", "open", "finished", "terminal"}


def test_progress_takes_a_json_note(dispatched, staff, act):
    report = dispatched()
    assert act(staff.community, report, "accept").status_code == 200
    response = act(staff.community, report, "progress", json={"note": "已约双方面谈"})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "in_progress"
    assert response.json["timeline"][-1]["reason"] == "已约双方面谈"
    empty = act(staff.community, report, "progress", json={"note": "  "})
    assert empty.status_code == 422 and "note" in empty.json["errors"]["json"]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "JPEG")
    return buffer.getvalue()


def test_step_answers_are_the_report_detail(dispatched, staff, act, client, auth):
    report = dispatched()
    accepted = act(staff.community, report, "accept", json={"note": "已签收"})
    assert accepted.status_code == 200
    progressed = act(
        staff.community,
        report,
        "progress",
        data={"note": "现场照片", "photos": [(io.BytesIO(_jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert progressed.status_code == 200, progressed.json
    detail = client.get(f"/api/v1/reports/{report.id}", headers=auth(staff.community)).json
    assert progressed.json == detail
    assert {"timeline", "photos", "parties"} <= set(progressed.json)
    assert len(progressed.json["photos"]) == 1
    assert [e["action"] for e in accepted.json["timeline"]][-1] == "accept"


def test_a_triage_answer_is_the_report_detail(staff, client, auth):
    report = create_report(NewReport("楼上每晚噪音扰民", "qr_scan", *INSIDE_G1)).report
    db.session.commit()
    body = {"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "medium"}
    response = client.post(
        f"/api/v1/reports/{report.id}/triage", json=body, headers=auth(staff.cleaner)
    )
    assert response.status_code == 200, response.json
    assert [e["action"] for e in response.json["timeline"]] == ["created", "dispatch"]
    assert response.json["photos"] == [] and response.json["parties"] == []


def test_a_responder_sees_only_what_was_dispatched_to_their_unit(staff, client, auth):
    """Routing that merely points at a unit does not show the report to the unit."""
    queued = create_report(NewReport("楼道堆物", "qr_scan", *INSIDE_G1)).report
    rejected = create_report(NewReport("测试测试", "qr_scan", *INSIDE_G1)).report
    db.session.commit()
    assert queued.unit_code == rejected.unit_code == "unit-S1"
    apply(rejected, "reject", staff.cleaner, {"reason": "无效信息"})
    db.session.commit()
    responder = staff.subdistrict
    headers = auth(responder)
    for report in (queued, rejected):
        assert not can_see(responder, report)
        assert client.get(f"/api/v1/reports/{report.id}", headers=headers).status_code == 403
    listed = client.get("/api/v1/reports", headers=headers).json["items"]
    assert {queued.id, rejected.id}.isdisjoint(i["id"] for i in listed)

    data = {"category_code": "neighbour.noise", "risk_level": "medium"}
    apply(queued, "dispatch", staff.cleaner, data)
    db.session.commit()
    assert can_see(responder, queued)
    assert client.get(f"/api/v1/reports/{queued.id}", headers=headers).status_code == 200
    assert allowed_actions(reload(queued), responder) == ["accept", "return"]


def test_a_report_outside_every_area_is_for_the_district_desk(staff, make_user, client, auth):
    outside = create_report(
        NewReport("界外的事", "qr_scan", *FAR_EAST, reporter_phone="13812345678")
    ).report
    db.session.commit()
    assert outside.area_path is None
    local = [make_user("supervisor", ["S1"]), make_user("cleaner", ["S2"])]
    for user in local:
        assert not can_see(user, outside)
        response = client.get(f"/api/v1/reports/{outside.id}", headers=auth(user))
        assert response.status_code == 403
    for user in (staff.supervisor, staff.cleaner, make_user("admin")):
        response = client.get(f"/api/v1/reports/{outside.id}", headers=auth(user))
        assert response.status_code == 200
        assert response.json["reporter_phone"] == "13812345678"


def test_the_object_check_and_the_list_filter_agree(dispatched, staff, make_user):
    reports = [
        dispatched(),
        dispatched(unit="unit-S2", where=INSIDE_S2),
        create_report(NewReport("界外", "qr_scan", *FAR_EAST)).report,
        create_report(NewReport("排队", "qr_scan", *INSIDE_G1)).report,
        create_report(NewReport("网格员自报", "grid_worker"), staff.grid_worker).report,
    ]
    db.session.commit()
    users = [
        *vars(staff).values(),
        make_user("admin"),
        make_user("supervisor", ["S1"]),
        make_user("cleaner", ["S2"]),
        make_user("responder", [], None),
    ]
    ids = [r.id for r in reports]
    for user in users:
        listed = set(
            db.session.scalars(select(Report.id).where(Report.id.in_(ids), visible_clause(user)))
        )
        assert listed == {r.id for r in reports if can_see(user, r)}, user.username


def test_the_two_overdue_lists_agree(dispatched, staff, act, make_user):
    with frozen_at(TUESDAY) as clock:
        accepted = dispatched(risk="critical")
        assert act(staff.community, accepted, "accept").status_code == 200
        resolved = dispatched(risk="critical")
        assert act(staff.community, resolved, "accept").status_code == 200
        dispatched(risk="critical")
        dispatched(unit="unit-S2", risk="critical", where=INSIDE_S2)
        clock.advance(timedelta(minutes=70))
        dispatched(risk="critical")
        clock.advance(timedelta(hours=30))
        body = {"outcome": "mediated", "note": "已调解"}
        assert act(staff.community, resolved, "resolve", json=body).status_code == 200
    sweep(TUESDAY + timedelta(hours=2))
    db.session.commit()
    users = [staff.supervisor, make_user("supervisor", ["S2"]), make_user("supervisor", ["S1"])]
    seen = set()
    for user in users:
        listed, _ = supervision_overdue(user, limit=100)
        on_dashboard = dashboard_overdue(user, limit=100)
        assert [r.id for r in listed] == [r.id for r in on_dashboard]
        seen |= {r.id for r in listed}
    assert len(seen) >= 3 and reload(resolved).id not in seen


def test_unknown_actions_and_wrong_states_are_refused(dispatched, staff):
    from app.core.errors import Invalid, InvalidTransition

    report = dispatched()
    with pytest.raises(Invalid):
        apply(report, "teleport", staff.community)
    with pytest.raises(InvalidTransition):
        apply(report, "resolve", staff.community, {"outcome": "mediated", "note": "好"})
    assert report.status == "dispatched"


def test_allowed_actions_are_the_buttons_a_screen_may_show(dispatched, staff, act):
    report = dispatched(phone=None)
    assert allowed_actions(report, staff.supervisor) == ["escalate", "supervise"]
    assert allowed_actions(report, staff.subdistrict) == []  # another unit's case
    assert act(staff.community, report, "accept").status_code == 200
    body = {"outcome": "mediated", "note": "已调解"}
    assert act(staff.community, report, "resolve", json=body).status_code == 200
    report = reload(report)
    # No call-back yet and nobody to call: only a supervisor's close without one.
    assert allowed_actions(report, staff.cleaner) == ["follow_up", "reopen"]
    assert "close_without_follow_up" in allowed_actions(report, staff.supervisor)
    body = {"satisfaction": "satisfied", "method": "visit"}
    assert act(staff.cleaner, report, "follow-up", json=body).status_code == 200
    assert allowed_actions(reload(report), staff.cleaner) == ["follow_up", "reopen", "close"]

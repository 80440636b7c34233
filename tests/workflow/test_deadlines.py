"""Deadline policies and the calendar: which policy applies, the admin API, the hook at dispatch."""

from dataclasses import astuple
from datetime import datetime

import pytest

from app.core.clock import SHANGHAI, frozen_at
from app.extensions import db
from app.lifecycle.signals import event_recorded, report_created
from app.workflow.deadlines import limits_for
from app.workflow.policies import create_policy
from tests.helpers.db import reload

TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def test_the_reactions_are_connected_once(app):
    from app import create_app

    other = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "TESTING": True})
    with other.app_context():
        db.engine.dispose()
    names = [r().__name__ for r in report_created.receivers.values()]
    names += [r().__name__ for r in event_recorded.receivers.values()]
    assert sorted(names) == ["note_event", "on_report_created"]


@pytest.mark.parametrize(
    ("risk", "accept_due", "due"),
    [
        ("critical", datetime(2026, 3, 10, 10, 0), datetime(2026, 3, 11, 9, 0)),
        ("high", datetime(2026, 3, 10, 13, 0), datetime(2026, 3, 13, 9, 0)),
        ("medium", datetime(2026, 3, 11, 9, 0), datetime(2026, 3, 19, 9, 0)),
        ("low", datetime(2026, 3, 11, 9, 0), datetime(2026, 3, 31, 9, 0)),
    ],
)
def test_seeded_defaults_per_risk_level(dispatched, risk, accept_due, due):
    with frozen_at(TUESDAY):
        report = reload(dispatched(risk=risk))
    assert report.accept_due_at == accept_due.replace(tzinfo=SHANGHAI)
    assert report.due_at == due.replace(tzinfo=SHANGHAI)
    assert report.assigned_at == TUESDAY and report.card == "none"


def test_the_most_specific_policy_wins(tiers):
    create_policy(
        {"category_code": "neighbour", "risk_level": "medium", "accept_within": 2,
         "accept_unit": "hours", "resolve_within": 5, "resolve_unit": "working_days"}
    )  # fmt: skip
    create_policy(
        {"category_code": "neighbour.noise", "risk_level": "medium", "accept_within": 1,
         "accept_unit": "hours", "resolve_within": 2, "resolve_unit": "working_days"}
    )  # fmt: skip
    assert astuple(limits_for("neighbour.noise", "medium"))[:4] == (1, "hours", 2, "working_days")
    assert astuple(limits_for("neighbour.water_leak", "medium"))[:4] == (
        2,
        "hours",
        5,
        "working_days",
    )
    assert astuple(limits_for("contract", "medium"))[:4] == (1, "working_days", 7, "working_days")
    assert astuple(limits_for("neighbour.noise", "low"))[:4] == (
        1,
        "working_days",
        15,
        "working_days",
    )
    # No risk level recorded: timed as medium.
    assert astuple(limits_for(None, None))[:4] == (1, "working_days", 7, "working_days")


def test_without_any_policy_the_built_in_defaults_apply(app):
    assert astuple(limits_for("contract", "critical"))[:5] == (1, "hours", 24, "hours", "default")


def test_policy_admin_api(tiers, client, admin_headers, make_user, auth):
    body = {
        "category_code": "labour_wages.unpaid_wages",
        "risk_level": "high",
        "accept_within": 2,
        "accept_unit": "hours",
        "resolve_within": 2,
        "resolve_unit": "working_days",
        "note": "欠薪从快",
    }
    created = client.post("/api/v1/deadline-policies", json=body, headers=admin_headers)
    assert created.status_code == 201, created.json
    again = client.post("/api/v1/deadline-policies", json=body, headers=admin_headers)
    assert again.status_code == 409
    bad = client.post(
        "/api/v1/deadline-policies",
        json={**body, "category_code": "nope", "accept_unit": "fortnights"},
        headers=admin_headers,
    )
    assert bad.status_code == 422 and "accept_unit" in bad.json["errors"]["json"]
    unknown = client.post(
        "/api/v1/deadline-policies", json={**body, "category_code": "nope"}, headers=admin_headers
    )
    assert unknown.status_code == 422 and "category_code" in unknown.json["errors"]["json"]

    policy_id = created.json["id"]
    changed = client.put(
        f"/api/v1/deadline-policies/{policy_id}",
        json={**body, "resolve_within": 1},
        headers=admin_headers,
    )
    assert changed.status_code == 200 and changed.json["resolve_within"] == 1
    listed = client.get("/api/v1/deadline-policies", headers=admin_headers).json
    assert len(listed) == 5  # four seeded defaults and this one
    preview = client.get(
        "/api/v1/deadline-policies/preview",
        query_string={
            "category_code": "labour_wages.unpaid_wages",
            "risk_level": "high",
            "start": "2026-04-30T10:00:00+08:00",
        },
        headers=admin_headers,
    )
    assert preview.status_code == 200, preview.json
    assert preview.json["policy"] == f"policy {policy_id}"
    assert preview.json["accept_due_at"] == "2026-04-30T12:00:00+08:00"
    assert preview.json["due_at"] == "2026-05-06T10:00:00+08:00"  # 劳动节 1–5 May

    responder = make_user("responder", ["C1"], "unit-C1")
    assert (
        client.post("/api/v1/deadline-policies", json=body, headers=auth(responder)).status_code
        == 403
    )
    assert (
        client.delete(f"/api/v1/deadline-policies/{policy_id}", headers=admin_headers).status_code
        == 204
    )
    assert (
        client.delete(f"/api/v1/deadline-policies/{policy_id}", headers=admin_headers).status_code
        == 404
    )


def test_calendar_admin_api_changes_new_deadlines(dispatched, client, admin_headers):
    # The national calendar comes from chinese-calendar: the table holds only local exceptions.
    assert client.get("/api/v1/calendar-days?year=2026", headers=admin_headers).json == []
    # A local rest day (e.g. a typhoon closure) on Wednesday 11 March.
    put = client.put(
        "/api/v1/calendar-days/2026-03-11",
        json={"kind": "holiday", "name": "停工"},
        headers=admin_headers,
    )
    assert put.status_code == 200 and put.json == {
        "day": "2026-03-11",
        "kind": "holiday",
        "name": "停工",
    }
    with frozen_at(TUESDAY):
        report = reload(dispatched(risk="medium"))
    assert report.accept_due_at == datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI)
    assert [
        d["day"] for d in client.get("/api/v1/calendar-days?year=2026", headers=admin_headers).json
    ] == ["2026-03-11"]
    bad = client.put(
        "/api/v1/calendar-days/11-03-2026", json={"kind": "holiday"}, headers=admin_headers
    )
    assert bad.status_code == 422 and "day" in bad.json["errors"]["path"]
    wrong = client.put(
        "/api/v1/calendar-days/2026-03-11", json={"kind": "nap"}, headers=admin_headers
    )
    assert wrong.status_code == 422 and "kind" in wrong.json["errors"]["json"]
    assert (
        client.delete("/api/v1/calendar-days/2026-03-11", headers=admin_headers).status_code == 204
    )
    assert (
        client.delete("/api/v1/calendar-days/2026-03-11", headers=admin_headers).status_code == 404
    )
    db.session.rollback()

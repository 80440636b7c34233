"""The state machine table: every (state, action) pair not in it is refused with 409."""

import itertools

import pytest

from app.core.errors import Forbidden, InvalidTransition
from app.extensions import db
from app.lifecycle.engine import take_step
from app.lifecycle.table import ACTIONS, TRANSITIONS, describe
from app.reports.intake import NewReport, create_report
from app.reports.models import STATUSES, Report

NOT_ALLOWED = [p for p in itertools.product(STATUSES, ACTIONS) if p not in TRANSITIONS]


def test_table_only_names_known_states_actions_and_roles():
    for (state, action), step in TRANSITIONS.items():
        assert state in STATUSES and action in ACTIONS
        assert step.to is None or step.to in STATUSES
        assert step.roles <= {
            "admin",
            "supervisor",
            "cleaner",
            "responder",
            "grid_worker",
            "reporter",
            "system",
        }
    assert "| received | dispatch | dispatched | cleaner |" in describe()


@pytest.mark.parametrize(("state", "action"), NOT_ALLOWED)
def test_pairs_outside_the_table_are_refused(app, make_user, state, action):
    report = create_report(NewReport("测试", "walk_in")).report
    report.status = state
    db.session.flush()
    with pytest.raises(InvalidTransition) as error:
        take_step(report, action, make_user("admin"))
    assert state in error.value.message and action in error.value.message
    assert error.value.status_code == 409


def test_step_changes_state_and_writes_event(app, make_user):
    report = create_report(NewReport("测试", "walk_in")).report
    cleaner = make_user("cleaner")
    event = take_step(report, "reject", cleaner, reason="无效信息")
    assert report.status == "rejected"
    assert (event.from_status, event.to_status, event.actor_role, event.reason) == (
        "received", "rejected", "cleaner", "无效信息",
    )  # fmt: skip


def test_wrong_role_is_forbidden(app, make_user):
    report = create_report(NewReport("测试", "walk_in")).report
    with pytest.raises(Forbidden):
        take_step(report, "dispatch", make_user("responder"))
    assert report.status == "received"


# Each loop action, the endpoint that takes it and a body that is valid when the state allows it.
ENDPOINTS = {
    "accept": ("accept", {}),
    "return": ("return", {"reason": "不归我们"}),
    "progress": ("progress", None),
    "escalate": ("escalate", {"reason": "需要上级"}),
    "resolve": ("resolve", {"outcome": "mediated", "note": "调解成功"}),
    "follow_up": ("follow-up", {"satisfaction": "satisfied", "method": "phone"}),
    "supervise": ("supervise", {"note": "请尽快办理"}),
    "close": ("close", {}),
    "close_without_follow_up": ("close", {"without_follow_up": True}),
    "archive": ("archive", {}),
    "reopen": ("reopen", {"reason": "再处理"}),
    "mediate": (
        "sessions",
        {
            "held_at": "2026-01-05T10:00:00+08:00",
            "place": "调解室",
            "mediators": ["王调解员"],
            "parties_present": ["张三"],
            "result": "no_agreement",
        },
    ),
    "summon": (
        "summons",
        {"unit_codes": ["unit-S1"], "reason": "协同", "due_at": "2099-01-01T10:00:00+08:00"},
    ),
}
# Addressed by the part (co-unit part or summons), not the report: tests/mediation/test_parts.py.
PART_ACTIONS = {"acknowledge", "report_part", "release"}


def test_every_loop_action_has_an_endpoint():
    triage = {"dispatch", "merge", "reject", "need_info", "add_info"}
    assert set(ENDPOINTS) == set(ACTIONS) - triage - PART_ACTIONS


@pytest.mark.parametrize("action", sorted(ENDPOINTS))
def test_http_refuses_pairs_outside_the_table(tiers, client, auth, action):
    """Over HTTP, as a user holding every role: the state alone decides, with 409 naming both."""
    from app.accounts.service import create_user

    user = create_user(
        f"all-{action}", "correct-horse-9", ["supervisor", "cleaner", "responder", "grid_worker"],
        ["D"], "unit-C1",
    )  # fmt: skip
    db.session.commit()
    headers = auth(user)
    path, body = ENDPOINTS[action]
    refused = [state for state in STATUSES if (state, action) not in TRANSITIONS]
    assert refused
    for state in refused:
        report = create_report(NewReport("测试", "qr_scan", 105.32, 28.72)).report
        report.status, report.unit_code = state, "unit-C1"
        db.session.commit()
        url = f"/api/v1/reports/{report.id}/{path}"
        if body is None:
            response = client.post(
                url, headers=headers, data={"note": "进展"}, content_type="multipart/form-data"
            )
        else:
            response = client.post(url, headers=headers, json=body)
        db.session.rollback()
        assert response.status_code == 409, (state, response.json)
        assert state in response.json["message"] and action in response.json["message"]
        assert db.session.get(Report, report.id).status == state

"""A responder's phone sends a step again: it is done once and answered with the case."""

from sqlalchemy import func, select

from app.core.idempotency import IdempotencyRecord
from app.extensions import db
from app.reports.models import ReportEvent
from tests.helpers.db import reload


def events(report, action: str) -> int:
    return db.session.scalar(
        select(func.count(ReportEvent.id)).where(
            ReportEvent.report_id == report.id, ReportEvent.action == action
        )
    )


def test_a_step_sent_twice_is_done_once_and_says_it_was_replayed(dispatched, staff, act):
    report = dispatched()
    key = {"Idempotency-Key": "accept-0001"}
    first = act(staff.community, report, "accept", json={"note": "收到"}, headers=key)
    again = act(staff.community, report, "accept", json={"note": "收到"}, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.json["status"] == "accepted"
    assert events(reload(report), "accept") == 1


def test_the_same_key_for_another_step_is_409_and_changes_nothing(dispatched, staff, act):
    report = dispatched()
    key = {"Idempotency-Key": "step-0002"}
    assert act(staff.community, report, "accept", json={}, headers=key).status_code == 200
    other = act(staff.community, report, "progress", data={"note": "已联系"}, headers=key)
    assert other.status_code == 409 and "Idempotency-Key" in other.json["errors"]["headers"]
    assert reload(report).status == "accepted"


def test_a_failed_step_keeps_no_record_so_its_retry_runs_again(dispatched, staff, act):
    report = dispatched()
    key = {"Idempotency-Key": "resolve-early"}
    body = {"outcome": "mediated", "note": "双方达成谅解"}
    assert act(staff.community, report, "resolve", json=body, headers=key).status_code == 409
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0
    assert act(staff.community, report, "accept", json={}).status_code == 200
    assert act(staff.community, report, "progress", data={"note": "已联系"}).status_code == 200
    assert act(staff.community, report, "resolve", json=body, headers=key).status_code == 200


def test_keys_are_each_users_own(dispatched, staff, act, tiers, make_user):
    report = dispatched()
    colleague = make_user("responder", ["C1"], "unit-C1")
    key = {"Idempotency-Key": "same-key"}
    assert act(staff.community, report, "accept", json={}, headers=key).status_code == 200
    # Another user's request under that key is not a replay: it is judged on its own.
    second = act(colleague, report, "accept", json={}, headers=key)
    assert second.status_code == 409 and "Idempotent-Replayed" not in second.headers

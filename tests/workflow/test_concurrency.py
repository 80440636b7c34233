"""Two people acting on one case at once: one succeeds, the other gets 409, nothing half-written."""

import threading

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.lifecycle.engine import take_step
from app.reports.models import Report, ReportEvent
from tests.helpers.db import reload


def race(app, requests: list[tuple[str, dict, dict]]) -> list:
    """Send the requests from separate threads, released together."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def send(i: int, url: str, headers: dict, body: dict) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(url, headers=headers, json=body)
        results[i] = (response.status_code, response.json)

    threads = [
        threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def events(report: Report, action: str) -> int:
    return db.session.scalar(
        select(func.count(ReportEvent.id)).where(
            ReportEvent.report_id == report.id, ReportEvent.action == action
        )
    )


@pytest.mark.parametrize("attempt", range(3))
def test_two_responders_accept_at_once(app, dispatched, staff, make_user, auth, attempt):
    report = dispatched()
    version = report.version
    second = make_user("responder", ["C1"], "unit-C1")
    url = f"/api/v1/reports/{report.id}/accept"
    results = race(app, [(url, auth(staff.community), {}), (url, auth(second), {})])
    assert sorted(code for code, _ in results) == [200, 409], results
    refused = next(body for code, body in results if code == 409)
    assert "accept" in refused["message"]
    report = reload(report)
    assert (report.status, report.version, events(report, "accept")) == ("accepted", version + 1, 1)


def test_resolve_and_escalate_at_once(app, dispatched, staff, act, auth):
    report = dispatched()
    act(staff.community, report, "accept")
    base = f"/api/v1/reports/{report.id}"
    results = race(
        app,
        [
            (f"{base}/resolve", auth(staff.community), {"outcome": "mediated", "note": "调解成功"}),
            (f"{base}/escalate", auth(staff.supervisor), {"reason": "督办升级"}),
        ],
    )
    assert sorted(code for code, _ in results) == [200, 409], results
    report = reload(report)
    # Exactly one of the two happened, completely.
    if report.status == "resolved":
        assert (events(report, "resolve"), events(report, "escalate")) == (1, 0)
        assert report.unit_code == "unit-C1" and report.outcome == "mediated"
    else:
        assert report.status == "dispatched" and report.unit_code == "unit-S1"
        assert (events(report, "resolve"), events(report, "escalate")) == (0, 1)
        assert report.outcome is None


def test_a_stale_version_from_the_client_is_refused(dispatched, staff, act):
    report = dispatched()
    stale = report.version
    act(staff.supervisor, report, "supervise", json={"note": "请今天签收"})
    response = act(staff.community, report, "accept", json={"version": stale})
    assert response.status_code == 409 and "version" in response.json["errors"]["json"]
    assert reload(report).status == "dispatched"
    assert act(staff.community, report, "accept", json={"version": stale + 1}).status_code == 200


def test_the_version_column_catches_a_writer_that_read_before_another_wrote(dispatched, staff):
    """Without row locks (a service called outside the views) the optimistic lock still holds."""
    report = dispatched()
    session = db.session()
    session.expire_on_commit = False
    try:
        stale_version = report.version
        session.commit()  # keeps the loaded state, ends the transaction (and SQLite's lock)
        with db.engine.begin() as other:  # someone else's change, committed in between
            other.execute(
                update(Report.__table__)
                .where(Report.__table__.c.id == report.id)
                .values(version=stale_version + 1, status="accepted")
            )
        take_step(report, "accept", staff.community)
        with pytest.raises(StaleDataError):
            session.commit()
        session.rollback()
    finally:
        session.expire_on_commit = True
    report = reload(report)
    assert (report.status, report.version, events(report, "accept")) == (
        "accepted", stale_version + 1, 0,
    )  # fmt: skip

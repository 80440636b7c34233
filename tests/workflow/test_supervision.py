"""跟踪督办: the overdue list in the caller's scope, worst first; supervision notes."""

from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.clock import SHANGHAI, frozen_at
from app.extensions import db
from app.reports.models import ReportEvent
from app.workflow.sweep import sweep
from tests.helpers.geometry import INSIDE_S2

TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def test_overdue_lists_red_first_then_the_oldest_deadline(
    dispatched, staff, client, auth, make_user
):
    with frozen_at(TUESDAY) as clock:
        accepted = dispatched(risk="critical")  # accepted at once: 24 h to resolve
        assert (
            client.post(
                f"/api/v1/reports/{accepted.id}/accept", headers=auth(staff.community)
            ).status_code
            == 200
        )
        clock.advance(timedelta(minutes=5))
        red_c1 = dispatched(risk="critical")  # accept due 10:05
        red_s2 = dispatched(unit="unit-S2", risk="critical", where=INSIDE_S2)  # 10:05
        clock.advance(timedelta(minutes=65))
        yellow = dispatched(risk="critical")  # 10:10 → yellow at 10:58, red at 11:10
        clock.advance(timedelta(minutes=20))
        fresh = dispatched(risk="critical")  # 10:30 → yellow at 11:18
    sweep(TUESDAY + timedelta(hours=2))
    db.session.commit()

    headers = auth(staff.supervisor)
    page = client.get("/api/v1/supervision/overdue?limit=2", headers=headers)
    assert page.status_code == 200, page.json
    ids = [item["id"] for item in page.json["items"]]
    rest = client.get(
        f"/api/v1/supervision/overdue?limit=2&cursor={page.json['next_cursor']}", headers=headers
    ).json
    assert rest["next_cursor"] is None
    ids += [item["id"] for item in rest["items"]]
    # Red before yellow; the two reds share a deadline, so the older report comes first.
    assert ids == [red_c1.id, red_s2.id, yellow.id]
    assert accepted.id not in ids and fresh.id not in ids

    only_yellow = client.get("/api/v1/supervision/overdue?card=yellow", headers=headers).json
    assert [item["id"] for item in only_yellow["items"]] == [yellow.id]
    by_unit = client.get("/api/v1/supervision/overdue?unit_code=unit-S2", headers=headers).json
    assert [item["id"] for item in by_unit["items"]] == [red_s2.id]

    # A sub-district supervisor sees only their own area's cases.
    local = make_user("supervisor", ["S2"], "unit-S2")
    mine = client.get("/api/v1/supervision/overdue", headers=auth(local)).json
    assert [item["id"] for item in mine["items"]] == [red_s2.id]
    assert (
        client.get("/api/v1/supervision/overdue", headers=auth(staff.community)).status_code == 403
    )
    bad = client.get("/api/v1/supervision/overdue?cursor=WzFd", headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]["query"]


def test_a_supervision_note_reaches_the_unit(dispatched, staff, client, auth):
    report = dispatched()
    note = client.post(
        f"/api/v1/reports/{report.id}/supervise",
        json={"note": "该案已亮黄牌，请今日内签收"},
        headers=auth(staff.supervisor),
    )
    assert note.status_code == 200, note.json
    event = db.session.scalars(
        select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "supervise"
        )
    ).one()
    assert (event.reason, event.actor_role, event.payload["unit_code"], event.public) == (
        "该案已亮黄牌，请今日内签收", "supervisor", "unit-C1", False,
    )  # fmt: skip
    assert (
        client.post(
            f"/api/v1/reports/{report.id}/supervise",
            json={"note": "x"},
            headers=auth(staff.community),
        ).status_code
        == 403
    )
    empty = client.post(
        f"/api/v1/reports/{report.id}/supervise", json={}, headers=auth(staff.supervisor)
    )
    assert empty.status_code == 422 and "note" in empty.json["errors"]["json"]

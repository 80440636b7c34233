"""The closed loop over HTTP: received → dispatched → … → archived, and its side roads."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from app.core.clock import SHANGHAI, frozen_at
from app.extensions import db
from app.lifecycle.engine import REPORTER, apply
from app.photos.models import Photo
from app.photos.service import attach_photo
from app.reports.models import Report, ReportEvent
from app.workflow.archive import anonymise_archived
from tests.helpers.db import reload

# A Tuesday morning with no holiday near: deadlines below are plain arithmetic.
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def timeline(report: Report) -> list[tuple[str, str | None, str | None]]:
    events = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    )
    return [(e.action, e.from_status, e.to_status) for e in events]


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize("channel", ["qr_scan", "grid_worker"])
def test_the_whole_loop_to_the_archive(dispatched, staff, act, channel):
    from_grid = channel == "grid_worker"
    with frozen_at(TUESDAY) as clock:
        report = dispatched(
            channel=channel,
            phone=None if from_grid else "13812345678",
            reporter=staff.grid_worker if from_grid else None,
        )
        assert (report.status, report.unit_code, report.tier) == (
            "dispatched",
            "unit-C1",
            "community",
        )
        assert report.accept_due_at == datetime(2026, 3, 11, 9, 0, tzinfo=SHANGHAI)
        assert report.due_at == datetime(2026, 3, 19, 9, 0, tzinfo=SHANGHAI)

        clock.advance(timedelta(hours=1))
        accepted = act(staff.community, report, "accept", json={"version": report.version})
        assert accepted.status_code == 200, accepted.json
        assert accepted.json["status"] == "accepted"

        noted = act(
            staff.community,
            report,
            "progress",
            data={"note": "已联系双方，约定周四调解", "photos": (io.BytesIO(jpeg()), "site.jpg")},
            content_type="multipart/form-data",
        )
        assert noted.status_code == 200, noted.json
        assert noted.json["status"] == "in_progress"
        assert (
            db.session.scalar(select(db.func.count(Photo.id)).where(Photo.report_id == report.id))
            == 1
        )

        supervised = act(staff.supervisor, report, "supervise", json={"note": "请本周内办结"})
        assert supervised.status_code == 200 and supervised.json["status"] == "in_progress"

        resolved = act(
            staff.community, report, "resolve", json={"outcome": "mediated", "note": "双方达成谅解"}
        )
        assert resolved.status_code == 200, resolved.json
        assert (resolved.json["status"], resolved.json["outcome"]) == ("resolved", "mediated")

        # Closing needs the call-back first.
        early = act(staff.cleaner, report, "close", json={})
        assert early.status_code == 409 and "call-back" in early.json["message"]

        caller = staff.grid_worker if from_grid else staff.cleaner
        method = "visit" if from_grid else "phone"
        called = act(
            caller, report, "follow-up", json={"satisfaction": "satisfied", "method": method}
        )
        assert called.status_code == 200, called.json
        assert called.json["satisfaction"] == "satisfied"

        closed = act(staff.cleaner, report, "close", json={})
        assert closed.status_code == 200 and closed.json["status"] == "closed"
        archived = act(staff.supervisor, report, "archive")
        assert archived.status_code == 200 and archived.json["status"] == "archived"

    report = reload(report)
    assert report.archived_at is not None and report.closed_at is not None
    assert timeline(report) == [
        ("created", None, "received"),
        ("dispatch", "received", "dispatched"),
        # Triage sent it to the community's unit rather than the place's sub-district one.
        ("route_override", None, None),
        ("accept", "dispatched", "accepted"),
        ("progress", "accepted", "in_progress"),
        ("photo_added", None, None),
        ("supervise", "in_progress", "in_progress"),
        ("resolve", "in_progress", "resolved"),
        ("follow_up", "resolved", "resolved"),
        ("close", "resolved", "closed"),
        ("archive", "closed", "archived"),
    ]
    public = db.session.scalars(
        select(ReportEvent.action).where(ReportEvent.report_id == report.id, ReportEvent.public)
    ).all()
    # The dispatch by real triage is public: the resident sees the case was sent on.
    assert public == ["created", "dispatch", "accept", "resolve", "follow_up", "close"]
    event = db.session.scalars(
        select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "accept"
        )
    ).one()
    assert (event.actor_user_id, event.actor_role, event.actor_unit_code) == (
        staff.community.id, "responder", "unit-C1",
    )  # fmt: skip


def test_an_archived_case_is_read_only(dispatched, staff, act, client, auth):
    report = dispatched()
    for user, step, body in [
        (staff.community, "accept", {}),
        (staff.community, "resolve", {"outcome": "agreement", "note": "签订协议"}),
        (staff.cleaner, "follow-up", {"satisfaction": "satisfied", "method": "phone"}),
        (staff.cleaner, "close", {}),
        (staff.cleaner, "archive", {}),
    ]:
        assert act(user, report, step, json=body).status_code == 200
    version = reload(report).version
    for user, step, body in [
        (staff.supervisor, "supervise", {"note": "再看看"}),
        (staff.cleaner, "reopen", {"reason": "再处理"}),
        (staff.cleaner, "archive", {}),
        (staff.community, "progress", None),
    ]:
        response = (
            act(user, report, step, json=body)
            if body is not None
            else act(user, report, step, data={"note": "补充"}, content_type="multipart/form-data")
        )
        assert response.status_code == 409, (step, response.json)
        assert "archived" in response.json["message"]
    # Not only through the loop's endpoints: any write to the row or its timeline is refused.
    from app.core.errors import Conflict
    from app.reports.events import record_event

    report = reload(report)
    report.description = "改写"
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()
    report = reload(report)
    record_event(report, "progress", reason="偷偷补一条")
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Conflict):
        attach_photo(reload(report), jpeg(), "late.jpg", uploaded_by=staff.community)
    db.session.rollback()
    assert reload(report).version == version


def test_return_within_the_window_goes_back_to_the_queue(dispatched, staff, act):
    with frozen_at(TUESDAY) as clock:
        report = dispatched()
        clock.advance(timedelta(hours=23))
        missing = act(staff.community, report, "return", json={})
        assert missing.status_code == 422 and "reason" in missing.json["errors"]["json"]
        returned = act(staff.community, report, "return", json={"reason": "属于二号街道辖区"})
        assert returned.status_code == 200, returned.json
    report = reload(report)
    assert (report.status, report.return_count, report.unit_code) == ("received", 1, "unit-C1")
    assert report.queued_at == TUESDAY + timedelta(hours=23)
    assert report.claimed_by_user_id is None
    assert (report.due_at, report.accept_due_at, report.card) == (None, None, "none")
    assert timeline(report)[-1] == ("return", "dispatched", "received")


def test_return_after_the_window_is_refused(dispatched, staff, act):
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=SHANGHAI)
    with frozen_at(friday) as clock:
        report = dispatched()
        # One working day after Friday 15:00 is Monday 15:00, not Saturday.
        clock.advance(timedelta(days=3, seconds=1))
        late = act(staff.community, report, "return", json={"reason": "不归我们"})
    assert late.status_code == 409
    assert "首办责任" in late.json["message"] and "2026-03-09 15:00" in late.json["message"]
    assert reload(report).status == "dispatched"


def test_return_before_the_window_closes_on_a_friday(dispatched, staff, act):
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=SHANGHAI)
    with frozen_at(friday) as clock:
        report = dispatched()
        clock.advance(timedelta(days=2, hours=23))  # Monday 14:00
        response = act(staff.community, report, "return", json={"reason": "不归我们"})
    assert response.status_code == 200, response.json


def test_escalation_through_all_three_tiers(dispatched, staff, act, client, auth):
    with frozen_at(TUESDAY) as clock:
        report = dispatched()
        assert act(staff.community, report, "accept").status_code == 200
        clock.advance(timedelta(days=1))
        up = act(staff.community, report, "escalate", json={"reason": "村级三次调解未果"})
        assert up.status_code == 200, up.json
        assert (up.json["status"], up.json["unit_code"], up.json["tier"]) == (
            "dispatched", "unit-S1", "subdistrict",
        )  # fmt: skip
        # Deadlines restart for the new unit.
        assert up.json["accept_due_at"] == "2026-03-12T09:00:00+08:00"
        # The community unit no longer sees the case; the sub-district accepts it.
        gone = act(staff.community, report, "accept")
        assert (
            gone.status_code == 409
            and "escalated from your unit to unit-S1" in gone.json["message"]
        )
        assert act(staff.subdistrict, report, "accept").status_code == 200
        up = act(staff.subdistrict, report, "escalate", json={"reason": "街道调解未果"})
        assert (up.json["unit_code"], up.json["tier"]) == ("unit-D", "district")
        assert act(staff.district, report, "accept").status_code == 200
        top = act(staff.district, report, "escalate", json={"reason": "还要往上"})
    assert top.status_code == 409 and "no tier above" in top.json["message"]
    escalations = db.session.scalars(
        select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "escalate"
        )
    ).all()
    assert [(e.payload["from_unit"], e.payload["to_unit"], e.public) for e in escalations] == [
        ("unit-C1", "unit-S1", True),
        ("unit-S1", "unit-D", True),
    ]
    assert escalations[0].reason == "村级三次调解未果"


def test_a_missing_tier_unit_is_skipped(dispatched, staff, act):
    from app.units.models import Unit

    db.session.scalars(select(Unit).where(Unit.code == "unit-S1")).one().active = False
    db.session.commit()
    report = dispatched()
    act(staff.community, report, "accept")
    up = act(staff.community, report, "escalate", json={"reason": "需要区级"})
    assert (up.json["unit_code"], up.json["tier"]) == ("unit-D", "district")


def test_responders_act_only_on_their_units_cases(dispatched, staff, act):
    report = dispatched(unit="unit-S1")
    assert act(staff.other_subdistrict, report, "accept").status_code == 403
    assert act(staff.grid_worker, report, "accept").status_code == 403
    assert act(staff.subdistrict, report, "accept").status_code == 200


def test_reopen_limit_sends_the_case_to_the_district(app, dispatched, staff, act):
    app.config["REOPEN_LIMIT"] = 2
    report = dispatched()
    act(staff.community, report, "accept")
    for round_ in range(3):
        resolved = act(
            staff.community if round_ < 3 else staff.district,
            report,
            "resolve",
            json={"outcome": "mediated", "note": f"第{round_ + 1}次调解"},
        )
        assert resolved.status_code == 200, resolved.json
        unhappy = act(
            staff.cleaner,
            report,
            "follow-up",
            json={"satisfaction": "dissatisfied", "method": "phone", "note": "没解决"},
        )
        assert unhappy.status_code == 200, unhappy.json
        if round_ < 2:
            assert (unhappy.json["status"], unhappy.json["unit_code"]) == ("in_progress", "unit-C1")
            assert unhappy.json["reopen_count"] == round_ + 1
    assert (unhappy.json["status"], unhappy.json["unit_code"], unhappy.json["tier"]) == (
        "dispatched", "unit-D", "district",
    )  # fmt: skip
    assert unhappy.json["reopen_count"] == 3
    reopens = db.session.scalars(
        select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "reopen"
        )
    ).all()
    assert [e.payload["to_supervisor"] for e in reopens] == [False, False, True]
    assert reopens[-1].payload["escalated_to"] == "unit-D"
    last = timeline(report)[-2:]
    assert last == [
        ("reopen", "resolved", "in_progress"),
        ("escalate", "in_progress", "dispatched"),
    ]


def test_reporter_feedback_reopens_through_the_service(dispatched, staff, act):
    """The tracking page (issue #3) applies follow_up as the reporter."""
    report = dispatched()
    act(staff.community, report, "accept")
    act(staff.community, report, "resolve", json={"outcome": "agreement", "note": "已协商"})
    report = reload(report)
    data = {"satisfaction": "dissatisfied", "method": "online", "note": "还是很吵"}
    apply(report, "follow_up", REPORTER, data)
    db.session.commit()
    report = reload(report)
    assert (report.status, report.reopen_count, report.satisfaction) == ("in_progress", 1, None)
    events = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    ).all()[-2:]
    assert [(e.action, e.actor_role, e.public) for e in events] == [
        ("follow_up", "reporter", True),
        ("reopen", "system", True),
    ]


def test_reopen_a_closed_case(dispatched, staff, act):
    report = dispatched()
    act(staff.community, report, "accept")
    act(staff.community, report, "resolve", json={"outcome": "withdrawn", "note": "当事人撤回"})
    act(
        staff.cleaner,
        report,
        "follow-up",
        json={"satisfaction": "basically_satisfied", "method": "phone"},
    )
    act(staff.cleaner, report, "close")
    assert (
        act(staff.grid_worker, report, "reopen", json={"reason": "又吵起来了"}).status_code == 403
    )
    reopened = act(staff.supervisor, report, "reopen", json={"reason": "又吵起来了"})
    assert reopened.status_code == 200, reopened.json
    assert (reopened.json["status"], reopened.json["outcome"]) == ("in_progress", None)
    assert reload(report).closed_at is None


def test_closing_without_a_call_back(dispatched, staff, act):
    anonymous = dispatched(phone=None)
    with_phone = dispatched()
    for report in (anonymous, with_phone):
        act(staff.community, report, "accept")
        act(
            staff.community,
            report,
            "resolve",
            json={"outcome": "unresolvable", "note": "无法联系当事人"},
        )
    body = {"without_follow_up": True}
    assert act(staff.cleaner, anonymous, "close", json=body).status_code == 403
    refused = act(staff.supervisor, with_phone, "close", json=body)
    assert refused.status_code == 409 and "call back" in refused.json["message"]
    closed = act(staff.supervisor, anonymous, "close", json=body)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert timeline(anonymous)[-1] == ("close_without_follow_up", "resolved", "closed")


def test_progress_needs_a_note_or_a_photo(dispatched, staff, act):
    report = dispatched()
    act(staff.community, report, "accept")
    empty = act(staff.community, report, "progress", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "note" in empty.json["errors"]["json"]
    bad = act(
        staff.community,
        report,
        "progress",
        data={"photos": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert bad.status_code in (413, 422)
    assert reload(report).status == "accepted"


def test_resolve_names_bad_fields(dispatched, staff, act):
    report = dispatched()
    act(staff.community, report, "accept")
    response = act(staff.community, report, "resolve", json={"outcome": "fixed"})
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"outcome", "note"}


def test_anonymisation_of_old_archived_cases(app, dispatched, staff, act):
    with frozen_at(TUESDAY) as clock:
        reports = [dispatched(), dispatched(phone=None)]
        for report in reports:
            act(staff.community, report, "accept")
            act(
                staff.community, report, "resolve", json={"outcome": "mediated", "note": "调解成功"}
            )
        act(
            staff.cleaner,
            reports[0],
            "follow-up",
            json={"satisfaction": "satisfied", "method": "phone"},
        )
        act(staff.cleaner, reports[0], "close")
        act(staff.supervisor, reports[1], "close", json={"without_follow_up": True})
        for report in reports:
            assert act(staff.cleaner, report, "archive").status_code == 200
        clock.advance(timedelta(days=364))
        assert anonymise_archived() == []
        clock.advance(timedelta(days=2))
        result = app.test_cli_runner().invoke(args=["reports", "anonymise"])
        assert result.exit_code == 0, result.output
        assert "anonymised 2" in result.output
        assert anonymise_archived() == []  # once only
    first = reload(reports[0])
    assert (first.reporter_phone, first.reporter_name, first.status) == (None, None, "archived")
    assert first.anonymised_at == (TUESDAY + timedelta(days=366)).astimezone(UTC)
    event = db.session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == first.id).order_by(ReportEvent.id.desc())
    ).first()
    assert (event.action, event.payload["fields"]) == (
        "anonymised",
        ["description", "reporter_phone"],
    )

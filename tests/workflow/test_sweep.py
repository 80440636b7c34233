"""The sweep: yellow and red cards at the right moments, once each, escalation after the grace."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.clock import SHANGHAI, frozen_at
from app.extensions import db
from app.reports.models import Report, ReportEvent
from app.workflow.sweep import sweep
from tests.helpers.db import reload

TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def card_events(report: Report) -> list[tuple[str, str]]:
    events = db.session.scalars(
        select(ReportEvent)
        .where(ReportEvent.report_id == report.id, ReportEvent.action == "card_changed")
        .order_by(ReportEvent.id)
    )
    return [(e.payload["from"], e.payload["to"]) for e in events]


def swept(at: datetime):
    result = sweep(at)
    db.session.commit()
    return result


def test_accept_deadline_cards_at_80_percent_and_at_the_deadline(dispatched):
    with frozen_at(TUESDAY):
        report = dispatched(risk="critical")  # accept within 1 hour
    version = report.version
    swept(TUESDAY + timedelta(minutes=47, seconds=59))
    assert reload(report).card == "none"
    swept(TUESDAY + timedelta(minutes=48))
    assert reload(report).card == "yellow"
    swept(TUESDAY + timedelta(minutes=59, seconds=59))
    swept(TUESDAY + timedelta(hours=1))
    report = reload(report)
    assert report.card == "red" and report.card_changed_at == TUESDAY + timedelta(hours=1)
    assert card_events(report) == [("none", "yellow"), ("yellow", "red")]
    # A card is not an edit: a responder's form loaded before it still submits.
    assert report.version == version


def test_running_twice_writes_nothing_more(dispatched):
    with frozen_at(TUESDAY):
        report = dispatched(risk="critical")
    at = TUESDAY + timedelta(minutes=50)
    first, second = swept(at), swept(at)
    assert first.cards == {report.id: ("none", "yellow")} and second.cards == {}
    assert card_events(reload(report)) == [("none", "yellow")]


def test_accepting_takes_the_accept_deadline_off_the_card(dispatched, staff, act):
    with frozen_at(TUESDAY) as clock:
        report = dispatched(risk="critical")
        swept(clock.advance(timedelta(hours=2)))
        assert reload(report).card == "red"
        assert act(staff.community, report, "accept").status_code == 200
    report = reload(report)
    # Resolving has 24 hours from dispatch: 2 hours in, no card.
    assert report.card == "none"
    assert card_events(report) == [("none", "red"), ("red", "none")]


def test_resolve_deadline_on_the_working_clock(dispatched, staff, act):
    with frozen_at(TUESDAY):
        report = dispatched(risk="medium")  # 7 working days to resolve
        act(staff.community, report, "accept")
    report = reload(report)
    assert report.due_at == datetime(2026, 3, 19, 9, 0, tzinfo=SHANGHAI)
    # 80 % = 5.6 working days: Tuesday 17 March 09:00 plus 14.4 hours.
    assert report.yellow_at == datetime(2026, 3, 17, 23, 24, tzinfo=SHANGHAI)
    swept(datetime(2026, 3, 17, 23, 23, tzinfo=SHANGHAI))
    assert reload(report).card == "none"
    swept(datetime(2026, 3, 17, 23, 24, tzinfo=SHANGHAI))
    assert reload(report).card == "yellow"
    swept(datetime(2026, 3, 19, 9, 0, tzinfo=SHANGHAI))
    assert reload(report).card == "red"


def test_deadlines_skip_the_national_day_holiday(dispatched, staff, act):
    with frozen_at(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)):
        report = dispatched(risk="high")  # 4 hours to accept, 3 working days to resolve
    report = reload(report)
    assert report.accept_due_at == datetime(2026, 9, 30, 14, 0, tzinfo=SHANGHAI)
    # 1–7 October off, Saturday 10 October worked: 8th, 9th, 10th.
    assert report.due_at == datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI)


def test_red_cases_escalate_after_the_grace(app, dispatched):
    app.config["ESCALATE_RED_AFTER_HOURS"] = 2
    with frozen_at(TUESDAY):
        report = dispatched(risk="critical")
    swept(TUESDAY + timedelta(hours=1))
    result = swept(TUESDAY + timedelta(hours=2, minutes=59))
    assert result.escalated == [] and reload(report).unit_code == "unit-C1"
    with frozen_at(TUESDAY + timedelta(hours=3)):
        result = swept(TUESDAY + timedelta(hours=3))
    assert result.escalated == [report.id]
    report = reload(report)
    assert (report.status, report.unit_code, report.tier, report.card) == (
        "dispatched", "unit-S1", "subdistrict", "none",
    )  # fmt: skip
    assert report.accept_due_at == TUESDAY + timedelta(hours=4)
    event = db.session.scalars(
        select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "escalate"
        )
    ).one()
    assert (event.actor_user_id, event.actor_role, event.payload["cause"], event.public) == (
        None, "system", "red_card", True,
    )  # fmt: skip
    assert card_events(report) == [("none", "red"), ("red", "none")]


def test_the_district_tier_stays_red(app, dispatched):
    app.config["ESCALATE_RED_AFTER_HOURS"] = 0
    with frozen_at(TUESDAY):
        report = dispatched(unit="unit-D", risk="critical")
    result = swept(TUESDAY + timedelta(hours=5))
    assert result.escalated == [] and result.not_escalated == {}
    report = reload(report)
    assert (report.card, report.unit_code) == ("red", "unit-D")


def test_closed_and_returned_cases_lose_or_keep_cards_rightly(dispatched, staff, act):
    with frozen_at(TUESDAY) as clock:
        returned = dispatched(risk="critical")
        swept(clock.advance(timedelta(minutes=50)))
        assert (
            act(staff.community, returned, "return", json={"reason": "不是本社区"}).status_code
            == 200
        )
    returned = reload(returned)
    assert (returned.card, returned.due_at) == ("none", None)
    assert swept(TUESDAY + timedelta(days=3)).cards == {}


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_sweeps_write_each_change_once(app, dispatched, attempt):
    app.config["ESCALATE_RED_AFTER_HOURS"] = 1
    with frozen_at(TUESDAY):
        reports = [dispatched(risk="critical") for _ in range(6)]
    swept(TUESDAY + timedelta(hours=1))  # all red
    at = TUESDAY + timedelta(hours=2)
    barrier = threading.Barrier(3)
    outcomes: list = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            result = sweep(at)
            db.session.commit()
            outcomes.append(result)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    with frozen_at(at):  # one clock for all threads (escalation restarts deadlines from now)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert len(outcomes) == 3
    escalated = sorted(i for result in outcomes for i in result.escalated)
    assert escalated == sorted(r.id for r in reports)
    for report in reports:
        report = reload(report)
        assert report.unit_code == "unit-S1"
        count = db.session.scalar(
            select(func.count(ReportEvent.id)).where(
                ReportEvent.report_id == report.id, ReportEvent.action == "escalate"
            )
        )
        assert count == 1
        assert card_events(report) == [("none", "red"), ("red", "none")]


def test_concurrent_sweeps_set_each_card_once(app, dispatched):
    with frozen_at(TUESDAY):
        reports = [dispatched(risk="critical") for _ in range(8)]
    at = TUESDAY + timedelta(minutes=50)
    barrier = threading.Barrier(3)
    changed: list[int] = []

    def run() -> None:
        with app.app_context():
            barrier.wait()
            changed.extend(sweep(at).cards)
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(changed) == sorted(r.id for r in reports)
    for report in reports:
        assert card_events(reload(report)) == [("none", "yellow")]


def test_the_command(app, dispatched):
    with frozen_at(TUESDAY):
        dispatched(risk="critical")
    with frozen_at(TUESDAY + timedelta(minutes=50)):
        result = app.test_cli_runner().invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "cards changed 1" in result.output


def test_no_unit_above_is_reported_and_nothing_changes(app, dispatched):
    from app.units.models import Unit

    app.config["ESCALATE_RED_AFTER_HOURS"] = 0
    db.session.scalars(select(Unit).where(Unit.code == "unit-D")).one().active = False
    db.session.commit()
    with frozen_at(TUESDAY):
        report = dispatched(unit="unit-S1", risk="critical")
    version = reload(report).version
    result = swept(TUESDAY + timedelta(hours=2))
    assert result.escalated == [] and "no active unit" in result.not_escalated[report.id]
    report = reload(report)
    assert (report.unit_code, report.card, report.version) == ("unit-S1", "red", version)

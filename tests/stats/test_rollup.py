"""The overview from the daily rollups equals the overview counted directly, on both databases.

A generated set of cases (every state, every place, reporters, part-days, a day's edge in
Shanghai) is moved through state changes after it was filed — settled cases reopened, open ones
archived, archived ones edited, some deleted — so the triggers take rows out and put them back;
then every caller, window, area and grouping is asked both ways, and the kept rollups are
compared with a fresh count of the reports.
"""

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from app.accounts.models import User
from app.core.clock import SHANGHAI
from app.extensions import db
from app.reports.models import Report
from app.stats.filters import ReportFilter
from app.stats.models import (
    DailyCounts,
    DailyTotals,
    MonthlyCounts,
    SettledSpans,
    SpanBuckets,
)
from app.stats.overview import overview
from app.stats.rollup import coverage
from app.stats.rollup_sql import MEASURES, rebuild_statements
from tests.helpers.cases import add_case
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2

START = datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI)
PLACES = (INSIDE_G1, INSIDE_G1, INSIDE_S2, FAR_EAST, None)
CHANNELS = ("qr_scan", "grid_worker", "walk_in", "hotline_12345")
CATEGORIES = ("property_mgmt.fees", "neighbour.noise", "labour_wages", None)
RISKS = ("low", "medium", "high", "critical", None)
OPEN = ("received", "needs_info", "dispatched", "accepted", "in_progress")
SETTLED = ("resolved", "closed", "archived", "rejected", "merged")
OUTCOMES = ("mediated", "agreement", "unresolvable", None)
SATISFACTIONS = ("satisfied", "basically_satisfied", "dissatisfied", None)


def _moment(rng: random.Random) -> datetime:
    # Over six weeks, at any minute: many fall in the first hours of a Shanghai day (still
    # the day before in UTC).
    return START + timedelta(days=rng.randrange(42), minutes=rng.randrange(24 * 60))


def _settle(rng: random.Random, at: datetime, status: str) -> dict:
    dispatched = at + timedelta(minutes=rng.randrange(10, 3000)) if rng.random() < 0.9 else None
    resolved = (
        (dispatched or at) + timedelta(minutes=rng.randrange(60, 20000))
        if status in ("resolved", "closed", "archived") or rng.random() < 0.3
        else None
    )
    followed = (
        resolved + timedelta(hours=rng.randrange(1, 72))
        if resolved and rng.random() < 0.7
        else None
    )
    return {
        "status": status,
        "dispatched_at": dispatched,
        "resolved_at": resolved,
        "due_at": at + timedelta(days=rng.randrange(1, 10)) if rng.random() < 0.8 else None,
        "outcome": rng.choice(OUTCOMES) if resolved else None,
        "followed_up_at": followed,
        "satisfaction": rng.choice(SATISFACTIONS) if followed else None,
        "reopen_count": rng.choice((0, 0, 0, 1, 2)),
    }


def _open(rng: random.Random, at: datetime, status: str) -> dict:
    dispatched = at + timedelta(minutes=rng.randrange(10, 3000))
    later = status in ("dispatched", "accepted", "in_progress")
    return {
        "status": status,
        "dispatched_at": dispatched if later else None,
        "resolved_at": None,
        "due_at": at + timedelta(days=3) if later else None,
    }


@pytest.fixture
def cases(areas, make_user):
    rng = random.Random(19)
    reporter = make_user("supervisor", ["S1"], username="sup-s1")
    made = []
    for i in range(90):
        at = _moment(rng)
        status = rng.choice(OPEN + SETTLED + SETTLED)
        columns = _settle(rng, at, status) if status in SETTLED else _open(rng, at, status)
        report = add_case(
            rng.choice(PLACES),
            at,
            channel=rng.choice(CHANNELS),
            category=rng.choice(CATEGORIES),
            risk_level=rng.choice(RISKS),
            **columns,
        )
        if i % 9 == 0:
            db.session.execute(
                update(Report).where(Report.id == report.id).values(reporter_user_id=reporter.id)
            )
        made.append(report)
    db.session.commit()
    # After filing (statements, as a CLI or a bulk fix would: the triggers see them all):
    # reopen settled ones, archive open ones, edit archived ones, then delete some.
    for report in rng.sample(made, 45):
        if report.status in SETTLED and rng.random() < 0.5:
            change = {"status": "in_progress", "resolved_at": None, "reopen_count": 3}
        elif report.status in SETTLED:
            change = {
                "status": rng.choice(SETTLED),
                "satisfaction": rng.choice(SATISFACTIONS),
                "channel": rng.choice(CHANNELS),
            }
        else:
            change = _settle(rng, report.created_at, "archived")
        db.session.execute(update(Report).where(Report.id == report.id).values(**change))
    db.session.commit()
    gone = [r.id for r in rng.sample(made, 6)]
    for table in reversed(db.metadata.sorted_tables):  # what points at them first
        for column in table.c:
            if any(fk.column.table.name == "reports" for fk in column.foreign_keys):
                db.session.execute(delete(table).where(column.in_(gone)))
    db.session.execute(delete(Report).where(Report.id.in_(gone)))
    db.session.commit()
    return made


def _rows(model, key_names, value_names):
    rows = {}
    for row in db.session.execute(select(model)).scalars():
        values = tuple(getattr(row, n) for n in value_names)
        if any(values):
            rows[tuple(str(getattr(row, n)) for n in key_names)] = values
    return rows


def test_kept_rollups_equal_a_fresh_count(cases):
    kept = _kept()
    assert all(kept)
    assert sum(t[0] for t in kept[0].values()) == db.session.scalar(
        select(func.count()).where(Report.status.in_(SETTLED))
    )
    for statement in rebuild_statements(db.engine.dialect.name):
        db.session.execute(text(statement))
    assert kept == _kept()


def _kept() -> tuple:
    spans = ("dispatch_s", "resolve_s", "dispatch_b", "resolve_b", "day")
    return (
        _rows(DailyTotals, ("day", "scope"), MEASURES),
        _rows(DailyCounts, ("day", "scope", "dim", "value"), ("n",)),
        _rows(SettledSpans, ("report_id", "day", "scope"), spans),
        _rows(SpanBuckets, ("month", "scope", "measure", "bucket"), ("n",)),
        _rows(MonthlyCounts, ("month", "scope", "dim", "value"), ("n",)),
    )


WINDOWS = [
    {},
    {"since": START, "until": START + timedelta(days=42)},
    {"since": START + timedelta(days=3, hours=5), "until": START + timedelta(days=30, hours=7)},
    {"until": START + timedelta(days=20, minutes=1)},
    {"since": START + timedelta(days=4, hours=1), "until": START + timedelta(days=4, hours=20)},
]


def _same(answer: dict, direct: dict, why: object = None) -> None:
    answer, direct = dict(answer), dict(direct)
    answer.pop("generated_at"), direct.pop("generated_at")
    assert answer == direct, why


@pytest.mark.parametrize("group_by", [None, "week", "month"])
def test_overview_from_rollups_equals_the_direct_count(cases, make_user, group_by):
    callers = [
        make_user("admin"),
        make_user("supervisor", ["D"]),
        make_user("cleaner", ["S1"]),
        make_user("supervisor", ["S2", "S1"]),
        db.session.scalar(select(User).where(User.username == "sup-s1")),  # a reporter too
    ]
    covered = 0
    for user in callers:
        for window in WINDOWS:
            for area in (None, "S1"):
                f = ReportFilter(area_code=area, **window)
                covered += coverage(user, f) is not None
                _same(
                    overview(user, f, group_by),
                    overview(user, f, group_by, rollups=False),
                    (user.username, f, coverage(user, f)),
                )
    assert covered >= 30  # most asks were answered from the rollups


def test_callers_the_rollups_cannot_tell_apart_are_counted_directly(cases, make_user):
    grid = make_user("grid_worker", ["G1"])
    responder = make_user("responder", ["S1"], unit="unit-S1")
    for user, f in (
        (grid, ReportFilter()),
        (responder, ReportFilter()),
        (make_user("admin"), ReportFilter(area_code="G1")),
        (make_user("admin"), ReportFilter(channel="qr_scan")),
    ):
        assert coverage(user, f) is None
        _same(overview(user, f, "week"), overview(user, f, "week", rollups=False))

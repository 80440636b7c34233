"""Building hand-computed sets of cases: intake as every channel does, then lifecycle columns."""

from datetime import datetime, timedelta

from app.core.clock import SHANGHAI, frozen_at
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.reports.models import Report
from tests.helpers.geometry import FAR_EAST, INSIDE_G1, INSIDE_S2

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# A Monday morning in Shanghai.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def add_case(
    where: tuple[float, float] | None,
    at: datetime,
    *,
    channel: str = "walk_in",
    category: str | None = None,
    description: str = "邻居装修噪音",
    phone: str | None = None,
    **columns,
) -> Report:
    """A case received at `at` through the shared intake path, then moved by setting columns."""
    lon, lat = where if where else (None, None)
    with frozen_at(at):
        report = create_report(
            NewReport(description, channel, lon, lat, category_code=category, reporter_phone=phone)
        ).report
    for name, value in columns.items():
        setattr(report, name, value)
    db.session.commit()
    return report


def overview_cases() -> dict[str, Report]:
    """Six cases whose figures are worked out by hand in tests/stats/test_overview.py."""
    a = T0
    b = T0 + HOUR
    c = T0 + 2 * HOUR
    d = T0 + 3 * HOUR
    # Monday 07:00 in Shanghai is still Sunday in UTC: the week must be Shanghai's.
    e = datetime(2026, 3, 9, 7, 0, tzinfo=SHANGHAI)
    f = T0 + DAY
    return {
        "A": add_case(
            INSIDE_G1, a, channel="qr_scan", category="property_mgmt.fees", risk_level="low",
            phone="13812345678", status="closed", dispatched_at=a + 2 * HOUR,
            resolved_at=a + 2 * DAY, due_at=a + 3 * DAY, outcome="mediated",
            followed_up_at=a + 3 * DAY, satisfaction="satisfied",
        ),
        "B": add_case(
            INSIDE_G1, b, channel="grid_worker", category="neighbour.noise", risk_level="medium",
            status="resolved", dispatched_at=b + 4 * HOUR, resolved_at=b + 5 * DAY,
            due_at=b + 3 * DAY, outcome="agreement", followed_up_at=b + 6 * DAY,
            satisfaction="basically_satisfied", reopen_count=1,
        ),
        "C": add_case(
            INSIDE_G1, c, category="property_mgmt.service", risk_level="high", status="archived",
            dispatched_at=c + HOUR, resolved_at=c + DAY, outcome="unresolvable",
            followed_up_at=c + 2 * DAY, satisfaction=None, reopen_count=2,
        ),
        "D": add_case(
            INSIDE_G1, d, channel="hotline_12345", category="labour_wages", risk_level="critical",
            status="in_progress", dispatched_at=d + HOUR / 2, due_at=d + DAY, card="red",
        ),
        "E": add_case(
            INSIDE_S2, e, channel="qr_scan", category="property_mgmt.fees", risk_level="low",
            status="dispatched", dispatched_at=e + 10 * HOUR, due_at=e + 5 * DAY, card="yellow",
        ),
        "F": add_case(FAR_EAST, f),
    }  # fmt: skip

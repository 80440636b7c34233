"""Seeded deadline policies (migration 0005 and demo), and the 2026 calendar migration 0005 loaded.

Deadline defaults (risk level → accept within, resolve within) are starting values to tune
with each centre, not figures from a regulation: critical cases are accepted within the hour
and settled within a day; high within 4 hours and 3 working days; medium and low within one
working day and 7 / 15 working days.

The 2026 calendar is the State Council General Office's notice 国务院办公厅关于2026年部分节假日
安排的通知 of 4 November 2025 (Xinhua, e.g. https://politics.gmw.cn/2025-11/04/content_38391083.htm).
Migration 0005 stored it as calendar entries; since then the national calendar comes from the
`chinese-calendar` package (app/workflow/calendar.py) and the table holds only the admins'
exceptions, so new installations no longer get these rows (they agree with the package).
"""

from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.workflow.models import DeadlinePolicy

# risk level → (accept within, unit, resolve within, unit)
DEFAULT_LIMITS: dict[str, tuple[int, str, int, str]] = {
    "critical": (1, "hours", 24, "hours"),
    "high": (4, "hours", 3, "working_days"),
    "medium": (1, "working_days", 7, "working_days"),
    "low": (1, "working_days", 15, "working_days"),
}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# (name, days off, weekend days worked instead — 调休)
HOLIDAYS_2026: tuple[tuple[str, list[date], list[date]], ...] = (
    ("元旦", _days(date(2026, 1, 1), date(2026, 1, 3)), [date(2026, 1, 4)]),
    (
        "春节",
        _days(date(2026, 2, 15), date(2026, 2, 23)),
        [date(2026, 2, 14), date(2026, 2, 28)],
    ),
    ("清明节", _days(date(2026, 4, 4), date(2026, 4, 6)), []),
    ("劳动节", _days(date(2026, 5, 1), date(2026, 5, 5)), [date(2026, 5, 9)]),
    ("端午节", _days(date(2026, 6, 19), date(2026, 6, 21)), []),
    ("中秋节", _days(date(2026, 9, 25), date(2026, 9, 27)), []),
    (
        "国庆节",
        _days(date(2026, 10, 1), date(2026, 10, 7)),
        [date(2026, 9, 20), date(2026, 10, 10)],
    ),
)


def calendar_rows() -> list[dict]:
    rows = []
    for name, days_off, make_up in HOLIDAYS_2026:
        rows += [{"day": d, "kind": "holiday", "name": name} for d in days_off]
        rows += [{"day": d, "kind": "workday", "name": f"{name}调休"} for d in make_up]
    return rows


def policy_rows() -> list[dict]:
    return [
        {
            "category_code": None,
            "risk_level": risk,
            "accept_within": accept,
            "accept_unit": accept_unit,
            "resolve_within": resolve,
            "resolve_unit": resolve_unit,
            "note": "默认时限（可按本地要求调整）",
        }
        for risk, (accept, accept_unit, resolve, resolve_unit) in DEFAULT_LIMITS.items()
    ]


def seed_workflow() -> dict[str, int]:
    """Add the default policies where missing; never changes existing rows."""
    have_risks = set(
        db.session.scalars(
            select(DeadlinePolicy.risk_level).where(DeadlinePolicy.category_code.is_(None))
        )
    )
    policies = [DeadlinePolicy(**r) for r in policy_rows() if r["risk_level"] not in have_risks]
    db.session.add_all(policies)
    db.session.flush()
    return {"deadline_policies": len(policies)}

"""Deadlines: which policy applies to a case, and starting or stopping its clocks."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.categories.models import Category
from app.core.clock import SHANGHAI, now
from app.extensions import db
from app.reports.models import Report
from app.workflow.calendar import WorkCalendar, add_working_days
from app.workflow.cards import refresh_card
from app.workflow.models import CalendarDay, DeadlinePolicy
from app.workflow.seed import DEFAULT_LIMITS

# A case dispatched without a risk level is timed like an ordinary one.
FALLBACK_RISK = "medium"


@dataclass(frozen=True)
class Limits:
    accept_within: int
    accept_unit: str
    resolve_within: int
    resolve_unit: str
    source: str  # "policy <id>" or "default", for the record


def deadline_after(
    start: datetime, amount: float, unit: str, calendar: WorkCalendar, share: float = 1.0
) -> datetime:
    """`share` of `amount` hours (wall clock) or working days (working clock) after `start`."""
    if unit == "hours":
        return start + timedelta(hours=amount * share)
    return add_working_days(start, amount * share, calendar)


def load_calendar(first: date, days: int = 400) -> WorkCalendar:
    """The admins' exceptions from `first` on: enough for any deadline a policy allows."""
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.kind).where(
            CalendarDay.day >= first, CalendarDay.day <= first + timedelta(days=days)
        )
    )
    return WorkCalendar({day: kind == "workday" for day, kind in rows})


def calendar_from(start: datetime) -> WorkCalendar:
    return load_calendar(start.astimezone(SHANGHAI).date() - timedelta(days=1))


def _category_chain(code: str | None) -> list[str]:
    """The category and its ancestors, most specific first."""
    chain: list[str] = []
    while code and code not in chain:
        chain.append(code)
        code = db.session.scalar(select(Category.parent_code).where(Category.code == code))
    return chain


def limits_for(category_code: str | None, risk_level: str | None) -> Limits:
    """The most specific policy: the category, then its parents, then any category."""
    risk = risk_level or FALLBACK_RISK
    chain = _category_chain(category_code)
    policies = db.session.scalars(
        select(DeadlinePolicy).where(
            DeadlinePolicy.risk_level == risk,
            DeadlinePolicy.category_code.in_(chain) | DeadlinePolicy.category_code.is_(None),
        )
    ).all()
    rank = {code: i for i, code in enumerate([*chain, None])}
    if policies:
        best = min(policies, key=lambda p: rank[p.category_code])
        return Limits(
            best.accept_within,
            best.accept_unit,
            best.resolve_within,
            best.resolve_unit,
            f"policy {best.id}",
        )
    accept, accept_unit, resolve, resolve_unit = DEFAULT_LIMITS[risk]
    return Limits(accept, accept_unit, resolve, resolve_unit, "default")


@dataclass(frozen=True)
class Deadlines:
    accept_yellow_at: datetime
    accept_due_at: datetime
    yellow_at: datetime
    due_at: datetime


def deadlines_from(start: datetime, limits: Limits) -> Deadlines:
    """Both deadlines and the moments their yellow cards come, for a case arriving at `start`."""
    calendar = calendar_from(start)
    share = float(current_app.config["YELLOW_CARD_AT"])
    accept = (limits.accept_within, limits.accept_unit, calendar)
    resolve = (limits.resolve_within, limits.resolve_unit, calendar)
    return Deadlines(
        accept_yellow_at=deadline_after(start, *accept, share),
        accept_due_at=deadline_after(start, *accept),
        yellow_at=deadline_after(start, *resolve, share),
        due_at=deadline_after(start, *resolve),
    )


def start_deadlines(report: Report, start: datetime | None = None) -> Limits:
    """The current unit got the case at `start`: both clocks restart by policy, card reset."""
    start = start or now()
    limits = limits_for(report.category_code, report.risk_level)
    report.assigned_at = start
    for name, moment in vars(deadlines_from(start, limits)).items():
        setattr(report, name, moment)
    refresh_card(report, start)
    return limits


def stop_deadlines(report: Report) -> None:
    """The case left the units (returned to the queue): no clock runs, no card."""
    report.assigned_at = None
    report.accept_due_at = report.accept_yellow_at = None
    report.due_at = report.yellow_at = None
    refresh_card(report)


def return_window_closes(report: Report) -> datetime:
    """首办责任: after this moment the unit that has the case owns it and cannot return it."""
    start = report.assigned_at or report.dispatched_at or now()
    days = float(current_app.config["RETURN_WINDOW_WORKING_DAYS"])
    return add_working_days(start, days, calendar_from(start))

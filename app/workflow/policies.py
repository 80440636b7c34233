"""Admins' changes to deadline policies and the calendar; they apply to deadlines set afterwards."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.categories.models import Category
from app.core.clock import now
from app.core.errors import Conflict, Invalid, NotFound
from app.core.lookup import get_or_404
from app.extensions import db
from app.workflow.deadlines import deadlines_from, limits_for
from app.workflow.models import DAY_KINDS, CalendarDay, DeadlinePolicy

POLICY_FIELDS = (
    "category_code",
    "risk_level",
    "accept_within",
    "accept_unit",
    "resolve_within",
    "resolve_unit",
    "note",
)


def _check_policy(values: dict[str, Any], policy_id: int | None = None) -> None:
    code = values["category_code"] = values.get("category_code") or None
    if code and db.session.get(Category, code) is None:
        raise Invalid.field("category_code", f"unknown category {code}")
    clash = select(DeadlinePolicy.id).where(
        DeadlinePolicy.risk_level == values["risk_level"],
        DeadlinePolicy.category_code == code if code else DeadlinePolicy.category_code.is_(None),
    )
    if policy_id is not None:
        clash = clash.where(DeadlinePolicy.id != policy_id)
    if db.session.scalar(clash) is not None:
        raise Conflict(
            f"a policy for {code or 'every category'} at risk {values['risk_level']} exists; "
            "change that one",
            {"json": {"risk_level": ["a policy for this category and risk level exists"]}},
        )


def _flush_policy(policy: DeadlinePolicy) -> DeadlinePolicy:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(
            "a policy for this category and risk level exists",
            {"json": {"risk_level": ["a policy for this category and risk level exists"]}},
        ) from error
    return policy


def create_policy(values: dict[str, Any]) -> DeadlinePolicy:
    _check_policy(values)
    policy = DeadlinePolicy(**{k: values.get(k) for k in POLICY_FIELDS})
    policy.note = policy.note or ""
    db.session.add(policy)
    return _flush_policy(policy)


def list_policies() -> list[DeadlinePolicy]:
    query = select(DeadlinePolicy).order_by(DeadlinePolicy.risk_level, DeadlinePolicy.id)
    return list(db.session.scalars(query))


def get_policy(policy_id: int) -> DeadlinePolicy:
    return get_or_404(DeadlinePolicy, policy_id, "deadline policy")


def update_policy(policy_id: int, values: dict[str, Any]) -> DeadlinePolicy:
    policy = get_policy(policy_id)
    _check_policy(values, policy_id)
    for key in POLICY_FIELDS:
        setattr(policy, key, values.get(key) if key != "note" else values.get(key) or "")
    return _flush_policy(policy)


def delete_policy(policy_id: int) -> None:
    db.session.delete(get_policy(policy_id))
    db.session.flush()


# Deadlines are computed for cases of this century; dates far outside it are typing mistakes.
YEARS = range(2000, 2101)


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise Invalid.field("day", "must be a date like 2026-10-01", "path") from error
    if day.year not in YEARS:
        raise Invalid.field("day", f"must be in the years {YEARS.start}–{YEARS.stop - 1}", "path")
    return day


def set_calendar_day(day: date, kind: str, name: str = "") -> CalendarDay:
    """Make `day` a rest day (holiday) or a working day (workday); replaces any earlier entry."""
    if kind not in DAY_KINDS:
        raise Invalid.field("kind", f"must be one of {', '.join(DAY_KINDS)}")
    entry = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if entry is None:
        entry = CalendarDay(day=day)
        db.session.add(entry)
    entry.kind, entry.name = kind, name or ""
    db.session.flush()
    return entry


def delete_calendar_day(day: date) -> None:
    entry = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    if entry is None:
        raise NotFound(f"no calendar entry for {day.isoformat()}")
    db.session.delete(entry)
    db.session.flush()


def calendar_days(year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
    return list(db.session.scalars(query))


def preview(category_code: str | None, risk_level: str, start: datetime | None) -> dict[str, Any]:
    """The deadlines a case dispatched at `start` would get: to check policies and calendar."""
    if category_code and db.session.get(Category, category_code) is None:
        raise Invalid.field("category_code", f"unknown category {category_code}", "query")
    start = start or now()
    if start.year not in YEARS:
        years = f"{YEARS.start}–{YEARS.stop - 1}"
        raise Invalid.field("start", f"must be in the years {years}", "query")
    limits = limits_for(category_code, risk_level)
    return {"policy": limits.source, "start": start, **vars(deadlines_from(start, limits))}

"""Working-day arithmetic on China's calendar (weekends, public holidays, 调休), as pure functions.

Which days are worked comes from `chinese-calendar` (PyPI), which carries the State Council's
holidays and make-up working days since 2004 and is updated each year when the notice comes
out; the admins' own entries (a local closure, a year the installed release does not know yet)
take precedence. Outside the library's years, Monday to Friday are worked.

A working day is a whole Asia/Shanghai calendar day that is a working day; the "working clock"
runs only on those days. "n working days after t" is the moment n × 24 hours of working clock
have passed: the same clock time n working days later, or the end of the n-th working day when
t itself falls on a rest day. Time spent in rest days never counts.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar

from app.core.clock import SHANGHAI

DAY = timedelta(days=1)
# A calendar that never has a working day would loop forever; no real one rests this long.
_MAX_DAYS_SCANNED = 3660


def statutory_working_day(day: date) -> bool:
    """The national calendar's answer; plain weekdays for a year chinese-calendar does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkCalendar:
    """The national calendar (or with `statutory=False` plain Monday to Friday), except where
    `overrides` says otherwise (True: a working day)."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    statutory: bool = True

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return statutory_working_day(day) if self.statutory else day.weekday() < 5


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


def add_working_time(start: datetime, amount: timedelta, calendar: WorkCalendar) -> datetime:
    """The moment `amount` of working clock has run after `start` (an aware datetime, in UTC)."""
    if amount < timedelta(0):
        raise ValueError("working time to add must not be negative")
    local = start.astimezone(SHANGHAI)
    day, remaining = local.date(), amount
    if calendar.is_working_day(day):
        left_today = _midnight(day + DAY) - local
        if remaining <= left_today:
            return (local + remaining).astimezone(UTC)
        remaining -= left_today
    for _ in range(_MAX_DAYS_SCANNED):
        day += DAY
        if calendar.is_working_day(day):
            if remaining <= DAY:
                return (_midnight(day) + remaining).astimezone(UTC)
            remaining -= DAY
    raise ValueError(f"no working days in the {_MAX_DAYS_SCANNED} days after {local:%Y-%m-%d}")


def add_working_days(start: datetime, days: float, calendar: WorkCalendar) -> datetime:
    return add_working_time(start, DAY * days, calendar)


def working_time_between(start: datetime, end: datetime, calendar: WorkCalendar) -> timedelta:
    """How much working clock runs from `start` to `end` (zero when end is not later)."""
    total, cursor = timedelta(0), start.astimezone(SHANGHAI)
    end = end.astimezone(SHANGHAI)
    while cursor < end:
        next_midnight = _midnight(cursor.date() + DAY)
        if calendar.is_working_day(cursor.date()):
            total += min(next_midnight, end) - cursor
        cursor = next_midnight
    return total

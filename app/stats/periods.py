"""The overview's weeks (starting Monday) and months, as calendar days in Asia/Shanghai."""

from datetime import date, timedelta


def period_start(day: date, group_by: str) -> date:
    return day - timedelta(days=day.weekday()) if group_by == "week" else day.replace(day=1)


def next_period(start: date, group_by: str) -> date:
    if group_by == "week":
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)

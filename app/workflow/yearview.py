"""The working-day calendar of one year as people read it, and importing a year's holidays.

Which days are worked is WorkCalendar's answer (app.workflow.calendar): the admins' entries
first, then the national calendar from `chinese-calendar`, Monday to Friday for a year it does
not know. This module only lays that out by month, with the holiday names, and reads the
lines an admin pastes to import a year the installed package does not know yet.
"""

import calendar as month_grid
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select

from app.core.errors import Invalid
from app.extensions import db
from app.workflow.calendar import WorkCalendar
from app.workflow.models import DAY_KINDS, CalendarDay
from app.workflow.policies import YEARS, set_calendar_day

KNOWN_YEARS = range(
    min(chinese_calendar.constants.holidays).year, max(chinese_calendar.constants.holidays).year + 1
)
# chinese-calendar names holidays in English ("National Day"); its enum carries the Chinese.
HOLIDAY_NAMES = {h.value: h.chinese for h in chinese_calendar.constants.Holiday}
KIND_WORDS = {
    "holiday": ("holiday", "休", "休息", "休息日", "放假", "假"),
    "workday": ("workday", "班", "上班", "工作日", "调休", "补班"),
}
MAX_IMPORT_LINES = 400
MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    # holiday: a weekday off; makeup: a weekend day worked (调休); weekend; workday (ordinary)
    kind: str
    name: str = ""
    source: str = (
        ""  # "admin" (an entry here), "national" (chinese-calendar), "" (the weekday rule)
    )


@dataclass
class Month:
    month: int
    weeks: list[list[Day | None]]


@dataclass
class YearView:
    year: int
    known: bool  # chinese-calendar has this year's national arrangement
    months: list[Month]
    entries: list[CalendarDay]
    special: list[Day] = field(default_factory=list)  # holidays and make-up days, in order

    @property
    def working_days(self) -> int:
        return sum(1 for m in self.months for w in m.weeks for d in w if d and d.working)


def _holiday_name(day: date) -> str:
    """The national calendar's name for a day off or a make-up day (empty when it has none)."""
    try:
        _, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return ""
    return HOLIDAY_NAMES.get(holiday, holiday or "")


def describe_day(day: date, working: bool, entry: CalendarDay | None) -> Day:
    """`working` is WorkCalendar's answer (the one deadlines use); this adds names and why."""
    weekend = day.weekday() >= 5
    if entry is not None:
        name, source = entry.name, "admin"
    elif day.year in KNOWN_YEARS:
        name = _holiday_name(day)
        source = "national" if working == weekend else ""
    else:
        name, source = "", ""
    kinds = {(True, True): "makeup", (True, False): "workday", (False, True): "weekend"}
    kind = kinds.get((working, weekend), "holiday")
    if kind == "makeup" and name and "调休" not in name:
        name = f"{name}调休"
    return Day(day, working, kind, name, source)


def year_view(year: int) -> YearView:
    if year not in YEARS:
        raise Invalid.field("year", f"must be in the years {YEARS.start}–{YEARS.stop - 1}", "query")
    entries = list(
        db.session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(CalendarDay.day)
        )
    )
    by_day = {e.day: e for e in entries}
    check = WorkCalendar({e.day: e.kind == "workday" for e in entries})
    months, special = [], []
    for month in range(1, 13):
        weeks = []
        for week in month_grid.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[Day | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                shown = describe_day(day, check.is_working_day(day), by_day.get(day))
                row.append(shown)
                if shown.kind in ("holiday", "makeup") or shown.source == "admin":
                    special.append(shown)
            weeks.append(row)
        months.append(Month(month, weeks))
    return YearView(year, year in KNOWN_YEARS, months, entries, special)


@dataclass(frozen=True)
class ImportLine:
    number: int
    text: str
    problem: str = ""


_DATE = r"(\d{4}-\d{1,2}-\d{1,2})"
_LINE = re.compile(
    rf"^\s*{_DATE}\s*(?:(?:~|～|至|\.\.)\s*{_DATE})?\s*[,，\t]\s*([^,，\t]+?)\s*(?:[,，\t]\s*(.*?))?\s*$"
)


def _date(text: str) -> date:
    year, month, day = (int(p) for p in text.split("-"))
    return date(year, month, day)


def parse_import(text: str) -> tuple[list[tuple[date, str, str]], list[ImportLine]]:
    """Lines `日期[~日期],类型,名称` (类型: 休/放假/holiday or 班/上班/workday) → (entries,
    problems). Blank lines, `#` comments and a header line are skipped."""
    entries: list[tuple[date, str, str]] = []
    problems: list[ImportLine] = []
    lines = (text or "").splitlines()
    if len(lines) > MAX_IMPORT_LINES:
        return [], [ImportLine(0, "", f"最多 {MAX_IMPORT_LINES} 行，请分几次导入")]
    seen: dict[date, int] = {}
    for number, line in enumerate(lines, start=1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#") or stripped.startswith(("日期", "date")):
            continue
        found = _LINE.match(stripped)
        if not found:
            problems.append(ImportLine(number, stripped, "格式应为：日期[~日期],类型,名称"))
            continue
        first_text, last_text, kind_text, name = found.groups()
        try:
            first = _date(first_text)
            last = _date(last_text) if last_text else first
        except ValueError:
            problems.append(ImportLine(number, stripped, "日期不存在"))
            continue
        kind = next((k for k, words in KIND_WORDS.items() if kind_text.lower() in words), None)
        name = (name or "").strip()
        if kind is None:
            problems.append(ImportLine(number, stripped, "类型应为“休”（放假）或“班”（调休上班）"))
        elif first.year not in YEARS or last.year not in YEARS:
            problems.append(
                ImportLine(number, stripped, f"日期须在 {YEARS.start}–{YEARS.stop - 1} 年")
            )
        elif last < first or (last - first).days >= MAX_RANGE_DAYS:
            problems.append(
                ImportLine(number, stripped, f"日期范围须从前到后，且不超过 {MAX_RANGE_DAYS} 天")
            )
        elif len(name) > 40:
            problems.append(ImportLine(number, stripped, "名称最多 40 个字"))
        else:
            day = first
            while day <= last:
                if day in seen:
                    problems.append(
                        ImportLine(number, stripped, f"{day} 已在第 {seen[day]} 行出现")
                    )
                    break
                seen[day] = number
                entries.append((day, kind, name))
                day += timedelta(days=1)
    if not entries and not problems:
        problems.append(ImportLine(0, "", "没有可导入的行"))
    return entries, problems


def import_days(entries: list[tuple[date, str, str]]) -> int:
    """Store every parsed entry (each replaces that day's earlier entry); the caller commits."""
    for day, kind, name in entries:
        assert kind in DAY_KINDS
        set_calendar_day(day, kind, name)
    return len(entries)

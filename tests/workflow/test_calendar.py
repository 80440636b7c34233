"""Working-day arithmetic on China's 2026 calendar (chinese-calendar): weekends, holidays, 调休."""

from datetime import date, datetime, timedelta

import pytest

from app.core.clock import SHANGHAI
from app.workflow.calendar import (
    WorkCalendar,
    add_working_days,
    add_working_time,
    working_time_between,
)
from app.workflow.seed import HOLIDAYS_2026, calendar_rows

# The national calendar, from the chinese-calendar package, with no local exceptions.
CAL_2026 = WorkCalendar()


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # A plain week: the same clock time the next working day.
        (sh(2026, 3, 10, 9, 30), 1, sh(2026, 3, 11, 9, 30)),
        # Across a weekend: Friday → Monday.
        (sh(2026, 3, 6, 16, 0), 1, sh(2026, 3, 9, 16, 0)),
        # Starting on a rest day: the whole next working day counts, to its end.
        (sh(2026, 3, 7, 11, 0), 1, sh(2026, 3, 10, 0, 0)),
        # 劳动节 1–5 May: Thursday 30 April → Wednesday 6 May.
        (sh(2026, 4, 30, 10, 0), 1, sh(2026, 5, 6, 10, 0)),
        # The make-up working day Saturday 9 May counts (调休).
        (sh(2026, 5, 8, 10, 0), 1, sh(2026, 5, 9, 10, 0)),
        # 春节: Friday 13 Feb → Saturday 14 Feb (worked) → Tuesday 24 Feb (after 15–23 off).
        (sh(2026, 2, 13, 10, 0), 2, sh(2026, 2, 24, 10, 0)),
        # 中秋 and 国庆 in one stretch; Sunday 20 Sep is worked, Saturday 10 Oct too.
        (sh(2026, 9, 19, 12, 0), 1, sh(2026, 9, 21, 0, 0)),
        (sh(2026, 9, 21, 10, 0), 7, sh(2026, 10, 8, 10, 0)),
        (sh(2026, 10, 8, 10, 0), 2, sh(2026, 10, 10, 10, 0)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days, CAL_2026) == expected


def test_weekends_only_without_the_national_calendar():
    # 1 October 2026 is a Thursday: plain weekdays do not know 国庆.
    weekdays = WorkCalendar(statutory=False)
    assert add_working_days(sh(2026, 9, 30, 10, 0), 1, weekdays) == sh(2026, 10, 1, 10, 0)
    assert add_working_days(sh(2026, 9, 30, 10, 0), 1, CAL_2026) == sh(2026, 10, 8, 10, 0)


def test_admin_entries_take_precedence_over_the_national_calendar():
    # A typhoon closes the centre on Wednesday 11 March; 国庆 Thursday 1 October is worked.
    local = WorkCalendar({date(2026, 3, 11): False, date(2026, 10, 1): True})
    assert add_working_days(sh(2026, 3, 10, 9, 0), 1, local) == sh(2026, 3, 12, 9, 0)
    assert add_working_days(sh(2026, 9, 30, 10, 0), 1, local) == sh(2026, 10, 1, 10, 0)
    # Days without an entry still follow the national calendar.
    assert not local.is_working_day(date(2026, 10, 2))
    assert local.is_working_day(date(2026, 10, 10))


def test_years_the_package_does_not_know_are_weekdays():
    # A year past the installed release's data (admins add its notice until the package has it).
    assert CAL_2026.is_working_day(date(2099, 1, 1))  # a Thursday
    assert not CAL_2026.is_working_day(date(2099, 1, 3))  # a Saturday
    assert not WorkCalendar({date(2099, 1, 1): False}).is_working_day(date(2099, 1, 1))


def test_fractions_run_on_the_working_clock():
    # 80 % of one working day from Friday 14:00: 10 h on Friday, 9.2 h into Monday.
    assert add_working_days(sh(2026, 3, 6, 14, 0), 0.8, CAL_2026) == sh(2026, 3, 9, 9, 12)


def test_working_time_between_is_the_inverse():
    start = sh(2026, 4, 30, 10, 0)
    for days in (0.5, 1, 3, 7, 15):
        end = add_working_days(start, days, CAL_2026)
        assert working_time_between(start, end, CAL_2026) == timedelta(days=days)
    assert working_time_between(sh(2026, 5, 1, 0, 0), sh(2026, 5, 6, 0, 0), CAL_2026) == timedelta()


def test_the_package_matches_the_state_council_notice():
    rest = {d for _, days, _ in HOLIDAYS_2026 for d in days}
    worked = {d for _, _, make_up in HOLIDAYS_2026 for d in make_up}
    assert len(rest) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert worked == {
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
        date(2026, 9, 20), date(2026, 10, 10),
    }  # fmt: skip
    assert all(d.weekday() >= 5 for d in worked)
    # Every day of 2026 as the notice has it (the rows migration 0005 stored).
    notice = {row["day"]: row["kind"] == "workday" for row in calendar_rows()}
    year = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert [CAL_2026.is_working_day(d) for d in year] == [
        notice.get(d, d.weekday() < 5) for d in year
    ]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        add_working_time(sh(2026, 3, 6, 14, 0), timedelta(hours=-1), CAL_2026)
    never = WorkCalendar({date(2026, 1, 1) + timedelta(days=i): False for i in range(4000)})
    with pytest.raises(ValueError):
        add_working_days(sh(2026, 1, 1, 9, 0), 1, never)

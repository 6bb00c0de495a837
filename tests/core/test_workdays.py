"""Working days with a public-holiday calendar (core/workdays.py) and the calendar shipped with the project
(parameters/holidays/CN.toml, read through parameters/holidays.py): holidays skipped, the weekend days worked in
their place (调休) counted, a year the file does not hold counted Monday to Friday, a wrong file refused naming the
entry at fault."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from sirecords.core.workdays import WEEKDAYS_ONLY, CalendarError, load_calendar, read_calendar, working_days_after
from sirecords.parameters import holidays

CN = load_calendar(holidays.SHIPPED)
STATUTORY_DAYS = 13  # 国务院令第798号 (from 2025): New Year 1, Spring Festival 4, Qingming 1, Labour Day 2, Dragon
#                     Boat 1, Mid-Autumn 1, National Day 3


# --- counting --------------------------------------------------------------------------------------------------------

def test_without_holidays_weekends_are_skipped():
    friday = date(2024, 3, 1)
    assert working_days_after(friday, 0) == friday
    assert working_days_after(friday, 1) == date(2024, 3, 4)  # Monday
    assert working_days_after(friday, 5) == date(2024, 3, 8)
    assert working_days_after(date(2024, 3, 2), 1) == date(2024, 3, 4)  # from a Saturday
    with pytest.raises(ValueError, match="not negative"):
        working_days_after(friday, -1)


def test_holidays_are_skipped_and_weekend_days_worked_count():
    holiday, worked = frozenset({date(2024, 3, 4)}), frozenset({date(2024, 3, 9)})
    assert working_days_after(date(2024, 3, 1), 1, holiday) == date(2024, 3, 5)
    # Tue 5 .. Fri 8 are four days, the Saturday worked the fifth
    assert working_days_after(date(2024, 3, 1), 5, holiday, worked) == date(2024, 3, 9)
    assert working_days_after(date(2024, 3, 1), 6, holiday, worked) == date(2024, 3, 11)


def test_the_2025_spring_festival_and_its_working_weekends():
    # 春节 2025: off Tue 01-28 to Tue 02-04; Sun 01-26 and Sat 02-08 worked.
    assert CN.is_working_day(date(2025, 1, 26)) and CN.is_working_day(date(2025, 2, 8))
    assert not any(CN.is_working_day(date(2025, 1, 28) + timedelta(days=n)) for n in range(8))
    assert CN.after(date(2025, 1, 24), 1) == date(2025, 1, 26)  # Friday → the Sunday worked
    assert CN.after(date(2025, 1, 27), 1) == date(2025, 2, 5)  # Monday before the festival → the Wednesday after it
    assert CN.after(date(2025, 1, 27), 15) == date(2025, 2, 24)
    assert working_days_after(date(2025, 1, 27), 15) == date(2025, 2, 17)  # what Monday-to-Friday counting said


def test_the_2026_national_day_and_a_transfer_step_over_it():
    # 国庆 2026: off Thu 10-01 to Wed 10-07; Sun 09-20 and Sat 10-10 worked.
    assert CN.is_working_day(date(2026, 9, 20)) and CN.is_working_day(date(2026, 10, 10))
    assert not CN.is_working_day(date(2026, 10, 5))  # a Monday
    # 15 working days from Fri 2026-09-18: 09-20 (Sun, worked), 21-24, [25-27 中秋], 28-30, [10-01..07], 08, 09, 10 (Sat,
    # worked), 12, 13, 14, 15 → the 15th is Thu 10-15 (Monday to Friday alone: Fri 10-09).
    assert CN.after(date(2026, 9, 18), 15) == date(2026, 10, 15)
    assert working_days_after(date(2026, 9, 18), 15) == date(2026, 10, 9)


@pytest.mark.parametrize("year", sorted(CN.years))
def test_each_year_of_the_shipped_file_has_its_13_statutory_days_off(year):
    """The arrangement's days off on weekdays, less the weekend days worked, are the statutory holidays on weekdays;
    with the statutory days falling on a weekend made up by a weekday off, the year has exactly 13 working days fewer
    than its Mondays to Fridays — a check of dates copied by hand."""
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(366)]
    days = [day for day in days if day.year == year]
    weekdays = sum(day.weekday() < 5 for day in days)
    assert sum(CN.is_working_day(day) for day in days) == weekdays - STATUTORY_DAYS


def test_the_shipped_file_says_which_years_it_holds():
    assert {2025, 2026} <= CN.years
    assert all(notice.startswith("国务院办公厅关于") for _year, notice in CN.notices)
    assert all(day.weekday() >= 5 for day in CN.extra_working_days)


# --- the file ---------------------------------------------------------------------------------------------------------

GOOD = """
[2030]
notice = "示例"
holidays = [{ name = "元旦", first = 2030-01-01, last = 2030-01-01 }]
working = [2030-01-05]
"""


def test_a_calendar_is_read_from_toml():
    calendar = read_calendar(GOOD)
    assert calendar.years == {2030} and calendar.holidays == {date(2030, 1, 1)}
    assert calendar.extra_working_days == {date(2030, 1, 5)} and calendar.covers(date(2030, 6, 1))
    assert not calendar.covers(date(2031, 1, 1))


@pytest.mark.parametrize("text, fault", [
    ("[2030\n", "not TOML"),
    ("[20x0]\nnotice = \"n\"", "is not a year"),
    ("[2030]\nholidays = []", "notice names"),
    ("[2030]\nnotice = \"n\"\nother = 1", "notice, holidays and working only"),
    ("[2030]\nnotice = \"n\"\nholidays = [{ name = \"x\", first = 2030-01-02, last = 2030-01-01 }]", "at most 10 days"),
    ("[2030]\nnotice = \"n\"\nholidays = [{ name = \"x\", first = 2030-01-01, last = 2030-01-20 }]", "at most 10 days"),
    ("[2030]\nnotice = \"n\"\nholidays = [{ name = \"x\", first = 2031-05-01, last = 2031-05-02 }]", "is not in 2030"),
    ("[2030]\nnotice = \"n\"\nholidays = [{ name = \"x\", first = \"2030-01-01\", last = 2030-01-01 }]", "is not a date"),
    ("[2030]\nnotice = \"n\"\nholidays = [{ first = 2030-01-01, last = 2030-01-01 }]", "a holiday is"),
    ("[2030]\nnotice = \"n\"\nworking = [2030-01-07]", "is a weekday"),
    ("[2030]\nnotice = \"n\"\nworking = [2030-01-05T08:00:00]", "is not a date"),
    ("[2030]\nnotice = \"n\"\nholidays = [{ name = \"x\", first = 2030-01-05, last = 2030-01-06 }]\n"
     "working = [2030-01-05]", "both a holiday and a working day"),
])
def test_a_wrong_file_is_refused_naming_the_entry(text, fault):
    with pytest.raises(CalendarError, match=fault):
        read_calendar(text, "test.toml")


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(CalendarError, match="missing.toml: cannot be read"):
        load_calendar(tmp_path / "missing.toml")


# --- the configured calendar ------------------------------------------------------------------------------------------

def test_the_setting_names_another_file(settings, tmp_path):
    path = tmp_path / "holidays.toml"
    path.write_text(GOOD, encoding="utf-8")
    settings.SIRECORDS_HOLIDAYS_FILE = str(path)
    assert holidays.calendar_path() == path and holidays.calendar().years == {2030}
    assert holidays.working_days_after(date(2029, 12, 31), 1) == date(2030, 1, 2)
    settings.SIRECORDS_HOLIDAYS_FILE = ""
    assert holidays.calendar_path() == holidays.SHIPPED and holidays.calendar() == CN


def test_a_year_the_calendar_does_not_hold_is_counted_monday_to_friday_and_logged(caplog):
    beyond = max(CN.years) + 1
    start = date(beyond, 3, 2)
    with caplog.at_level(logging.WARNING, logger="sirecords.parameters.holidays"):
        assert holidays.working_days_after(start, 10) == CN.after(start, 10) == working_days_after(start, 10)
    assert f"holds no arrangement of {beyond}" in caplog.text
    assert WEEKDAYS_ONLY.after(start, 10) == working_days_after(start, 10)

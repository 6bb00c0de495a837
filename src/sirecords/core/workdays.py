"""Working days: Monday to Friday, less the public holidays of a calendar, plus the weekend days worked in their place
(调休). The agency's own deadlines count them: a step of a transfer with the calendar (parameters/holidays.py); a
discrepancy to resolve and a dispute to answer Monday to Friday alone for now (they pass no calendar).

A calendar is data: a TOML file of the State Council's published holiday arrangements (放假安排), one table a year —

    [2026]
    notice = "国务院办公厅关于2026年部分节假日安排的通知"
    holidays = [{ name = "元旦 New Year's Day", first = 2026-01-01, last = 2026-01-03 }, ...]
    working = [2026-01-04, ...]          # weekend days worked in place of a holiday (调休上班)

read by `read_calendar` (pure: no Django; sirecords/parameters/holidays.py finds the file). A year the file does not
hold is counted Monday to Friday: its arrangement is published each November for the next year, and a deadline that
falls on a holiday it would have named is met the next working day by policy."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SATURDAY = 5
LONGEST_HOLIDAY = 10  # days: no arrangement has been longer (Spring Festival 2026: 9); a longer range is a typo


def is_working_day(day: date, holidays: Iterable[date] = frozenset(), extra_working_days: Iterable[date] = frozenset()
                   ) -> bool:
    """Monday to Friday and not a holiday, or a weekend day worked in place of one."""
    if day in extra_working_days:
        return True
    return day.weekday() < SATURDAY and day not in holidays


def working_days_after(start: date, days: int, holidays: frozenset[date] = frozenset(),
                       extra_working_days: frozenset[date] = frozenset()) -> date:
    """The day `days` working days after `start`: Saturdays, Sundays and `holidays` skipped, the weekend days in
    `extra_working_days` counted; `start` itself when `days` is 0 (whatever day it is)."""
    if days < 0:
        raise ValueError(f"a number of working days is not negative: {days}")
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays, extra_working_days):
            days -= 1
    return day


class CalendarError(ValueError):
    """A holiday file that cannot be read as a calendar: the message names the file, the year and the entry."""


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Calendar:
    """The holidays and the weekend days worked (调休) of the years a file holds; the years it does not hold count
    Monday to Friday."""

    years: frozenset[int] = frozenset()
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    named: tuple[Holiday, ...] = ()
    notices: tuple[tuple[int, str], ...] = ()

    def covers(self, day: date) -> bool:
        """The file holds the arrangement of `day`'s year."""
        return day.year in self.years

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day, self.holidays, self.extra_working_days)

    def after(self, start: date, days: int) -> date:
        return working_days_after(start, days, self.holidays, self.extra_working_days)


WEEKDAYS_ONLY = Calendar()


def _day(value: object, where: str) -> date:
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise CalendarError(f"{where}: {value!r} is not a date (write it bare, as 2026-01-01)")
    return value


def _year(name: str, table: object, where: str) -> tuple[int, list[Holiday], list[date], str]:
    if not (name.isascii() and name.isdigit() and len(name) == 4):
        raise CalendarError(f"{where}: [{name}] is not a year")
    if not isinstance(table, dict) or set(table) - {"notice", "holidays", "working"}:
        raise CalendarError(f"{where} [{name}]: a year holds notice, holidays and working only")
    year = int(name)
    notice = table.get("notice", "")
    if not isinstance(notice, str) or not notice.strip():
        raise CalendarError(f"{where} [{name}]: notice names the State Council's notice the year is taken from")
    named = []
    for number, item in enumerate(table.get("holidays", []), start=1):
        at = f"{where} [{name}] holiday {number}"
        if not isinstance(item, dict) or set(item) != {"name", "first", "last"} or not isinstance(item["name"], str):
            raise CalendarError(f"{at}: a holiday is {{ name = \"…\", first = YYYY-MM-DD, last = YYYY-MM-DD }}")
        first, last = _day(item["first"], at), _day(item["last"], at)
        if last < first or (last - first).days >= LONGEST_HOLIDAY:
            raise CalendarError(f"{at} ({item['name']}): {first} to {last} is not a holiday of at most "
                                f"{LONGEST_HOLIDAY} days")
        if year not in (first.year, last.year):
            raise CalendarError(f"{at} ({item['name']}): {first} to {last} is not in {year}")
        named.append(Holiday(item["name"], first, last))
    working = []
    for value in table.get("working", []):
        day = _day(value, f"{where} [{name}] working")
        if day.weekday() < SATURDAY:
            raise CalendarError(f"{where} [{name}] working: {day} is a weekday; list only the weekend days worked")
        working.append(day)
    return year, named, working, notice


def read_calendar(text: str, where: str = "holiday calendar") -> Calendar:
    """The calendar of a TOML text as the module docstring shows it; CalendarError naming the entry at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CalendarError(f"{where}: not TOML: {error}") from None
    years, holidays, working, named, notices = set(), set(), set(), [], []
    for name, table in sorted(data.items()):
        year, year_named, year_working, notice = _year(name, table, where)
        years.add(year)
        named.extend(year_named)
        notices.append((year, notice))
        for holiday in year_named:
            holidays.update(holiday.days())
        working.update(year_working)
    both = sorted(holidays & working)
    if both:
        raise CalendarError(f"{where}: {', '.join(map(str, both))} both a holiday and a working day")
    return Calendar(frozenset(years), frozenset(holidays), frozenset(working), tuple(named), tuple(notices))


def load_calendar(path: Path | str) -> Calendar:
    """The calendar of the TOML file at `path` (CalendarError naming the file when it is missing or wrong)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CalendarError(f"{path}: cannot be read ({error.strerror or error})") from None
    return read_calendar(text, str(path))

"""The public-holiday calendar the agency's working-day deadlines count with (core/workdays.py): the file
SIRECORDS_HOLIDAYS_FILE names, else the one shipped with the project (parameters/holidays/CN.toml: the State Council's
arrangements of the years it lists). Read once per file and kept; a wrong file is refused with the entry at fault
(core/workdays.CalendarError), never read as an empty calendar."""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from sirecords.core.workdays import Calendar, load_calendar

SHIPPED = Path(__file__).resolve().parent / "holidays" / "CN.toml"
log = logging.getLogger(__name__)


def calendar_path() -> Path:
    configured = getattr(settings, "SIRECORDS_HOLIDAYS_FILE", "")
    return Path(configured) if configured else SHIPPED


@lru_cache(maxsize=4)
def _calendar(path: str) -> Calendar:
    return load_calendar(path)


def calendar() -> Calendar:
    """The configured calendar (CalendarError when its file is missing or wrong)."""
    return _calendar(str(calendar_path()))


def working_days_after(start: date, days: int) -> date:
    """`days` working days after `start` by the configured calendar. A year the calendar does not hold is counted
    Monday to Friday, and the log says so (its arrangement is not yet published, or not yet added to the file)."""
    found = calendar()
    end = found.after(start, days)
    missing = sorted({year for year in range(start.year, end.year + 1) if year not in found.years})
    if missing:
        log.warning("the holiday calendar %s holds no arrangement of %s: counted Monday to Friday (add the year when "
                    "the State Council publishes it)", calendar_path(), ", ".join(map(str, missing)))
    return end


def clear_cache() -> None:
    _calendar.cache_clear()

"""Working days: Monday to Friday. The agency's own deadlines (a discrepancy to resolve, a dispute to answer) count
them; public holidays are not known here (a deadline that falls on one is met the next working day by policy)."""

from __future__ import annotations

from datetime import date, timedelta


def working_days_after(start: date, days: int) -> date:
    """The day `days` working days after `start` (Saturdays and Sundays skipped); `start` itself when `days` is 0."""
    if days < 0:
        raise ValueError(f"a number of working days is not negative: {days}")
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day

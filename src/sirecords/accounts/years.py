"""Contribution years (缴费年限) of a person, from the record: actual months from the pension
contribution rows (distinct paid months, across employers and regions — a month paid twice counts
once) and the months received from another region with a transfer (contributions_transferred_month, 第十条),
plus deemed months (视同缴费年限), by `engine.years.contribution_months`."""

from __future__ import annotations

from django.db import connection

from sirecords.contributions.counted import counted
from sirecords.core.periods import Month
from sirecords.engine.trace import Result
from sirecords.engine.years import ContributionMonths, Period, contribution_months

__all__ = ["actual_months", "contribution_years", "deemed_months_for"]


def actual_months(person_uid: str) -> list[str]:
    """The distinct paid pension months of a person, "YYYY-MM", in order: paid here, or paid in another region and
    received with a transfer (a month paid in both counts once)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT period FROM contributions_contribution WHERE person_id = %s AND insurance_type = 'pension' "
                       f"AND {counted()} UNION SELECT period FROM contributions_transferred_month WHERE person_id = %s "
                       "ORDER BY period", [person_uid, person_uid])  # nosec B608 # counted.py constant SQL; values bound
        return [period for (period,) in cursor.fetchall()]


def deemed_months_for(person_uid: str) -> list[tuple[str, str]]:
    """The person's recognised deemed service (视同缴费年限) as periods; a deemed month that is also an actual
    month counts once (the engine merges them)."""
    from sirecords.accounts.deemed import deemed_periods  # benefits builds on accounts, not the reverse

    return deemed_periods(person_uid)


def contribution_years(person_uid: str) -> Result[ContributionMonths]:
    # Each month parsed once, as a one-month period (a 30-year record has 360 of them).
    months = [Period(month, month) for month in map(Month.parse, actual_months(person_uid))]
    return contribution_months(months, deemed_months=deemed_months_for(person_uid) or 0)

"""Contribution years (缴费年限) of a person, from the record: actual months from the pension
contribution rows (distinct paid months, across employers and regions — a month paid twice counts
once) plus deemed months (视同缴费年限), by `rules.years.contribution_months`."""

from __future__ import annotations

from django.db import connection

from sirecords.rules.trace import Result
from sirecords.rules.years import ContributionMonths, contribution_months

__all__ = ["actual_months", "contribution_years", "deemed_months_for"]


def actual_months(person_uid: str) -> list[str]:
    """The distinct paid pension months of a person, "YYYY-MM", in order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT period FROM contributions_contribution WHERE person_id = %s AND insurance_type = 'pension' "
                       "AND paid_on <> '' ORDER BY period", [person_uid])
        return [period for (period,) in cursor.fetchall()]


def deemed_months_for(person_uid: str) -> int | list[tuple[str, str]]:
    """HOOK: the person's recognised deemed service (视同缴费年限), as a number of months or as periods.

    No deemed-service record exists yet (it will be its own reviewed transaction, with the archive
    documents that prove the service); until then every person has 0 deemed months.
    """
    return 0


def contribution_years(person_uid: str) -> Result[ContributionMonths]:
    months = actual_months(person_uid)
    return contribution_months([(month, month) for month in months], deemed_months=deemed_months_for(person_uid))

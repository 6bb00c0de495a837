"""What an employer's portal user reads (第十四条, 第十五条第三款), for the pages (/employer/) and the API
(/api/employer/) alike: the queries of queries/scopes.py for the caller's own unit — the employer comes only from the
signed-in account (request.portal / request.auth), never from a URL or a parameter — and the access log.

The unit's own contribution totals are not a person's data and are not logged. Every employee shown (in a list or
on their page) is one read of that person's data, logged under the employer actor `employer:<uid>:<user>`
(records/disclosure.record_employer_read), so "who read my record" lists it. A look-up of a person the unit never
employed (or of an unknown uid: the same answer) is refused with OutOfScope and written to the security log.
"""

from __future__ import annotations

import logging
from typing import Any

from sirecords.portal.callers import PortalCaller
from sirecords.queries import scopes
from sirecords.records.disclosure import record_employer_read

security_log = logging.getLogger("sirecords.security")
PER_PAGE, MAX_PER_PAGE = 20, 100


def _log_reads(caller: PortalCaller, shown: list[dict[str, Any]], what: str, channel: str) -> None:
    for row in shown:
        record_employer_read(caller.employer.uid, caller.account.user_name, row["uid"], what, channel)


def contributions(caller: PortalCaller, month: str | None = None, year: str | None = None) -> dict[str, Any]:
    """The unit's contributions per month and insurance type (InvalidTransaction naming `month` or `year`)."""
    return scopes.employer_contributions(caller.employer, month, year=year)


def years(caller: PortalCaller) -> list[dict[str, Any]]:
    return scopes.employer_years(caller.employer)


def employees_page(caller: PortalCaller, page: int, per_page: int, channel: str, *, records: bool = True) -> dict[str, Any]:
    """One page of the unit's employees (with their scoped records unless `records` is False); one access-log entry
    per person on it."""
    answer = scopes.employees_page(caller.employer, page, min(max(1, per_page), MAX_PER_PAGE), records=records)
    _log_reads(caller, answer["employees"], "employer.employees", channel)
    return answer


def employee(caller: PortalCaller, person_uid: str, channel: str) -> dict[str, Any]:
    """One employee's registration and contributions for their time with the unit (OutOfScope otherwise: logged)."""
    try:
        answer = scopes.employee(caller.employer, person_uid)
    except scopes.OutOfScope:
        security_log.warning("employer portal %s asked for person %r, whom the unit never employed (or unknown); "
                             "refused (%s)", caller.username, str(person_uid)[:64], channel)
        raise
    _log_reads(caller, [answer], "employer.employee", channel)
    return answer

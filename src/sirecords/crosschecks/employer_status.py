"""employer_status (市场监管): units deregistered (注销) or with their licence revoked (吊销), against the register.

A closed unit the record still holds open — registered, or with employment periods not ended — is `employer_closed`
(identified by the date it closed), with its open periods (each person masked, the start) and its arrears (months
assessed and unpaid). Its registration is cancelled only once no arrears are left (经办条例 第十条). A unit the
register does not hold is `unmatched`, kept by its code's blind index; an `active` status changes nothing.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from sirecords.contributions.counted import in_arrears
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.crosschecks.matching import Comparison, chunks
from sirecords.crypto.sealing import blind_index
from sirecords.registry.models import Employer, EmployerStatus, Employment, Person


def compare(rows: list[dict], comparison: Comparison) -> None:
    for block in chunks(rows):
        employers = {e.uscc: e for e in Employer.objects.filter(uscc__in=[row["uscc"] for row in block])}
        uids = [e.uid for e in employers.values()]
        open_periods = defaultdict(list)
        for employer, person, start in (Employment.objects.filter(employer_id__in=uids, end__isnull=True)
                                        .order_by("employer_id", "start").values_list("employer_id", "person_id", "start")):
            open_periods[employer].append((person, start))
        masked = _masked({person for periods in open_periods.values() for person, _start in periods})
        arrears = arrears_of(uids)
        for row in block:
            employer = employers.get(row["uscc"])
            if employer is None:
                comparison.unmatched_row(row, blind_index("uscc", row["uscc"]),
                                         {k: row[k] for k in ("status", "effective_on", "reference")})
                continue
            periods = open_periods.get(employer.uid, [])
            if row["status"] == "active" or (employer.status == EmployerStatus.CLOSED and not periods):
                comparison.no_action += 1
                continue
            months, owed = arrears.get(employer.uid, (0, 0))
            comparison.found("employer_closed", f"employer:{employer.uid}", row["effective_on"], {
                "status": row["status"], "effective_on": row["effective_on"], "reference": row["reference"],
                "registered": employer.status != EmployerStatus.CLOSED,
                "open_periods": [{"person": masked[person], "start": start.isoformat()} for person, start in periods],
                "arrears_months": months, "arrears": yuan(owed)}, line=row["line"])


def _masked(persons: set[str]) -> dict[str, str]:
    return {p.uid: p.masked_id_number for p in Person.objects.filter(uid__in=list(persons))}


def arrears_of(employers: list[str]) -> dict[str, tuple[int, int]]:
    """employer → (months in arrears, amount assessed and unpaid in fen), one query."""
    if not employers:
        return {}
    marks = ", ".join(["%s"] * len(employers))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.employer_id, COUNT(*), SUM(c.employer_fen + c.individual_fen) FROM contributions_contribution c "  # nosec B608 # constants, %s marks; values bound
                       f"WHERE c.employer_id IN ({marks}) AND {in_arrears('c')} GROUP BY c.employer_id", employers)
        return {employer: (int(count), int(total or 0)) for employer, count, total in cursor.fetchall()}

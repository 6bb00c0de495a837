"""Computing a subsidy grant from the record with the rules engine (read-only; the transaction posts it).

A grant covers one person, one scheme of the person's pooling region and a run of months. Every month must
have a paid contribution of at least one insurance type the scheme covers (the subsidy is a share of it);
a covered type the person did not pay that month is not subsidised and is listed in ``not_insured`` for
the reviewers. A month and type is subsidised once, and the person's months under the scheme stay within
its ``max_months``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from sirecords.contributions.counted import counted
from sirecords.core.money import from_fen, to_fen
from sirecords.core.periods import Month
from sirecords.engine.params import ParameterError, load_params
from sirecords.engine.subsidies import subsidy_for_month
from sirecords.parameters.queries import loaded_param_set, params_in_ledger, pooling_region
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.transactions.validation import Errors, a_month

MAX_GRANT_MONTHS = 120


def paid_months(person_uid: str, start: Month, end: Month) -> dict[tuple[str, str], tuple[int, int, str, str]]:
    """(period, insurance type) → (employer fen, individual fen, rule version, category) of the paid rows, summed
    over employers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT period, insurance_type, SUM(employer_fen), SUM(individual_fen), MIN(rule_version), MIN(category) "  # nosec B608 # counted.py constant SQL; values bound
                       "FROM contributions_contribution WHERE person_id = %s AND period >= %s AND period <= %s "
                       f"AND {counted()} GROUP BY period, insurance_type", [person_uid, str(start), str(end)])
        return {(period, kind): (int(employer), int(individual), version, category)
                for period, kind, employer, individual, version, category in cursor.fetchall()}


def subsidised(person_uid: str) -> dict[tuple[str, str], str]:
    """(period, insurance type) → scheme of the person's months already subsidised."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT period, insurance_type, scheme FROM subsidies_subsidy WHERE person_id = %s", [person_uid])
        return {(period, kind): scheme for period, kind, scheme in cursor.fetchall()}


def compute_grant(payload: dict[str, Any]) -> dict[str, Any]:
    """The grant's rows and total, or InvalidTransaction naming every month that cannot be subsidised and why."""
    errors = Errors()
    person = Person.objects.filter(uid=payload.get("person") or "").first()
    if person is None:
        errors["person"] = "no registered person with this uid"
    start, end = a_month(payload, "start", errors), a_month(payload, "end", errors)
    if start and end and end < start:
        errors["end"] = f"{end} is before the start {start}"
    if start and end and end - start + 1 > MAX_GRANT_MONTHS:
        errors["end"] = f"a grant covers at most {MAX_GRANT_MONTHS} months"
    errors.raise_if_any()
    region = pooling_region()
    try:
        scheme = params_in_ledger(region).subsidy_scheme(payload.get("scheme") or "")
    except ParameterError as error:
        raise InvalidTransaction({"scheme": error.reason}) from None
    paid, taken = paid_months(person.uid, start, end), subsidised(person.uid)
    months = [start + k for k in range(end - start + 1)]
    rows, problems, skipped = [], [], []
    sets: dict[str, Any] = {}  # rule version → its loaded set (one look-up per version, not per row)
    for month in months:
        covered = [kind for kind in scheme.types if (str(month), kind) in paid]
        if not covered:
            problems.append(f"{month}: no paid contribution of a covered type ({', '.join(scheme.types)}) to subsidise")
        skipped += [f"{month} {kind}" for kind in scheme.types if kind not in covered]
        for kind in covered:
            key = (str(month), kind)
            if key in taken:
                problems.append(f"{month} {kind}: already subsidised ({taken[key]})")
                continue
            employer, individual, version, category = paid[key]
            if version not in sets:
                sets[version] = loaded_param_set(version)
            params = sets[version]
            if params is None:
                problems.append(f"{month} {kind}: the contribution's parameter set {version} is not loaded")
                continue
            result = subsidy_for_month(params, scheme, insurance_type=kind, employer_paid=from_fen(employer),
                                       individual_paid=from_fen(individual), category=category)
            rows.append({"period": str(month), "insurance_type": kind, "employer_paid_fen": employer,
                         "individual_paid_fen": individual, "category": category, "amount_fen": to_fen(result.value),
                         "rule_version": version})
    already = {period for (period, _), name in taken.items() if name == scheme.scheme}
    total_months = len(already | {str(m) for m in months})
    if total_months > scheme.max_months:
        problems.append(f"the scheme allows at most {scheme.max_months} months per person; this grant would make "
                        f"{total_months} ({len(already)} already granted)")
    if problems:
        shown = "; ".join(problems[:12]) + (f"; and {len(problems) - 12} more" if len(problems) > 12 else "")
        raise InvalidTransaction({"months": shown})
    return {"person": person.uid, "region": region, "scheme": scheme.scheme, "title": scheme.title, "start": str(start),
            "end": str(end), "not_insured": skipped, "rows": rows, "row_count": len(rows), "total_fen": sum(r["amount_fen"] for r in rows)}


def explain(row) -> Any:
    """The engine's trace of one granted row (a Subsidy), recomputed from what the ledger holds."""
    params = loaded_param_set(row.rule_version)
    scheme = load_params(row.region).subsidy_scheme(row.scheme)
    return subsidy_for_month(params, scheme, insurance_type=row.insurance_type, employer_paid=from_fen(row.employer_paid_fen),
                             individual_paid=from_fen(row.individual_paid_fen), category=row.category).trace

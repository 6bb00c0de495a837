"""Computing an award from the record with the rules engine (read-only; the transaction posts it)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import connection

from sirecords.accounts.years import contribution_years
from sirecords.ledger.posting import InvalidTransaction
from sirecords.registry.models import Person
from sirecords.rules.money import InvalidInput, from_fen, to_fen
from sirecords.rules.params import RETIREMENT_CATEGORIES, ParameterError, load_params
from sirecords.rules.pension import average_wage_index, pension_for
from sirecords.rules.periods import Age, Month
from sirecords.rules.retirement import pension_eligibility, statutory_retirement
from sirecords.rules.trace import jsonable

SEX_OF_CATEGORY = {"male": "M", "female55": "F", "female50": "F"}


def pooling_region(person_region: str) -> str:
    """市级统筹: the city's code (the district's first four digits, then 00)."""
    return person_region[:4] + "00"


def monthly_bases(person_uid: str) -> list[tuple[str, int]]:
    """(period, base_fen) of the person's paid pension months; a month paid twice counts once, at its highest base."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT period, MAX(base_fen) FROM contributions_contribution WHERE person_id = %s "
                       "AND insurance_type = 'pension' AND paid_on <> '' GROUP BY period ORDER BY period", [person_uid])
        return list(cursor.fetchall())


def account_balance_fen(person_uid: str) -> int:
    """Closing balance of the person's latest credited account year (the latest run's row), 0 without one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT closing_fen FROM accounts_account_year WHERE person_id = %s "
                       "ORDER BY year DESC, run_seq DESC LIMIT 1", [person_uid])
        found = cursor.fetchone()
    return found[0] if found else 0


def _check_payload(payload: dict[str, Any]) -> tuple[Person, str, Month, bool]:
    errors: dict[str, str] = {}
    person = Person.objects.filter(uid=payload.get("person") or "").first()
    if person is None:
        errors["person"] = "no registered person with this uid"
    category = payload.get("category")
    if category not in RETIREMENT_CATEGORIES:
        errors["category"] = f"must be one of {', '.join(RETIREMENT_CATEGORIES)}"
    elif person is not None and person.sex != SEX_OF_CATEGORY[category]:
        errors["category"] = f"{category} does not fit the person's registered sex ({person.sex})"
    month = None
    try:
        month = Month.parse(payload.get("retirement_month") if isinstance(payload.get("retirement_month"), str) else "")
    except InvalidInput:
        errors["retirement_month"] = "must be a month written YYYY-MM"
    flexible = payload.get("flexible", False)
    if not isinstance(flexible, bool):
        errors["flexible"] = "must be true or false"
    if errors:
        raise InvalidTransaction(errors)
    return person, category, month, flexible


def compute_award(payload: dict[str, Any]) -> dict[str, Any]:
    """The award's figures and traces, or InvalidTransaction saying why the person is not eligible."""
    person, category, month, flexible = _check_payload(payload)
    region = pooling_region(person.region)
    try:
        params = load_params(region, month.year)
        birth = Month(person.birth_date.year, person.birth_date.month)
        # The retirement ages (and the 2025 reform's delays) are in the latest set; they apply to every birth month.
        statutory = statutory_retirement(birth, category, load_params(region))
        plan = statutory.value
        if flexible:
            if not plan.flexible_earliest_month <= month <= plan.flexible_latest_month:
                raise InvalidTransaction({"retirement_month": f"{month} is outside the flexible window "
                                          f"{plan.flexible_earliest_month} – {plan.flexible_latest_month} "
                                          f"(statutory {plan.retirement_month})"})
        elif month != plan.retirement_month:
            raise InvalidTransaction({"retirement_month": f"{month} is not the statutory retirement month "
                                      f"{plan.retirement_month} (age {plan.statutory_age}); apply as flexible "
                                      f"retirement for another month"})
        years = contribution_years(person.uid)
        held = years.value.contribution_months
        eligibility = pension_eligibility(held, month.year, params)
        if not eligibility.value.eligible:
            need = eligibility.value.minimum_contribution_months
            raise InvalidTransaction({"contribution_months": f"not eligible for a monthly pension: {held} contribution "
                                      f"months held, {need} needed for retirement in {month.year} "
                                      f"(short by {need - held} months)"})
        bases = monthly_bases(person.uid)
        averages: dict[int, Decimal] = {}
        entries = []
        for period, base_fen in bases:
            year = int(period[:4])
            if year not in averages:
                averages[year] = load_params(region, year).reference_average_wage
            entries.append((from_fen(base_fen), averages[year], 1))
        deemed = years.value.deemed_months
        index = average_wage_index(entries, deemed_months=deemed, version=params.version)
        balance_fen = account_balance_fen(person.uid)
        age = Age.from_months(month - birth)
        pension = pension_for(params, wage_index=index.value, contribution_months=held, balance=from_fen(balance_fen),
                              age=age, deemed_months=deemed)
    except (ParameterError, InvalidInput) as error:
        raise InvalidTransaction({"rules": str(error)}) from None
    p = pension.value
    trace = {"statutory_retirement": statutory.as_dict(), "contribution_years": years.as_dict(),
             "eligibility": eligibility.as_dict(), "wage_index": index.as_dict(), "pension": pension.as_dict(),
             "balance_fen": balance_fen}
    return {"person": person.uid, "region": region, "category": category, "start_month": str(month),
            "flexible": flexible, "age": str(age), "contribution_months": held,
            "minimum_months": eligibility.value.minimum_contribution_months, "wage_index": str(index.value),
            "balance_fen": balance_fen, "basic_fen": to_fen(p.basic_part), "account_fen": to_fen(p.account_part),
            "transitional_fen": to_fen(p.transitional_part), "total_fen": to_fen(p.total), "divisor": str(p.months_divisor),
            "rule_version": params.version, "trace": json.loads(json.dumps(jsonable(trace), ensure_ascii=False))}

"""Computing an award from the record with the rules engine (read-only; the transaction posts it)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db import connection

from sirecords.accounts.crediting import crediting_basis
from sirecords.accounts.years import actual_months, deemed_months_for
from sirecords.contributions.counted import counted
from sirecords.core.money import InvalidInput, from_fen, to_fen
from sirecords.core.periods import Age, Month
from sirecords.engine.crediting import credit_account_year
from sirecords.engine.params import RETIREMENT_CATEGORIES, ParameterError
from sirecords.engine.pension import average_wage_index, pension_for
from sirecords.engine.retirement import Retirement, Window, pension_eligibility, retirement_window, statutory_retirement
from sirecords.engine.trace import jsonable
from sirecords.engine.years import contribution_months
from sirecords.parameters.queries import params_in_ledger, pooling_region
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.transactions.validation import Errors, a_month

SEX_OF_CATEGORY = {"male": "M", "female55": "F", "female50": "F"}


def monthly_bases(person_uid: str) -> list[tuple[str, int]]:
    """(period, base_fen) of the person's paid pension months; a month paid twice counts once, at its highest base."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT period, MAX(base_fen) FROM contributions_contribution WHERE person_id = %s "  # nosec B608 # counted.py constant SQL; values bound
                       f"AND insurance_type = 'pension' AND {counted()} GROUP BY period ORDER BY period", [person_uid])
        return list(cursor.fetchall())


def latest_account_year(person_uid: str) -> tuple[int, int] | None:
    """(year, closing fen) of the person's latest credited account year (the latest run's row), None without one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT year, closing_fen FROM accounts_account_year WHERE person_id = %s "
                       "ORDER BY year DESC, run_seq DESC LIMIT 1", [person_uid])
        found = cursor.fetchone()
    return (found[0], found[1]) if found else None


# Where a paid credit is credited, by the region's [crediting] interest_from (engine.crediting.crediting_position):
# the column whose first 7 characters are its year and month.
POSITION_COLUMN = {"arrival": "paid_on", "period": "period"}


def monthly_credits_fen(person_uid: str, year: int, months: int, interest_from: str = "arrival") -> list[int]:
    """The account credits credited in months 1…`months` of `year` (paid pension rows, summed over employers): by
    arrival those paid in those months, by period those for those months."""
    column = POSITION_COLUMN[interest_from]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUBSTR({column}, 6, 2), SUM(account_credit_fen) FROM contributions_contribution "
                       f"WHERE person_id = %s AND insurance_type = 'pension' AND {counted()} "  # nosec B608 # column from POSITION_COLUMN
                       f"AND SUBSTR({column}, 1, 7) >= %s AND SUBSTR({column}, 1, 7) <= %s GROUP BY SUBSTR({column}, 6, 2)",
                       [person_uid, f"{year:04d}-01", f"{year:04d}-12"])
        by_month = {int(month): int(total) for month, total in cursor.fetchall()}
    return [by_month.get(month, 0) for month in range(1, months + 1)]


def account_part_year(person_uid: str, year: int, months: int, region: str, *, field: str,
                      event: str) -> tuple[int, dict[str, Any] | None, Any]:
    """The account balance after the first `months` months of `year`: the closing of `year` − 1 plus those
    months credited as a part year (months × r / 12, RULES-REFERENCE "Part years"), on the region's crediting
    basis (by arrival: the credits paid in those months). `field` and `event` word a refusal. Returns (balance
    fen, the part year's figures or None when months is 0, its trace or None)."""
    latest = latest_account_year(person_uid)
    if latest is not None and latest[0] >= year:
        raise InvalidTransaction({field: f"the account year {latest[0]} is already credited as a whole year; "
                                         f"{event} needs {year} credited as a part year"})
    params = params_in_ledger(region, year)
    column = POSITION_COLUMN[crediting_basis(params)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(SUBSTR({column}, 1, 7)) FROM contributions_contribution WHERE person_id = %s "  # nosec B608 # column from POSITION_COLUMN
                       f"AND insurance_type = 'pension' AND {counted()} AND SUBSTR({column}, 1, 7) > %s "
                       f"AND SUBSTR({column}, 1, 7) < %s", [person_uid, f"{latest[0] if latest else 0:04d}-12", f"{year:04d}-01"])
        uncredited = cursor.fetchone()[0]
    if uncredited or (latest is not None and latest[0] < year - 1):
        first = uncredited[:4] if uncredited else latest[0] + 1
        raise InvalidTransaction({field: f"the account is not credited up to {year - 1} (first year missing: "
                                         f"{first}); run sirecords credit for the missing years first"})
    opening = latest[1] if latest else 0
    if months == 0:
        return opening, None, None
    credits = monthly_credits_fen(person_uid, year, months, crediting_basis(params))
    credited = credit_account_year(params, from_fen(opening), [from_fen(c) for c in credits], months=months)
    c = credited.value
    figures = {"year": year, "months": months, "opening_fen": opening, "credits_fen": sum(credits),
               "interest_on_prior_fen": to_fen(c.interest_on_prior), "interest_on_credits_fen": to_fen(c.interest_on_credits),
               "closing_fen": to_fen(c.year_end), "rate": str(params.crediting_rate),
               "rate_status": params.crediting_rate_status, "rule_version": params.version}
    return figures["closing_fen"], figures, credited


def account_at_retirement(person_uid: str, start: Month, region: str) -> tuple[int, dict[str, Any] | None, Any]:
    """The balance the account part is computed from: the months of the first pension month's year before it
    credited as a part year on the prior closing (a pension starting in January: the prior closing)."""
    return account_part_year(person_uid, start.year, start.month - 1, region, field="retirement_month",
                             event=f"a retirement in {start}")


def pension_base(region: str, year: int) -> tuple[Decimal, int]:
    """The 计发基数 for a retirement in `year` and the year it is of: `year`'s when published, otherwise (the year's
    base comes out months into the year) the prior year's, provisionally: the award is recomputed once it is
    published (recompute_award, trigger pension_base)."""
    params = params_in_ledger(region, year)
    if params.get("year.pension_base", None) is not None:
        return params.pension_base, year
    return params_in_ledger(region, year - 1).pension_base, year - 1


def _check_payload(payload: dict[str, Any]) -> tuple[Person, str, Month, bool]:
    errors = Errors()
    person = Person.objects.filter(uid=payload.get("person") or "").first()
    if person is None:
        errors["person"] = "no registered person with this uid"
    category = payload.get("category")
    if category not in RETIREMENT_CATEGORIES:
        errors["category"] = f"must be one of {', '.join(RETIREMENT_CATEGORIES)}"
    elif person is not None and person.sex != SEX_OF_CATEGORY[category]:
        errors["category"] = f"{category} does not fit the person's registered sex ({person.sex})"
    month = a_month(payload, "retirement_month", errors)
    flexible = payload.get("flexible", False)
    if not isinstance(flexible, bool):
        errors["flexible"] = "must be true or false"
    errors.raise_if_any()
    return person, category, month, flexible


def counted_years(person_uid: str, first_pension_month: Month):
    """Contribution years counting the paid months before the first pension month (and the deemed months)."""
    months = [month for month in actual_months(person_uid) if month < str(first_pension_month)]
    return contribution_months([(month, month) for month in months], deemed_months=deemed_months_for(person_uid) or 0)


def check_retirement_month(plan: Retirement, month: Month, flexible: bool, window: Window) -> None:
    """The retirement month asked for against the person's window (engine.retirement.retirement_window)."""
    where = f"the statutory retirement month {plan.retirement_month} (age {plan.statutory_age})"
    if month == plan.retirement_month or (window.extension and month == window.earliest_month):
        return
    if not flexible:
        raise InvalidTransaction({"retirement_month": f"{month} is not {where}"
                                  + (f" nor the month the minimum contribution months are reached ({window.earliest_month})"
                                     if window.extension else "") + "; apply as flexible retirement for another month"})
    if not plan.has_flexible_window and not window.extension:
        raise InvalidTransaction({"retirement_month": f"{month}: born {plan.birth_month}, the original age was reached "
                                  f"before the 2025 reform, which gives no flexible window: retire in {where}"})
    if month < plan.flexible_earliest_month and not window.extension:
        raise InvalidTransaction({"retirement_month": f"{month} is before the earliest elastic early retirement month "
                                  f"{plan.flexible_earliest_month} (never below the original age, at most "
                                  f"{plan.retirement_month - plan.flexible_earliest_month} months before {where})"})
    if month < window.earliest_month:
        raise InvalidTransaction({"retirement_month": f"{month}: the minimum contribution months "
                                  f"({plan.minimum_contribution_months}) are reached for a retirement in "
                                  f"{window.minimum_met_month} only" + (" (contributions go on until then, 延长缴费)"
                                                                         if window.extension else "")})
    if month > window.latest_month:
        raise InvalidTransaction({"retirement_month": f"{month} is outside the flexible window {window.earliest_month} – "
                                  f"{window.latest_month} ({where})"})


def compute_award(payload: dict[str, Any]) -> dict[str, Any]:
    """The award's figures and traces, or InvalidTransaction saying why the person is not eligible.

    `retirement_month` is the month the person retires in; the pension starts in the first pension month (the
    month after by default). The months that count — contribution months, the wage index and the part year of
    the account — are the months before the first pension month."""
    person, category, month, flexible = _check_payload(payload)
    region = pooling_region()
    try:
        birth = person.birth_year_month
        # The retirement ages (and the 2025 reform's delays) are in the latest set; they apply to every birth month.
        rules = params_in_ledger(region)
        statutory = statutory_retirement(birth, category, rules)
        plan = statutory.value
        first = month + rules.first_pension_month_offset
        years = counted_years(person.uid, first)
        held = years.value.contribution_months
        window = retirement_window(plan, actual_months(person.uid), years.value.deemed_months, rules)
        # The minimum is the one of the year the statutory age is reached, whichever month the person retires in.
        eligibility = pension_eligibility(held, plan.retirement_month.year, rules)
        if month == plan.retirement_month and not eligibility.value.eligible:
            need = eligibility.value.minimum_contribution_months
            raise InvalidTransaction({"contribution_months": f"not eligible for a monthly pension: {held} contribution "
                                      f"months held, {need} needed for retirement in {plan.retirement_month.year} "
                                      f"(short by {need - held} months); contributions may go on (延长缴费) to a "
                                      f"retirement in {window.value.minimum_met_month}"})
        check_retirement_month(plan, month, flexible, window.value)
        if not eligibility.value.eligible:  # the window's projection counted months not paid yet
            raise InvalidTransaction({"contribution_months": f"{held} contribution months held by {month}, "
                                      f"{eligibility.value.minimum_contribution_months} needed"})
        params = params_in_ledger(region, month.year)
        bases = [(period, base) for period, base in monthly_bases(person.uid) if period < str(first)]
        averages: dict[int, Decimal] = {}
        entries = []
        for period, base_fen in bases:
            year = int(period[:4])
            if year not in averages:
                averages[year] = params_in_ledger(region, year).reference_average_wage
            entries.append((from_fen(base_fen), averages[year], 1))
        deemed = years.value.deemed_months
        index = average_wage_index(entries, deemed_months=deemed, version=params.version)
        balance_fen, part_year, part_trace = account_at_retirement(person.uid, first, region)
        age = Age.from_months(month - birth)
        base, base_year = pension_base(region, month.year)
        pension = pension_for(params, wage_index=index.value, contribution_months=held, balance=from_fen(balance_fen),
                              age=age, deemed_months=deemed, pension_base=base)
    except (ParameterError, InvalidInput) as error:
        raise InvalidTransaction({"rules": str(error)}) from None
    p = pension.value
    trace = {"statutory_retirement": statutory.as_dict(), "window": window.as_dict(), "contribution_years": years.as_dict(),
             "eligibility": eligibility.as_dict(), "wage_index": index.as_dict(), "pension": pension.as_dict(),
             "balance_fen": balance_fen, **({"account_part_year": part_trace.as_dict()} if part_trace else {})}
    return {"person": person.uid, "region": region, "category": category, "retirement_month": str(month),
            "start_month": str(first), "flexible": flexible, "extension": window.value.extension, "age": str(age),
            "contribution_months": held,
            "minimum_months": eligibility.value.minimum_contribution_months, "wage_index": str(index.value),
            "balance_fen": balance_fen, "account_year": part_year, "basic_fen": to_fen(p.basic_part), "account_fen": to_fen(p.account_part),
            "transitional_fen": to_fen(p.transitional_part), "total_fen": to_fen(p.total), "divisor": str(p.months_divisor),
            "pension_base": str(base), "pension_base_year": base_year, "pension_base_provisional": base_year != month.year,
            "rule_version": params.version, "trace": json.loads(json.dumps(jsonable(trace), ensure_ascii=False))}

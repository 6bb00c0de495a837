"""A person's pension estimate from their own record (issue 10, the portal's "pension estimate"), the growth rate
the person chooses read canonically, and the awarded pension instead for a retiree.

The figures are read from what the system recorded (records/personal.py says where each lives): contribution
months with deemed service (accounts/years.py), the latest crediting run's closing (accounts AccountYear), the paid
months' bases and account credits (contributions), the rule parameters loaded through the ledger
(parameters/queries.params_in_ledger: a computation uses only values the ledger holds). engine/estimate.py
computes; nothing is written.

This module does not log the read: the caller (the portal page or the API endpoint) reads the person's data
through sirecords.records.reads (or the portal's own access-logged gate) first, as for every other read.

`estimate_for` answers with ``status``:

* ``"estimate"`` — the estimate, its trace and the assumptions (engine/estimate.py);
* ``"awarded"`` — the person has a pension award: the awarded pension and its trace (records.personal.pension);
* ``"closed"`` — the account was closed (death): no estimate;
* ``"unavailable"`` — the record lacks what the estimate needs (no paid month, a parameter set not loaded):
  ``reason`` says what.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sirecords.accounts.years import actual_months, contribution_years
from sirecords.benefits.compute import SEX_OF_CATEGORY, latest_account_year, monthly_bases
from sirecords.contributions.counted import counted_rows
from sirecords.contributions.models import Contribution
from sirecords.core.money import InvalidInput, from_fen, parse_decimal
from sirecords.core.periods import Month
from sirecords.core.text import canonical
from sirecords.engine.estimate import GROWTH_MAX, GROWTH_MIN, EstimateFigures, as_jsonable, check_growth, estimate_pension
from sirecords.engine.params import RETIREMENT_CATEGORIES, ParameterError, ParamSet
from sirecords.parameters.queries import params_in_ledger, pooling_region
from sirecords.records import personal
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction

__all__ = ["DEFAULT_GROWTH", "categories_for", "estimate_for", "parse_growth"]

DEFAULT_GROWTH = Decimal("0.03")
# How many years back to look for the latest published pension base and crediting rate.
LOOK_BACK_YEARS = 10


def parse_growth(text: str | None) -> Decimal:
    """The wage growth rate the person typed, as a Decimal fraction.

    Both a fraction and a percentage are accepted: "0.03" and "3%" (also "3 %", full-width "３％", "-1.5%") are the
    same rate 0.03 / 0.03 / … — the text is made canonical first (core/text.py: NFKC, trimmed) and only ASCII digits
    are read. A bare number is a fraction, so "3" is 300 % and refused as out of range, with the hint to write 0.03 or
    3%. The range is GROWTH_MIN to GROWTH_MAX (−5 % to 15 % a year). Any problem raises InvalidTransaction naming the
    field ``growth`` (the API answers 422 with it).
    """
    if text is None or not isinstance(text, str) or not canonical(text):
        raise InvalidTransaction({"growth": _("is required: a yearly wage growth rate such as 0.03 or 3%")})
    written = canonical(text)
    percent = written.endswith("%")
    number = written[:-1].strip() if percent else written
    try:
        value = parse_decimal(number, "growth")
    except InvalidInput:
        raise InvalidTransaction({"growth": _("must be a yearly rate written with the digits 0-9, such as 0.03 or 3%")}) from None
    if percent:
        value = value / 100
    try:
        return check_growth(value)
    except InvalidInput:
        raise InvalidTransaction({"growth": _("must be from {low} to {high} (−5% to 15% a year); write 0.03 or 3% for 3%")
                                  .format(low=GROWTH_MIN, high=GROWTH_MAX)}) from None


def categories_for(person: Person) -> tuple[str, ...]:
    """The retirement categories that fit the person's registered sex (a woman's post type decides 50 or 55)."""
    return tuple(category for category in RETIREMENT_CATEGORIES if SEX_OF_CATEGORY[category] == person.sex)


def _default_category(person: Person) -> str:
    # Men: male. Women: worker-type posts (female50) unless they choose female55 — the earlier age and the lower
    # pension, so the default never promises more than the record supports; the page offers the other one.
    return "male" if person.sex == "M" else "female50"


class _Published:
    """The pension bases and crediting rates the loaded parameter sets publish, by year (the newest LOOK_BACK_YEARS)."""

    def __init__(self, region: str, latest: ParamSet) -> None:
        self.bases: dict[int, Decimal] = {}
        self.rates: dict[int, tuple[Decimal, str]] = {}
        for year in range(latest.year, latest.year - LOOK_BACK_YEARS, -1):
            try:
                params = latest if year == latest.year else params_in_ledger(region, year)
            except ParameterError:  # not loaded (or no file): that year publishes nothing here
                continue
            if params.get("year.pension_base", None) is not None:
                self.bases[year] = params.pension_base
            if params.get("year.crediting_rate", None) is not None:
                self.rates[year] = (params.crediting_rate, params.get("year.crediting_rate_status", "official"))
        if not self.bases or not self.rates:
            missing = "year.pension_base" if not self.bases else "year.crediting_rate"
            raise ParameterError(None, missing, f"no loaded parameter set of {region} from "
                                                f"{latest.year - LOOK_BACK_YEARS + 1} to {latest.year} gives it")

    def latest_base(self) -> tuple[int, Decimal]:
        year = max(self.bases)
        return year, self.bases[year]

    def latest_rate(self) -> tuple[Decimal, str]:
        """The newest official rate; a provisional one only when no official one is loaded."""
        official = [year for year, (_, status) in self.rates.items() if status == "official"]
        return self.rates[max(official or self.rates)]


def _uncredited_credits(person_uid: str, balance_year: int | None) -> dict[Month, Decimal]:
    rows = (counted_rows(Contribution.objects.filter(person_id=person_uid, insurance_type="pension"))
            .filter(period__gt=f"{balance_year or 0:04d}-12")
            .values("period").annotate(total=Sum("account_credit_fen")).order_by("period"))
    return {Month.parse(row["period"]): from_fen(int(row["total"])) for row in rows}


def _account_category(person_uid: str) -> str:
    """employee or flexible: the category of the person's latest pension contribution (its account share)."""
    latest = (counted_rows(Contribution.objects.filter(person_id=person_uid, insurance_type="pension"))
              .order_by("-period").values_list("category", flat=True).first())
    return latest or "employee"


def _figures(person: Person, category: str, today: date, region: str, params: ParamSet) -> EstimateFigures:
    years = contribution_years(person.uid).value
    bases = monthly_bases(person.uid)
    if not bases:
        raise _Unavailable(_("no paid contribution month yet: the estimate needs a contribution base"))
    averages: dict[int, Decimal] = {}
    history: dict[tuple[int, int], int] = {}  # (base fen, year) → months: one index entry per base and year
    for period, base_fen in bases:
        year = int(period[:4])
        if year not in averages:
            averages[year] = params_in_ledger(region, year).reference_average_wage
        history[base_fen, year] = history.get((base_fen, year), 0) + 1
    last_period, last_base = bases[-1]
    base_year = int(last_period[:4])
    closing = latest_account_year(person.uid)
    balance_year = closing[0] if closing else None
    published = _Published(region, params)
    pension_base_year, pension_base = published.latest_base()
    rate, rate_status = published.latest_rate()
    paid = actual_months(person.uid)
    return EstimateFigures(
        birth_month=person.birth_year_month, category=category, as_of=Month(today.year, today.month),
        contribution_months=years.contribution_months, deemed_months=years.deemed_months,
        last_paid_month=Month.parse(paid[-1]) if paid else None,
        balance=from_fen(closing[1]) if closing else Decimal("0.00"), balance_year=balance_year,
        current_base=from_fen(last_base), base_year=base_year, current_average_wage=averages[base_year],
        pension_base=pension_base, pension_base_year=pension_base_year, crediting_rate=rate,
        crediting_rate_status=rate_status, published_pension_bases=published.bases,
        published_crediting_rates={year: value for year, (value, _) in published.rates.items()},
        account_rate=params.rates("pension", _account_category(person.uid)).account,
        uncredited_credits=_uncredited_credits(person.uid, balance_year),
        wage_history=tuple((from_fen(base_fen), averages[year], months)
                           for (base_fen, year), months in sorted(history.items(), key=lambda item: item[0][::-1])),
    )


class _Unavailable(Exception):
    pass


def estimate_for(person: Person, growth: Decimal, *, category: str | None = None, today: date | None = None) -> dict[str, Any]:
    """The person's pension estimate at the yearly wage growth `growth` (a Decimal fraction: parse_growth's result),
    as plain JSON (money as yuan strings with two decimals); for a retiree the awarded pension instead.

    `category` (male, female55, female50) must fit the person's sex; None takes men as male and women as female50.
    `today` (default: today, UTC) is the estimate's month. Reads only; the caller logs the read (module docstring).
    Raises InvalidTransaction naming ``growth`` or ``category`` for a bad argument.
    """
    try:
        growth = check_growth(growth)
    except InvalidInput:
        raise InvalidTransaction({"growth": _("must be from {low} to {high} (−5% to 15% a year); write 0.03 or 3% for 3%")
                                  .format(low=GROWTH_MIN, high=GROWTH_MAX)}) from None
    choices = categories_for(person)
    if category is None:
        category = _default_category(person)
    elif category not in choices:
        raise InvalidTransaction({"category": _("must be one of {choices} for this person").format(choices=", ".join(choices))})
    answer: dict[str, Any] = {"status": "estimate", "growth": str(growth), "category": category, "categories": list(choices),
                              "estimate": None, "trace": None, "trace_lines": [], "pension": None, "reason": "",
                              "rule_version": "", "demo_parameters": False}
    awarded = personal.pension(person)
    if awarded is not None:
        return {**answer, "status": "awarded", "pension": awarded}
    if personal.account_closure(person) is not None:
        return {**answer, "status": "closed", "reason": _("the account is closed: there is no pension to estimate")}
    region = pooling_region()
    today = today or timezone.now().date()
    try:
        params = params_in_ledger(region)
        figures = _figures(person, category, today, region, params)
        result = estimate_pension(figures, growth, params)
    except _Unavailable as unavailable:
        return {**answer, "status": "unavailable", "reason": str(unavailable)}
    except (ParameterError, InvalidInput) as error:
        return {**answer, "status": "unavailable", "reason": _("the estimate cannot be made: {why}").format(why=error)}
    plain = as_jsonable(result)
    trace, lines = plain.pop("trace"), plain.pop("trace_lines")
    return {**answer, "estimate": plain, "trace": trace, "trace_lines": lines, "rule_version": params.version,
            "demo_parameters": params.demo}

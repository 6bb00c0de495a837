"""A person's pension estimate from the record (records/estimate.py): figures read from the projections and the
loaded parameters, the awarded pension for a retiree, the growth rate read canonically with errors naming `growth`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from sirecords.benefits.models import Award
from sirecords.core.money import fen_to_yuan
from sirecords.records.estimate import DEFAULT_GROWTH, categories_for, estimate_for, parse_growth
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction

from ..benefits.conftest import person_with_months  # noqa: F401  (the fixture: paid months and a credited 2023)
from ..conftest import module_params

_parameters = module_params(range(2000, 2027))
YUAN = re.compile(r"-?[0-9]+\.[0-9]{2}\Z")
RETIRE = {"category": "male", "retirement_month": "2024-06", "flexible": False}


def test_the_estimate_in_the_retirement_month_is_the_award(person_with_months, post_fresh):  # noqa: F811
    """At growth 0 in the statutory month, every figure is a recorded or published one: the estimate is the award.
    The retirement month 2024-06 is paid: it counts, the pension starts in 2024-07."""
    uid = person_with_months(201, last="2024-06")
    person = Person.objects.get(uid=uid)
    answer = estimate_for(person, D("0"), today=date(2024, 6, 1))
    assert answer["status"] == "estimate" and answer["category"] == "male" and answer["categories"] == ["male"]
    estimate = answer["estimate"]
    assert estimate["retirement_month"] == "2024-06" and estimate["pension_month"] == "2024-07"  # the month after (次月)
    assert estimate["months_at_pension"] == 201 and estimate["minimum_reached_at_retirement"] is True
    assert estimate["pension_base"] == "10123.00"  # published for 2024: used as is, not grown
    assert [y["year"] for y in estimate["account_years"]] == [2024] and estimate["account_years"][0]["projected_months"] == 0
    post_fresh("approve_retirement", {"person": uid, **RETIRE})
    award = Award.objects.get(person_id=uid)
    assert estimate["pension"]["total"] == fen_to_yuan(award.total_fen)
    assert estimate["pension"]["basic_part"] == fen_to_yuan(award.basic_fen)
    assert estimate["pension"]["account_part"] == fen_to_yuan(award.account_fen)
    after = estimate_for(person, D("0.03"), today=date(2024, 7, 1))
    assert after["status"] == "awarded" and after["estimate"] is None
    assert after["pension"]["awarded"] == fen_to_yuan(award.total_fen) and after["pension"]["trace_lines"]


def test_a_younger_persons_estimate_projects_and_states_the_shortfall(person_with_months):  # noqa: F811
    uid = person_with_months(60, birth=date(1975, 3, 1), last="2024-05")
    person = Person.objects.get(uid=uid)
    answer = estimate_for(person, D("0.03"), today=date(2024, 6, 1))
    e = answer["estimate"]
    # Born 1975-03: the original age 60 in 2035-03, n = 123, delay ⌈123 / 4⌉ = 31 → 62y7m, retirement 2037-10.
    assert e["retirement_month"] == "2037-10" and e["statutory_age"] == "62y7m" and e["minimum_months"] == 228
    # The months through the retirement month count (the pension starts the month after): 2024-06 … 2037-10 = 161.
    assert e["missing_months_now"] == 168 and e["months_to_retirement"] == 161 and e["months_at_retirement"] == 221
    # 7 short: contributing on, retirement in 2037-10 + 7 = 2038-05, the pension from 2038-06
    assert e["minimum_reached_at_retirement"] is False and e["shortfall_at_retirement"] == 7
    assert e["pension_month"] == "2038-06" and e["months_at_pension"] == 228
    for money in (e["balance_at_pension"], e["pension_base"], *e["pension"].values(), *[y["closing"] for y in e["account_years"]]):
        if money != e["pension"]["months_divisor"]:
            assert YUAN.match(money), money
    assert answer["trace"]["steps"][0]["name"] == "assumptions" and any("2038-06" in line for line in answer["trace_lines"])
    assert answer["rule_version"].startswith("440300/") and answer["demo_parameters"] is True
    higher = estimate_for(person, D("0.06"), today=date(2024, 6, 1))["estimate"]
    assert D(higher["pension"]["total"]) > D(e["pension"]["total"])


def test_a_woman_takes_female50_unless_she_chooses_female55(person_with_months):  # noqa: F811
    uid = person_with_months(200, birth=date(1975, 3, 1), male=False)
    person = Person.objects.get(uid=uid)
    assert categories_for(person) == ("female55", "female50")
    worker = estimate_for(person, DEFAULT_GROWTH, today=date(2024, 6, 1))
    cadre = estimate_for(person, DEFAULT_GROWTH, category="female55", today=date(2024, 6, 1))
    assert worker["category"] == "female50" and cadre["category"] == "female55"
    assert worker["estimate"]["retirement_month"] < cadre["estimate"]["retirement_month"]
    with pytest.raises(InvalidTransaction) as refused:
        estimate_for(person, DEFAULT_GROWTH, category="male")
    assert set(refused.value.errors) == {"category"}


def test_no_paid_month_no_estimate(person_with_months):  # noqa: F811
    person = Person.objects.get(uid=person_with_months(0, balance_fen=0))
    answer = estimate_for(person, DEFAULT_GROWTH, today=date(2024, 6, 1))
    assert answer["status"] == "unavailable" and "contribution base" in answer["reason"] and answer["estimate"] is None


def test_a_growth_outside_the_range_is_refused_naming_growth(person_with_months):  # noqa: F811
    person = Person.objects.get(uid=person_with_months(200))
    with pytest.raises(InvalidTransaction) as refused:
        estimate_for(person, D("0.2"))
    assert set(refused.value.errors) == {"growth"}


@pytest.mark.parametrize(("text", "rate"), [("0.03", "0.03"), ("3%", "0.03"), (" 3 % ", "0.03"), ("３％", "0.03"),
                                            ("0.035", "0.035"), ("-1.5%", "-0.015"), ("15%", "0.15"), ("-0.05", "-0.05"),
                                            ("0", "0")])
def test_parse_growth_reads_a_fraction_or_a_percentage(text, rate):
    assert parse_growth(text) == D(rate)


@pytest.mark.parametrize(("text", "why"), [("3", "from"), ("16%", "from"), ("-6%", "from"), ("abc", "digits"),
                                           ("٣%", "digits"), ("0.03%%", "digits"), ("1e-2", "digits"), ("NaN", "digits"),
                                           ("", "required"), (None, "required")])
def test_parse_growth_refuses_naming_the_field(text, why):
    with pytest.raises(InvalidTransaction) as refused:
        parse_growth(text)
    assert list(refused.value.errors) == ["growth"] and why in refused.value.errors["growth"]


def test_a_closed_account_has_no_estimate(person_with_months, post_fresh):  # noqa: F811
    uid = person_with_months(120, birth=date(1975, 3, 1), last="2024-05", balance_fen=5_000_000)
    post_fresh("record_death", {"person": uid, "date": "2024-03-20"})
    answer = estimate_for(Person.objects.get(uid=uid), DEFAULT_GROWTH, today=date(2024, 6, 1))
    assert answer["status"] == "closed" and answer["estimate"] is None and answer["reason"]


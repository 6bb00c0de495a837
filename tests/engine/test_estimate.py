"""The pension estimate (engine/estimate.py): a hand-computed case, the shortfall, the growth range, monotonicity."""

import dataclasses
import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.estimate import GROWTH_MAX, GROWTH_MIN, EstimateFigures, as_jsonable, check_growth, estimate_pension
from sirecords.engine.params import load_params

PARAMS = load_params("national", 2025)  # the reform's rules, the minimum schedule, 计发月数; no transitional part

# A man born 1966-06: original age reached 2026-06, n = 18, delay ⌈18 / 4⌉ = 5 → 60y5m, retirement 2026-11.
BASE = EstimateFigures(
    birth_month=Month(1966, 6), category="male", as_of=Month(2026, 1), contribution_months=200, deemed_months=0,
    last_paid_month=Month(2025, 12), balance=D("100000.00"), balance_year=2025, current_base=D("10000.00"), base_year=2025,
    current_average_wage=D("10000.00"), pension_base=D("10000.00"), pension_base_year=2025, crediting_rate=D("0.0262"),
    account_rate=D("0.08"), wage_history=((D("10000.00"), D("10000.00"), 200),),
)


def test_hand_computed_case():
    result = estimate_pension(BASE, D("0.03"), PARAMS)
    e = result.value
    assert str(e.retirement.retirement_month) == "2026-11" and str(e.retirement.statutory_age) == "60y5m"
    # the pension starts the month after (次月), 2026-12: the months 2026-01 … 2026-11 count (11 of them)
    assert (e.minimum_months, e.missing_months_now, e.months_to_retirement, e.months_at_retirement) == (180, 0, 11, 211)
    assert e.minimum_reached_at_retirement and e.shortfall_at_retirement == 0 and str(e.pension_month) == "2026-12"
    # 2026, a part year of 11 months: base 10000 × 1.03 = 10300.00, credit × 8 % = 824.00 a month;
    # interest on the prior 100000 × 11 × 0.0262 / 12 = 2401.67; on the credits 0.0262 / 12 × 824 × 66 = 118.74.
    (year,) = e.account_years
    assert (year.year, year.months, year.credits, year.interest, year.closing) == (
        2026, 11, D("9064.00"), D("2520.41"), D("111584.41"))
    assert e.balance_at_pension == D("111584.41")
    assert e.wage_index == D("1.0000") and e.pension_base == D("10300.00")
    # basic 10300 × 2 × 211 / 2400 = 1811.08; divisor 139 − 7 × 5 / 12 = 136.1; account 111584.41 / 136.1 = 819.87
    assert e.pension.basic_part == D("1811.08") and e.pension.months_divisor == D("136.1")
    assert e.pension.account_part == D("819.87") and e.pension.total == D("2630.95")
    d = e.as_dict()
    assert d["pension"]["total"] == "2630.95" and d["balance_at_pension"] == "111584.41"
    assert d["account_years"][0]["interest"] == "2520.41" and d["growth"] == "0.03"
    json.dumps(as_jsonable(result))  # plain JSON


def test_the_trace_states_assumptions_and_each_step():
    trace = estimate_pension(BASE, D("0.03"), PARAMS).trace
    names = [step.name for step in trace.steps]
    assert names[0] == "assumptions" and "not a decision" in trace.steps[0].en and "估算" in trace.steps[0].zh
    for name in ("retirement.retirement_month", "retirement.minimum.minimum", "months_at_retirement", "pension_month",
                 "account.2026", "wage_index.wage_index", "pension_base", "pension.basic.basic_part",
                 "pension.account.account_part", "pension.total"):
        assert name in names
    assert trace.version == PARAMS.version
    assert all(step.zh and step.en and step.formula is not None for step in trace.steps)


def test_shortfall_contributing_on_past_the_age():
    short = dataclasses.replace(BASE, contribution_months=160, wage_history=((D("10000.00"), D("10000.00"), 160),))
    e = estimate_pension(short, D("0.03"), PARAMS).value
    # 160 + 11 months through the retirement month 2026-11 = 171: 9 short → retire 2027-08, the pension from 2027-09
    assert e.missing_months_now == 20 and e.months_at_retirement == 171
    assert not e.minimum_reached_at_retirement and e.shortfall_at_retirement == 9
    assert str(e.pension_month) == "2027-09" and e.months_at_pension == 180 and str(e.age_at_pension) == "61y2m"
    # 2026 is a whole year now (12 months, 12 assumed); 2027 a part year of 8 months at 10300 × 1.03² / … base
    assert [(y.year, y.months, y.projected_months) for y in e.account_years] == [(2026, 12, 12), (2027, 8, 8)]
    assert e.pension.basic_part == D("10609.00") * 2 * 180 / 2400  # C = 10000 × 1.03² = 10609.00


def test_beyond_the_divisor_table_no_pension():
    old = dataclasses.replace(BASE, birth_month=Month(1960, 1), as_of=Month(2026, 1), contribution_months=12,
                              wage_history=((D("10000.00"), D("10000.00"), 12),))
    e = estimate_pension(old, D("0.03"), PARAMS).value
    assert e.pension is None and e.pension_month is None and "divisor" in e.note
    assert e.as_dict()["pension"] is None


def test_past_the_age_without_award_starts_from_now():
    late = dataclasses.replace(BASE, birth_month=Month(1964, 1))  # retirement month 2024-01, before the estimate
    e = estimate_pension(late, D("0"), PARAMS).value
    assert str(e.retirement.retirement_month) == "2024-01" and e.months_to_retirement == 0
    assert str(e.pension_month) == "2026-01" and e.account_years == ()  # a January start: the prior closing
    assert e.balance_at_pension == D("100000.00")


def test_paid_uncredited_months_are_used_as_paid():
    paid = dataclasses.replace(BASE, as_of=Month(2026, 4), last_paid_month=Month(2026, 3),
                               uncredited_credits={Month(2026, m): D("500.00") for m in (1, 2, 3)})
    e = estimate_pension(paid, D("0"), PARAMS).value
    (year,) = e.account_years
    assert year.credits == D("500.00") * 3 + D("800.00") * 8 and year.projected_months == 8  # 2026-04 … 11 assumed


@pytest.mark.parametrize("bad", ["-0.06", "0.16", "1", "abc", "３%", 0.03])
def test_growth_outside_the_range_or_not_a_number_is_refused(bad):
    with pytest.raises(InvalidInput, match="growth"):
        estimate_pension(BASE, bad, PARAMS)


def test_growth_bounds_are_inclusive():
    assert check_growth(GROWTH_MIN) == D("-0.05") and check_growth("0.15") == GROWTH_MAX
    assert estimate_pension(BASE, GROWTH_MIN, PARAMS).value.pension is not None


def test_bad_figures_are_refused():
    with pytest.raises(InvalidInput, match="category"):
        estimate_pension(dataclasses.replace(BASE, category="female60"), D("0.03"), PARAMS)
    with pytest.raises(InvalidInput, match="deemed"):
        estimate_pension(dataclasses.replace(BASE, deemed_months=300), D("0.03"), PARAMS)
    with pytest.raises(InvalidInput, match="as_of"):
        estimate_pension(dataclasses.replace(BASE, as_of="2026-01"), D("0.03"), PARAMS)
    with pytest.raises(InvalidInput, match="keyed by Month"):
        estimate_pension(dataclasses.replace(BASE, uncredited_credits={"2026-01": D("1.00")}), D("0.03"), PARAMS)
    with pytest.raises(InvalidInput, match="credited year"):
        estimate_pension(dataclasses.replace(BASE, uncredited_credits={Month(2025, 1): D("1.00")}), D("0.03"), PARAMS)
    with pytest.raises(InvalidInput, match="birth month 2026-02 is after the estimate's month 2026-01"):
        estimate_pension(dataclasses.replace(BASE, birth_month=Month(2026, 2)), D("0.03"), PARAMS)


growths = st.decimals(min_value=GROWTH_MIN, max_value=GROWTH_MAX, places=4)
births = st.builds(Month, st.integers(1966, 1990), st.integers(1, 12))
categories = st.sampled_from(["male", "female55", "female50"])


def _figures(birth, category, months, deemed=0):
    return dataclasses.replace(BASE, birth_month=birth, category=category, contribution_months=months, deemed_months=deemed,
                               wage_history=((D("8000.00"), D("10000.00"), months - deemed),) if months > deemed else ())


@settings(max_examples=60, deadline=None)
@given(births, categories, st.integers(0, 400), growths, growths)
def test_more_growth_never_less_pension(birth, category, months, g1, g2):
    low, high = sorted((g1, g2))
    a = estimate_pension(_figures(birth, category, months), low, PARAMS).value
    b = estimate_pension(_figures(birth, category, months), high, PARAMS).value
    assert a.pension_month == b.pension_month
    if a.pension is not None:
        assert b.pension.total >= a.pension.total
        assert b.balance_at_pension >= a.balance_at_pension and b.pension_base >= a.pension_base


@settings(max_examples=60, deadline=None)
@given(births, categories, st.integers(240, 400), st.integers(0, 40), growths)
def test_more_months_never_less_pension(birth, category, months, more, growth):
    """With the minimum met at the age (the pension starts in the statutory month either way), more months so far
    never give less; short of the minimum, more months so far start the pension no later."""
    a = estimate_pension(_figures(birth, category, months), growth, PARAMS).value
    b = estimate_pension(_figures(birth, category, months + more), growth, PARAMS).value
    assert b.pension.total >= a.pension.total and b.months_at_pension >= a.months_at_pension


@settings(max_examples=60, deadline=None)
@given(births, categories, st.integers(0, 239), st.integers(0, 40), growths)
def test_more_months_start_the_pension_no_later(birth, category, months, more, growth):
    a = estimate_pension(_figures(birth, category, months), growth, PARAMS).value
    b = estimate_pension(_figures(birth, category, months + more), growth, PARAMS).value
    assert b.shortfall_at_retirement <= a.shortfall_at_retirement
    if a.pension_month is not None:
        assert b.pension_month is not None and b.pension_month <= a.pension_month


def test_published_values_of_a_year_are_used_as_published():
    published = dataclasses.replace(BASE, published_pension_bases={2026: D("12000.00")},
                                    published_crediting_rates={2026: D("0.05")})
    e = estimate_pension(published, D("0.03"), PARAMS).value
    assert e.pension_base == D("12000.00")  # not 10000 × 1.03
    # interest on the prior at 5 %: 100000 × 11 × 0.05 / 12 = 4583.33; on the credits 0.05 / 12 × 824 × 66 = 226.60
    assert e.account_years[0].interest == D("4583.33") + D("226.60")

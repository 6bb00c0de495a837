"""Contribution base (clamped to 60%–300%), amounts per party, the monthly account credit."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirecords.core.canonical import canonical_json
from sirecords.core.money import InvalidInput
from sirecords.engine.contributions import base_limits, contribution, contribution_amounts, contribution_base
from sirecords.engine.params import ParameterError, load_params

NATIONAL = load_params("national", 2025)


def _base(wage, average="10000.00"):
    return contribution_base(wage, average, floor_ratio="0.60", ceiling_ratio="3.00").value


def test_floor_ceiling_and_inside():
    # floor = 10000 × 0.60 = 6000.00; ceiling = 10000 × 3.00 = 30000.00
    low, high, inside = _base("4500.00"), _base("35000.00"), _base("8888.88")
    assert (low.contribution_base, low.clamped) == (D("6000.00"), "floor")
    assert (high.contribution_base, high.clamped) == (D("30000.00"), "ceiling")
    assert (inside.contribution_base, inside.clamped) == (D("8888.88"), None)
    assert _base("6000.00").clamped is None and _base("30000.00").clamped is None  # the limits themselves are inside


def test_limits_are_rounded_to_the_fen():
    # 10123.00 × 0.60 = 6073.80; × 3.00 = 30369.00; 3333.33 × 0.60 = 1999.998 → 2000.00
    assert base_limits("10123.00", floor_ratio="0.60", ceiling_ratio="3.00").value.floor == D("6073.80")
    assert base_limits("3333.33", floor_ratio="0.60", ceiling_ratio="3.00").value.floor == D("2000.00")


def test_pension_amounts_at_floor_ceiling_inside():
    # at the ceiling: 30000.00 × 16% = 4800.00 employer, × 8% = 2400.00 individual, all 8% to the account
    top = contribution(NATIONAL, "35000.00", reference_average_wage="10000.00").value
    assert (top.employer_amount, top.individual_amount, top.account_credit) == (D("4800.00"), D("2400.00"), D("2400.00"))
    # at the floor: 6000.00 × 16% = 960.00; × 8% = 480.00
    bottom = contribution(NATIONAL, "1000.00", reference_average_wage="10000.00").value
    assert (bottom.employer_amount, bottom.individual_amount) == (D("960.00"), D("480.00"))
    # inside: 8888.88 × 0.16 = 1422.2208 → 1422.22; × 0.08 = 711.1104 → 711.11
    inside = contribution(NATIONAL, "8888.88", reference_average_wage="10000.00").value
    assert (inside.employer_amount, inside.individual_amount, inside.total) == (D("1422.22"), D("711.11"), D("2133.33"))


def test_region_year_amounts():
    # demo 440300/2024: average 10123.00 → floor 6073.80; 6073.80 × 0.16 = 971.808 → 971.81; × 0.08 = 485.904 → 485.90
    c = contribution(load_params("440300", 2024), "5000.00").value
    assert (c.contribution_base, c.employer_amount, c.individual_amount) == (D("6073.80"), D("971.81"), D("485.90"))


def test_half_fen_rounds_up():
    # 5000.25 × 0.02 = 100.005 exactly → 100.01 (half-even would give 100.00)
    a = contribution_amounts("5000.25", employer_rate="0.05", individual_rate="0.02").value
    assert a.individual_amount == D("100.01")
    # 5000.25 × 0.05 = 250.0125 → 250.01
    assert a.employer_amount == D("250.01")
    medical = contribution(load_params("440300", 2024), "7000.25", insurance_type="medical").value
    assert medical.individual_amount == D("140.01")  # 7000.25 × 0.02 = 140.005 → 140.01
    assert medical.account_credit == D("0.00")


def test_account_credit_11_percent_before_2006():
    # 2005: 5000.00 × 11% = 550.00 credited; 2006: 5000.00 × 8% = 400.00
    assert contribution(load_params("national", 2005), "5000.00", reference_average_wage="5000.00").value.account_credit == D("550.00")
    assert contribution(load_params("national", 2006), "5000.00", reference_average_wage="5000.00").value.account_credit == D("400.00")


def test_flexible_worker_pays_20_percent_of_which_8_to_the_account():
    # chosen base 5000.00 (within 3000–15000): 20% = 1000.00 paid, 8% = 400.00 to the account, no employer share
    c = contribution(NATIONAL, "5000.00", category="flexible", reference_average_wage="5000.00").value
    assert (c.employer_amount, c.individual_amount, c.account_credit) == (D("0.00"), D("1000.00"), D("400.00"))


def test_2019_rate_change_by_month():
    # 2019-04: employer 20% of 5000.00 = 1000.00; 2019-05: 16% = 800.00
    assert contribution(load_params("national", 2019, 4), "5000.00", reference_average_wage="5000.00").value.employer_amount == D("1000.00")
    assert contribution(load_params("national", 2019, 5), "5000.00", reference_average_wage="5000.00").value.employer_amount == D("800.00")


def test_trace_records_version_inputs_and_steps():
    result = contribution(NATIONAL, "35000.00", reference_average_wage="10000.00")
    trace = result.trace.as_dict()
    canonical_json(result.as_dict())  # plain JSON, no floats
    assert trace["version"] == NATIONAL.version
    assert trace["inputs"]["wage"] == "35000.00" and trace["inputs"]["employer_rate"] == "0.16"
    names = [step["name"] for step in trace["steps"]]
    assert names == ["base.limits.floor", "base.limits.ceiling", "base.base", "amounts.employer_amount",
                     "amounts.individual_amount", "amounts.account_credit"]
    assert trace["steps"][2]["formula"] == "35000.00 > 30000.00 → 30000.00"
    assert "缴费" in trace["steps"][3]["zh"] and "employer" in trace["steps"][3]["en"]


@pytest.mark.parametrize("wage", ["-1.00", "abc", "1.001", 1.5])
def test_invalid_wage(wage):
    with pytest.raises(InvalidInput):
        contribution(NATIONAL, wage, reference_average_wage="10000.00")


def test_unknown_insurance_type_or_category():
    with pytest.raises(ParameterError, match="unknown insurance type"):
        contribution(NATIONAL, "5000.00", insurance_type="pensions", reference_average_wage="10000.00")
    with pytest.raises(ParameterError, match="unknown category"):
        contribution(NATIONAL, "5000.00", category="retired", reference_average_wage="10000.00")
    with pytest.raises(ParameterError, match="rates.employee.medical"):
        contribution(NATIONAL, "5000.00", insurance_type="medical", reference_average_wage="10000.00")  # regional only


fen = st.integers(min_value=0, max_value=10**9).map(lambda n: D(n) / 100)


@given(wage=fen, average=st.integers(min_value=1, max_value=10**8).map(lambda n: D(n) / 100))
def test_base_always_within_floor_and_ceiling(wage, average):
    b = contribution_base(wage, average, floor_ratio="0.60", ceiling_ratio="3.00").value
    assert b.floor <= b.contribution_base <= b.ceiling
    assert b.contribution_base == (wage if b.clamped is None else b.floor if b.clamped == "floor" else b.ceiling)


@given(base=fen)
def test_amounts_within_half_a_fen(base):
    a = contribution_amounts(base, employer_rate="0.16", individual_rate="0.08", account_rate="0.08").value
    assert abs(a.employer_amount - base * D("0.16")) <= D("0.005")
    assert a.individual_amount == a.account_credit

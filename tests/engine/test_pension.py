"""Basic pension: basic part, account part (计发月数 interpolated), transitional part, yearly adjustment."""

from decimal import Decimal as D

import pytest

from sirecords.core.money import InvalidInput
from sirecords.engine.params import load_params, read_data_dir
from sirecords.engine.pension import (
    account_part,
    adjust_for,
    adjust_pension,
    average_wage_index,
    basic_part,
    basic_pension,
    months_divisor,
    pension_for,
    transitional_part,
)

TABLE = load_params("national", 2025).months_divisor_table


@pytest.mark.parametrize(
    ("age", "divisor"),
    [
        ("60", "139.0"),
        ("60y1m", "138.4"),  # 139 + (132 − 139) × 1/12 = 138.4167 → 138.4
        ("60y6m", "135.5"),  # 139 − 7 × 6/12 = 135.5
        ("55y6m", "167.0"),  # 170 + (164 − 170) × 6/12 = 167
        ("63y5m", "113.7"),  # 117 + (109 − 117) × 5/12 = 113.667 → 113.7
        ("62y11m", "117.7"),  # 125 − 8 × 11/12 = 117.667 → 117.7
        ("47", "208.0"),
        ("46y6m", "210.0"),  # 212 − 4 × 6/12 = 210
        (50, "195.0"),
        ("70", "56.0"),
    ],
)
def test_months_divisor(age, divisor):
    assert str(months_divisor(age, TABLE).value) == divisor


def test_age_47_is_a_data_value_a_region_can_correct():
    files = dict(read_data_dir())
    files["440300/2025.toml"] += '\n[months_divisor]\n"47" = 207\n'
    assert months_divisor("47", load_params("440300", 2025, files=files).months_divisor_table).value == D(207)
    assert months_divisor("46y6m", load_params("440300", 2025, files=files).months_divisor_table).value == D("209.5")


@pytest.mark.parametrize("age", ["70y1m", "39", "39y11m", "71"])
def test_ages_outside_the_table(age):
    with pytest.raises(InvalidInput, match="no months divisor"):
        months_divisor(age, TABLE)


def test_worked_pension():
    # basic: 10000 × (1 + 1.2) / 2 × 25 × 1% = 2750.00 (300 months = 25 years)
    # account: 150000.00 ÷ 138.4 (60y1m) = 1083.8150… → 1083.82; total 3833.82
    p = basic_pension(pension_base="10000.00", wage_index="1.2", contribution_months=300, balance="150000.00", age="60y1m",
                      divisor_table=TABLE).value
    assert (p.basic_part, p.account_part, p.transitional_part, p.total, p.months_divisor) == (
        D("2750.00"), D("1083.82"), D("0.00"), D("3833.82"), D("138.4"))


def test_parts_are_rounded_separately_then_added():
    # basic: 10000 × (1 + 1.0) / 2 × 181/12 × 1% = 1508.3333… → 1508.33
    # account: 100000.00 ÷ 139 = 719.4244… → 719.42
    # total 1508.33 + 719.42 = 2227.75 (rounding the unrounded sum 2227.7578 would give 2227.76)
    p = basic_pension(pension_base="10000.00", wage_index="1.0", contribution_months=181, balance="100000.00", age=60,
                      divisor_table=TABLE).value
    assert (p.basic_part, p.account_part, p.total) == (D("1508.33"), D("719.42"), D("2227.75"))


def test_years_are_not_rounded():
    # 15y7m = 187 months: 8000 × (1 + 0.8) / 2 × 187/12 × 1% = 8000 × 0.9 × 0.155833… = 1122.00
    assert basic_part("8000.00", "0.8", 187).value == D("1122.00")


def test_half_fen_in_the_account_part():
    # 0.70 ÷ 140 = 0.005 exactly → 0.01 (half-up; half-even would give 0.00), and 见分进角 → 0.10
    assert account_part("0.70", D(140)).value == D("0.01")
    assert account_part("0.70", D(140), rounding="jiao_up").value == D("0.10")


def test_transitional_part_from_region_parameters():
    # demo 440300/2025: pension base 10629.00, coefficient 1.2%
    # transitional = 10629.00 × 1.2 × 60/12 × 0.012 = 765.288 → 765.29
    p = load_params("440300", 2025)
    assert p.pension_base == D("10629.00")
    result = pension_for(p, wage_index="1.2", contribution_months=300, balance="150000.00", age="60y1m", deemed_months=60)
    # basic 10629 × 2.2 / 2 × 25 × 1% = 2922.975 → 2922.98; account 1083.82
    assert (result.value.basic_part, result.value.account_part, result.value.transitional_part) == (
        D("2922.98"), D("1083.82"), D("765.29"))
    assert result.value.total == D("2922.98") + D("1083.82") + D("765.29") == D("4772.09")
    assert result.trace.version == p.version
    assert transitional_part("10000.00", "1", 0, "0.012").value == D("0.00")
    # no transitional part nationally
    assert pension_for(load_params("national", 2025), pension_base="10000.00", wage_index="1.2", contribution_months=300,
                       balance="150000.00", age="60y1m").value.total == D("3833.82")


def test_average_wage_index():
    # 12 months at 6000/10000 = 0.6 and 12 at 15000/10000 = 1.5 → (7.2 + 18) / 24 = 1.05
    assert average_wage_index([("6000.00", "10000.00", 12), ("15000.00", "10000.00", 12)]).value == D("1.0500")
    # plus 24 deemed months at 1.0: (7.2 + 18 + 24) / 48 = 1.025
    assert average_wage_index([("6000.00", "10000.00", 12), ("15000.00", "10000.00", 12)], deemed_months=24).value == D("1.0250")
    # 1 month at 1/3: 0.33333 → 0.3333
    assert average_wage_index([("1000.00", "3000.00", 1)]).value == D("0.3333")
    with pytest.raises(InvalidInput, match="undefined"):
        average_wage_index([])


def test_yearly_adjustment():
    # 3000.00 × 2% = 60.00 → 3060.00; with 50.00 fixed and 2.00 per whole year of 25y7m (25): 60 + 50 + 50 = 160.00
    assert adjust_pension("3000.00", percent="0.02").value.after == D("3060.00")
    a = adjust_pension("3000.00", percent="0.02", fixed="50.00", per_year="2.00", contribution_months=307).value
    assert (a.increase, a.after) == (D("160.00"), D("3160.00"))
    # 3833.82 × 3.8% = 145.68516 → 145.69 (demo 440300/2023)
    adjusted = adjust_for(load_params("440300", 2023), "3833.82")
    assert adjusted.value.after == D("3979.51")
    assert adjusted.trace.steps[0].formula == "3833.82 × 0.038 = 145.69"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"balance": "-1.00"}, "negative"),
        ({"wage_index": "-0.5"}, "wage index"),
        ({"contribution_months": -12}, "months"),
        ({"age": "sixty"}, "age"),
        ({"pension_base": "abc"}, "decimal number"),
        ({"deemed_months": 301}, r"deemed months \(301\) are part of the contribution months \(300\)"),
        ({"deemed_months": -1}, "deemed months"),
    ],
)
def test_bad_input(kwargs, message):
    args = {"pension_base": "10000.00", "wage_index": "1.2", "contribution_months": 300, "balance": "150000.00", "age": "60",
            "divisor_table": TABLE, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        basic_pension(**args)

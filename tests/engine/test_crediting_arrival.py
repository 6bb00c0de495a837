"""Crediting paid credits by arrival month (记账月份) or by period: positions, deferral to the next year,
refusal of an earlier year's credit, and the region's [crediting] parameters."""

from datetime import date
from decimal import Decimal as D

import pytest

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.crediting import (
    INTEREST_FROM,
    AccountCredit,
    credit_account_credits,
    credit_year,
    crediting_position,
)
from sirecords.engine.params import ParameterError, load_params, read_data_dir

PAID_IN_DECEMBER = [AccountCredit(Month(2024, n), D("800.00"), date(2024, 12, 20)) for n in range(1, 13)]


def test_positions():
    assert INTEREST_FROM == ("arrival", "period")
    assert crediting_position(Month(2024, 3), date(2024, 12, 20), "arrival") == (2024, 12)
    assert crediting_position("2024-03", date(2024, 12, 20), "period") == (2024, 3)
    assert crediting_position("2024-12", date(2025, 1, 10), "arrival") == (2025, 1)
    assert crediting_position("2024-12", None, "period") == (2024, 12)
    with pytest.raises(InvalidInput, match="no payment date"):
        crediting_position("2024-12", None, "arrival")
    with pytest.raises(InvalidInput, match="interest_from"):
        crediting_position("2024-12", date(2025, 1, 10), "paid")


def test_worked_example_arrival_against_period():
    # 12 × 800.00 for 2024-01…2024-12, all paid 2024-12-20, at 2.62 %, prior 0:
    # arrival: all credited in December, 9600 × 1 month: 0.0262 / 12 × 9600 = 20.96
    arrival = credit_account_credits("0", PAID_IN_DECEMBER, 2024, "0.0262").value
    assert arrival.crediting.interest_on_credits == D("20.96")
    assert arrival.crediting.year_end == D("9620.96")
    assert arrival.credited == tuple(PAID_IN_DECEMBER) and arrival.deferred == ()
    # period: month n earns 13 − n months: 800 × 78 = 62400; 0.0262 / 12 × 62400 = 136.24
    period = credit_account_credits("0", PAID_IN_DECEMBER, 2024, "0.0262", interest_from="period").value
    assert period.crediting.interest_on_credits == D("136.24")
    assert period.crediting == credit_year("0", ["800.00"] * 12, "0.0262").value


def test_december_paid_in_january_is_deferred_then_credited_at_month_1():
    late = AccountCredit(Month(2024, 12), D("800.00"), date(2025, 1, 10))
    on_time = [AccountCredit(Month(2024, n), D("800.00"), date(2024, n, 15)) for n in range(1, 12)]
    y2024 = credit_account_credits("0", [*on_time, late], 2024, "0.0262").value
    assert y2024.deferred == (late,) and len(y2024.credited) == 11
    # 800 × (12 + 11 + … + 2) = 800 × 77 = 61600; 0.0262 / 12 × 61600 = 134.4933… → 134.49
    assert (y2024.crediting.credits, y2024.crediting.interest_on_credits) == (D("8800.00"), D("134.49"))
    # 2025: the December credit arrives in January and earns 12 months: 800 × 0.0262 = 20.96;
    # prior 8934.49 × 0.0262 = 234.0836… → 234.08
    y2025 = credit_account_credits(y2024.crediting.year_end, [late], 2025, "0.0262").value
    assert y2025.credited == (late,) and y2025.deferred == ()
    assert (y2025.crediting.interest_on_prior, y2025.crediting.interest_on_credits) == (D("234.08"), D("20.96"))
    # under "period" the credit belongs to 2024 and is refused in 2025, naming it and its year
    with pytest.raises(InvalidInput, match=r"2024-12=800.00@2025-01-10.*crediting of 2024"):
        credit_account_credits("0", [late], 2025, "0.0262", interest_from="period")


def test_part_year_defers_credits_after_its_last_month():
    # retirement after June: a credit arriving in July waits for the next crediting
    june = AccountCredit("2025-06", "500.00", date(2025, 6, 30))
    july = AccountCredit("2025-06", "500.00", date(2025, 7, 2))
    result = credit_account_credits("0", [june, july], 2025, "0.03", months=6).value
    # 500 × (6 + 1 − 6) = 500 credit-months; 0.03 / 12 × 500 = 1.25
    assert (result.crediting.credits, result.crediting.interest_on_credits, result.deferred) == (D("500.00"), D("1.25"), (july,))


def test_annual_method_sees_only_the_total():
    # 9600 × 0.0262 × 1.083 / 2 = 136.19808 → 136.20, wherever the credits arrive
    result = credit_account_credits("0", PAID_IN_DECEMBER, 2024, "0.0262", method="annual").value
    assert result.crediting.interest_on_credits == D("136.20")


def test_trace_shows_each_position():
    result = credit_account_credits("0", PAID_IN_DECEMBER[:1] + [AccountCredit("2024-12", "1.00", "2025-01-10")], 2024, "0.0262")
    steps = {step.name: step for step in result.trace.steps}
    assert steps["positions"].value == ("2024-01=800.00@2024-12-20 → 2024-12: month 12",
                                        "2024-12=1.00@2025-01-10 → 2025-01: deferred")
    assert "到账" in steps["positions"].zh and "year.interest_on_credits" in steps
    assert result.trace.inputs["interest_from"] == "arrival"


def test_bad_credits():
    with pytest.raises(InvalidInput, match="negative"):
        AccountCredit("2024-01", "-1.00", date(2024, 1, 1))
    with pytest.raises(InvalidInput, match="payment date of the credit of 2024-01"):
        AccountCredit("2024-01", "1.00", "2024-13-01")
    with pytest.raises(InvalidInput, match="AccountCredit"):
        credit_account_credits("0", [("2024-01", "1.00", None)], 2024, "0.03")
    with pytest.raises(InvalidInput, match="no payment date"):
        credit_account_credits("0", [AccountCredit("2024-01", "1.00", None)], 2024, "0.03")
    with pytest.raises(InvalidInput, match="year"):
        credit_account_credits("0", [], "2024", "0.03")


def test_region_parameters():
    p = load_params("440300", 2024)
    assert (p.crediting_method, p.crediting_interest_from) == ("monthly", "arrival")
    assert p.get("crediting.method", "monthly") == "monthly"  # what accounts/crediting.py reads
    files = dict(read_data_dir())
    files["440300/2030.toml"] = '[crediting]\nmethod = "annual"\ninterest_from = "period"\n'
    p = load_params("440300", 2030, files=files)
    assert (p.crediting_method, p.crediting_interest_from) == ("annual", "period")
    for addition, key in (('[crediting]\nmethod = "daily"\n', "crediting.method"),
                          ('[crediting]\ninterest_from = "due"\n', "crediting.interest_from")):
        files["440300/2030.toml"] = addition
        with pytest.raises(ParameterError, match="must be one of") as info:
            load_params("440300", 2030, files=files)
        assert (info.value.file, info.value.key) == ("440300/2030.toml", key)

"""Late fees (滞纳金, 社会保险法 第八十六条): 0.05 % a day from the day after the due date, and due dates from
the region's [late_fee] parameters."""

from datetime import date
from decimal import Decimal as D

import pytest

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.late_fees import DAILY_RATE, LateFee, due_date, late_fee, late_fee_for
from sirecords.engine.params import ParameterError, load_params, read_data_dir


def test_worked_example():
    # due 2025-01-31, paid 2025-03-15: 2025-02-01 … 2025-03-15 = 28 + 15 = 43 days; 1000.00 × 0.0005 × 43 = 21.50
    result = late_fee("1000.00", date(2025, 1, 31), date(2025, 3, 15))
    assert result.value == LateFee(D("1000.00"), date(2025, 1, 31), date(2025, 3, 15), 43, D("0.0005"), D("21.50"))
    steps = {step.name: step for step in result.trace.steps}
    assert steps["days"].value == 43 and "次日" in steps["days"].zh
    assert steps["fee"].formula == "1000.00 × 0.0005 × 43 = 21.5 → 21.50"
    assert DAILY_RATE == D("0.0005")


def test_days_start_the_day_after_the_due_date():
    assert late_fee("1000.00", "2025-01-31", "2025-01-31").value.days == 0  # paid on the due date: on time
    one = late_fee("1000.00", "2025-01-31", "2025-02-01").value
    assert (one.days, one.fee) == (1, D("0.50"))
    early = late_fee("1000.00", "2025-01-31", "2025-01-10").value  # paid before it fell due
    assert (early.days, early.fee) == (0, D("0.00"))
    # a leap year: 2024-02-29 is counted (2024-01-31 → 2024-03-01: 30 days); 333.33 × 0.0005 × 30 = 4.99995 → 5.00
    leap = late_fee("333.33", "2024-01-31", "2024-03-01").value
    assert (leap.days, leap.fee) == (30, D("5.00"))


def test_rounded_once_to_the_fen():
    # 123.45 × 0.0005 × 7 = 0.432075 → 0.43 (a per-day rounding would give 7 × 0.06 = 0.42)
    assert late_fee("123.45", "2025-01-31", "2025-02-07").value.fee == D("0.43")
    # an exact half fen goes up: 10.00 × 0.0005 × 1 = 0.005 → 0.01; 见分进角: 0.01 → 0.10
    assert late_fee("10.00", "2025-01-31", "2025-02-01").value.fee == D("0.01")
    assert late_fee("10.00", "2025-01-31", "2025-02-01", rounding="jiao_up").value.fee == D("0.10")
    # another daily rate: 1000.00 × 0.002 × 10 = 20.00
    assert late_fee("1000.00", "2025-01-31", "2025-02-10", daily_rate="0.002").value.fee == D("20.00")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": "-1.00"}, "negative"),
        ({"amount": "1.001"}, "two decimal places"),
        ({"amount": 1.5}, "float"),
        ({"due": "2025-02-30"}, "not a calendar date"),
        ({"paid": "15/03/2025"}, "YYYY-MM-DD"),
        ({"daily_rate": "0.02"}, "more than 0.01"),
        ({"rounding": "down"}, "unknown rounding mode"),
    ],
)
def test_bad_input(kwargs, message):
    args = {"amount": "1000.00", "due": "2025-01-31", "paid": "2025-03-15", **kwargs}
    extra = {key: args.pop(key) for key in ("daily_rate", "rounding") if key in args}
    with pytest.raises(InvalidInput, match=message):
        late_fee(args["amount"], args["due"], args["paid"], **extra)


def test_national_defaults_due_within_the_month():
    p = load_params("440300", 2025)
    assert (p.late_fee_daily_rate, p.late_fee_due_months_after, p.late_fee_due_day) == (D("0.0005"), 0, 31)
    assert due_date("2025-01", p) == date(2025, 1, 31)
    assert due_date(Month(2024, 2), p) == date(2024, 2, 29)  # day 31 clipped to the month's last day
    # 2025-01's 1000.00 paid 2025-03-15: 43 days → 21.50, traced with the set's version
    result = late_fee_for(p, "1000.00", "2025-01", date(2025, 3, 15))
    assert (result.value.days, result.value.fee, result.trace.version) == (43, D("21.50"), p.version)
    steps = {step.name: step for step in result.trace.steps}
    assert steps["due"].value == date(2025, 1, 31) and steps["fee.days"].value == 43
    assert result.trace.inputs["period"] == Month(2025, 1)


def test_region_due_date_and_rate():
    files = dict(read_data_dir())
    files["440300/2030.toml"] = '[late_fee]\ndue_months_after = 1\ndue_day = 15\ndaily_rate = "0.001"\n'
    p = load_params("440300", 2030, files=files)
    assert due_date("2030-01", p) == date(2030, 2, 15)
    assert due_date("2030-12", p) == date(2031, 1, 15)
    # due 2030-02-15, paid 2030-03-01: 14 days × 0.001 × 500.00 = 7.00
    assert late_fee_for(p, "500.00", "2030-01", "2030-03-01").value.fee == D("7.00")


@pytest.mark.parametrize(
    ("addition", "key", "reason"),
    [
        ('[late_fee]\ndaily_rate = "0.05"\n', "late_fee.daily_rate", "≤ 0.01"),
        ("[late_fee]\ndue_day = 0\n", "late_fee.due_day", "between 1 and 31"),
        ("[late_fee]\ndue_day = 32\n", "late_fee.due_day", "between 1 and 31"),
        ("[late_fee]\ndue_months_after = -1\n", "late_fee.due_months_after", "between 0 and 12"),
        ("[late_fee]\ngrace_days = 5\n", "late_fee.grace_days", "unknown key"),
    ],
)
def test_bad_parameters_name_file_and_key(addition, key, reason):
    files = dict(read_data_dir())
    files["440300/2030.toml"] = addition
    with pytest.raises(ParameterError) as info:
        load_params("440300", 2030, files=files)
    assert (info.value.file, info.value.key) == ("440300/2030.toml", key)
    assert reason in info.value.reason

"""`sirecords rules` for issue #12: late-fee, account-year (crediting by arrival month), pension's transitional
part and refusals, check-id by the standard with plausibility warnings."""

import io
import json

import pytest
from django.core.management import call_command

from sirecords.cli.management.commands.rules import KEYS, Command

PAID_IN_DECEMBER = [arg for month in range(1, 13) for arg in ("--credit", f"2024-{month:02d}=800.00@2024-12-20")]


def run_json(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(Command(), *args, "--json", stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    data = json.loads(out.getvalue())
    assert set(data) == set(KEYS[args[0]]) | ({"error"} if status else set()), data
    return status, data, err.getvalue()


def run_text(*args):
    out = io.StringIO()
    call_command(Command(), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- late-fee ---------------------------------------------------------------------------------------------------


def test_late_fee_worked_example():
    # due 2025-01-31, paid 2025-03-15: 2025-02-01 … 2025-03-15 = 43 days; 1000.00 × 0.0005 × 43 = 21.50
    status, data, _ = run_json("late-fee", "--amount", "1000.00", "--due", "2025-01-31", "--paid", "2025-03-15")
    assert (status, data) == (0, {"days": 43, "fee": "21.50", "daily_rate": "0.0005"})
    out = run_text("late-fee", "--amount", "1000", "--due", "2025-01-31", "--paid", "2025-03-15")
    assert "43" in out and "21.50" in out and "滞纳金" in out


def test_late_fee_on_time_and_one_day_late():
    assert run_json("late-fee", "--amount", "1000", "--due", "2025-01-31", "--paid", "2025-01-31")[1]["days"] == 0
    assert run_json("late-fee", "--amount", "1000", "--due", "2025-01-31", "--paid", "2025-01-02")[1] == {
        "days": 0, "fee": "0.00", "daily_rate": "0.0005"}
    assert run_json("late-fee", "--amount", "1000", "--due", "2025-01-31", "--paid", "2025-02-01")[1]["fee"] == "0.50"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--amount", "-1", "--due", "2025-01-31", "--paid", "2025-03-15"), "negative"),
        (("--amount", "1.001", "--due", "2025-01-31", "--paid", "2025-03-15"), "two decimal places"),
        (("--amount", "1000", "--due", "2025-02-30", "--paid", "2025-03-15"), "--due '2025-02-30' is not a calendar date"),
        (("--amount", "1000", "--due", "2025-01-31", "--paid", "15.03.2025"), "--paid must be a date written YYYY-MM-DD"),
    ],
)
def test_late_fee_bad_input(args, message):
    status, data, err = run_json("late-fee", *args)
    assert status == 1 and message in data["error"] and message in err
    assert data["days"] is None and data["fee"] is None


# --- account-year -----------------------------------------------------------------------------------------------


def test_account_year_by_arrival_and_by_period():
    # 12 × 800.00 for 2024, all paid 2024-12-20, demo region's 2024 rate 2.62 %:
    # arrival (the region's default): 9600 × 1 month × 0.0262 / 12 = 20.96; period: 800 × 78 × 0.0262 / 12 = 136.24
    status, data, _ = run_json("account-year", "--region", "440300", "--year", "2024", "--prior", "0", *PAID_IN_DECEMBER)
    assert (status, data) == (0, {"interest_on_prior": "0.00", "interest_on_credits": "20.96", "credits": "9600.00",
                                  "year_end": "9620.96", "deferred": [], "rate": "0.0262", "rate_status": "official"})
    period = run_json("account-year", "--region", "440300", "--year", "2024", "--prior", "0", *PAID_IN_DECEMBER,
                      "--interest-from", "period")[1]
    assert (period["interest_on_credits"], period["year_end"]) == ("136.24", "9736.24")
    # the annual method: 9600 × 0.0262 × 1.083 / 2 = 136.19808 → 136.20
    annual = run_json("account-year", "--region", "440300", "--year", "2024", "--prior", "0", *PAID_IN_DECEMBER,
                      "--method", "annual")[1]
    assert annual["interest_on_credits"] == "136.20"


def test_december_paid_in_january_is_deferred_then_credited_in_month_1():
    late = "2024-12=800.00@2025-01-10"
    y2024 = run_json("account-year", "--region", "440300", "--year", "2024", "--prior", "10000", "--credit", late,
                     "--credit", "2024-11=800.00@2024-11-15")[1]
    # prior 10000 × 0.0262 = 262.00; November's 800.00 earns 2 months: 800 × 2 × 0.0262 / 12 = 3.4933 → 3.49
    assert y2024 == {"interest_on_prior": "262.00", "interest_on_credits": "3.49", "credits": "800.00", "year_end": "11065.49",
                     "deferred": [late], "rate": "0.0262", "rate_status": "official"}
    # 2025 (provisional 2.62 %): the December credit arrives in January and earns 12 months: 800 × 0.0262 = 20.96
    y2025 = run_json("account-year", "--region", "440300", "--year", "2025", "--prior", "11065.49", "--credit", late)[1]
    assert (y2025["interest_on_credits"], y2025["deferred"], y2025["rate_status"]) == ("20.96", [], "provisional")
    out = run_text("account-year", "--region", "440300", "--year", "2024", "--prior", "0", "--credit", late)
    assert "deferred to the next year: 2024-12=800.00@2025-01-10" in out and "到账月份" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--credit", "2024-01:800.00@2024-12-20"), "PERIOD=AMOUNT@PAID_ON"),
        (("--credit", "2024-01=800.00@"), "PERIOD=AMOUNT@PAID_ON"),
        (("--credit", "2024-13=800.00@2024-12-20"), "between 1 and 12"),
        (("--credit", "2024-01=-5@2024-12-20"), "negative"),
        (("--credit", "2024-01=800.00@2024-02-30"), "not a calendar date"),
        (("--credit", "2024-01=800.00"), "no payment date"),
        (("--credit", "2023-12=800.00@2023-12-20"), "belongs to the crediting of 2023"),
        (("--interest-from", "due"), "arrival or period"),
        (("--method", "daily"), "monthly or annual"),
        (("--prior", "x"), "decimal number"),
    ],
)
def test_account_year_bad_input(args, message):
    base = {"--region": "440300", "--year": "2024", "--prior": "0"}
    pairs = dict(zip(args[::2], args[1::2]))
    merged = [item for key, value in {**base, **{k: v for k, v in pairs.items() if k in base}}.items() for item in (key, value)]
    rest = [item for key, value in pairs.items() if key not in base for item in (key, value)]
    status, data, err = run_json("account-year", *merged, *rest)
    assert status == 1 and message in data["error"] and message in err


def test_account_year_without_a_rate_for_the_year():
    status, data, _ = run_json("account-year", "--region", "440300", "--year", "2030", "--prior", "0")
    assert status == 1 and "crediting_rate" in data["error"]


# --- pension ----------------------------------------------------------------------------------------------------


def test_pension_total_is_the_sum_of_its_parts():
    # demo 440300/2025: C = 10629.00; basic 10629 × 2.2 / 2 × 25 × 1 % = 2922.975 → 2922.98;
    # account 150000 ÷ 138.4 = 1083.82; transitional 10629 × 1.2 × 60 / 12 × 0.012 = 765.288 → 765.29
    data = run_json("pension", "--index", "1.2", "--months", "300", "--balance", "150000", "--age", "60y1m", "--region",
                    "440300", "--year", "2025", "--deemed-months", "60")[1]
    assert data["transitional"] == "765.29"
    from decimal import Decimal

    assert Decimal(data["total"]) == Decimal(data["basic"]) + Decimal(data["account"]) + Decimal(data["transitional"])
    # an explicit coefficient with national parameters: 10000 × 1.2 × 120 / 12 × 0.01 = 1200.00
    explicit = run_json("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "150000", "--age", "60y1m",
                        "--deemed-months", "120", "--transitional-coefficient", "0.01")[1]
    assert (explicit["transitional"], explicit["total"]) == ("1200.00", "5033.82")


def test_pension_refuses_deemed_months_above_all_months():
    status, data, err = run_json("pension", "--base", "10000", "--index", "1.2", "--months", "200", "--balance", "1",
                                 "--age", "60", "--deemed-months", "201")
    assert status == 1 and "--deemed-months 201 is more than --months 200" in data["error"] and data["total"] is None


@pytest.mark.parametrize(
    ("months", "year", "minimum"),
    [("100", "2025", 180), ("179", "2025", 180)],
)
def test_pension_refuses_months_below_the_minimum(months, year, minimum):
    status, data, err = run_json("pension", "--base", "10000", "--index", "1.0", "--months", months, "--balance", "100000",
                                 "--age", "60", "--year", year)
    assert status == 1 and data["total"] is None
    error = data["error"]
    assert f"below the minimum of {minimum}" in error and f"({minimum - int(months)} short)" in error
    for option in ("extend contributions", "residents' basic pension scheme", "receive the individual account balance"):
        assert option in error, option
    assert run_json("pension", "--base", "10000", "--index", "1.0", "--months", str(minimum), "--balance", "100000",
                    "--age", "60", "--year", year)[0] == 0


def test_pension_minimum_follows_the_retirement_year():
    # the minimum is that of the parameter year given: 180 months in 2025, 186 in 2030 (the schedule rises from 2030)
    args = ("pension", "--base", "10000", "--index", "1.0", "--months", "183", "--balance", "1", "--age", "60")
    assert run_json(*args, "--year", "2025")[0] == 0
    status, data, _ = run_json(*args, "--year", "2030")
    assert status == 1 and "below the minimum of 186" in data["error"] and "retiring in 2030 (3 short)" in data["error"]


# --- check-id ---------------------------------------------------------------------------------------------------


def test_check_id_follows_the_standard_and_warns_on_plausibility():
    status, data, _ = run_json("check-id", "440524188001010014")
    assert status == 0 and data["valid"] is True and data["birth_date"] == "1880-01-01" and data["sex"] == "M"
    assert len(data["warnings"]) == 2
    assert "before 1900-01-01" in data["warnings"][0] and "over 120" in data["warnings"][1]
    out = run_text("check-id", "440524188001010014")
    assert "ID number valid" in out and "warning" in out
    # still invalid: a wrong check character of the same number
    status, data, _ = run_json("check-id", "440524188001010015")
    assert status == 1 and data["valid"] is False and "check character" in data["error"] and data["warnings"] is None

"""`sirecords rules …`: every subcommand's --json keys and values, the readable summary, exit 1 for bad input.

Called through the command object (the `rules` app need not be installed for these), and through a real
process for the exit status."""

import io
import json
import os
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sirecords.cli.management.commands.rules import KEYS, Command
from sirecords.core.identifiers import make_id_number

VALID_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"
CREDITS = ",".join(["800.00"] * 12)


def run(*args):
    """(exit status, stdout, stderr) of `sirecords rules ARGS`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(Command(), *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return status, out.getvalue(), err.getvalue()


def run_json(*args):
    status, out, err = run(*args, "--json")
    data = json.loads(out)
    action = args[0]
    expected = set(KEYS[action]) | ({"error"} if status else set())
    assert set(data) == expected, data
    return status, data, err


def test_check_id():
    status, data, _ = run_json("check-id", VALID_ID)
    assert status == 0
    assert data == {"valid": True, "normalized": VALID_ID, "birth_date": "1949-12-31", "sex": "F", "warnings": [], "error": None}
    # a 15-digit legacy number is upgraded
    status, data, _ = run_json("check-id", "110105491231002")
    assert (status, data["normalized"], data["sex"]) == (0, VALID_ID, "F")
    status, out, _ = run("check-id", VALID_ID)
    assert "ID number valid" in out and "1949-12-31" in out and "女 female" in out


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "check character"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "must be a digit"),
        (make_id_number("110105", date(2999, 1, 1), 1), "after today"),
    ],
)
def test_check_id_invalid(number, message):
    status, data, err = run_json("check-id", number)
    assert status == 1
    assert data["valid"] is False and data["normalized"] is None and message in data["error"]
    assert message in err
    status, out, err = run("check-id", number)
    assert status == 1 and out == "" and message in err


def test_check_uscc():
    status, data, _ = run_json("check-uscc", VALID_USCC)
    assert (status, data) == (0, {"valid": True, "error": None})
    status, data, err = run_json("check-uscc", VALID_USCC[:-1] + "0")
    assert status == 1 and data["valid"] is False and "check character" in data["error"] and "check character" in err
    status, data, _ = run_json("check-uscc", "SHORT")
    assert status == 1 and "18 characters" in data["error"]


@pytest.mark.parametrize(
    ("birth", "category", "expected"),
    [
        # born before the reform (n = 0): no flexible window; first pension month the month after (次月)
        ("1964-12", "male", {"delay_months": 0, "statutory_age": "60y0m", "retirement_month": "2024-12",
                             "minimum_contribution_months": 180, "first_pension_month": "2025-01",
                             "flexible_earliest_month": "2024-12", "flexible_latest_month": "2024-12"}),
        # n = 1: earliest max(original 2025-01, 2025-02 − 36m) = 2025-01; latest 2025-02 + 36m = 2028-02
        ("1965-01", "male", {"delay_months": 1, "statutory_age": "60y1m", "retirement_month": "2025-02",
                             "minimum_contribution_months": 180, "first_pension_month": "2025-03",
                             "flexible_earliest_month": "2025-01", "flexible_latest_month": "2028-02"}),
        # n = 2033-10 − 2024-12 = 106 → ceil(106/4) = 27 → 62y3m; 1973-10 + 62y3m = 2036-01; minimum 2036: 222
        ("1973-10", "male", {"delay_months": 27, "statutory_age": "62y3m", "retirement_month": "2036-01",
                             "minimum_contribution_months": 222, "first_pension_month": "2036-02",
                             "flexible_earliest_month": "2033-10", "flexible_latest_month": "2039-01"}),
        ("1984-11", "female50", {"delay_months": 60, "statutory_age": "55y0m", "retirement_month": "2039-11",
                                 "minimum_contribution_months": 240, "first_pension_month": "2039-12",
                                 "flexible_earliest_month": "2036-11", "flexible_latest_month": "2042-11"}),
    ],
)
def test_retirement(birth, category, expected):
    status, data, _ = run_json("retirement", "--birth", birth, "--category", category)
    assert (status, data) == (0, expected)


def test_retirement_summary():
    status, out, _ = run("retirement", "--birth", "1965-01", "--category", "male")
    assert status == 0
    assert "60岁1个月 / 60y1m" in out and "2025-02" in out and "180" in out


def test_base():
    # ceiling 10000 × 3 = 30000.00; 16% = 4800.00; 8% = 2400.00
    assert run_json("base", "--wage", "35000", "--average", "10000") == (
        0, {"base": "30000.00", "employer": "4800.00", "individual": "2400.00"}, "")
    # inside: 8888.88 × 0.16 = 1422.2208 → 1422.22; × 0.08 = 711.1104 → 711.11
    assert run_json("base", "--wage", "8888.88", "--average", "10000")[1] == {
        "base": "8888.88", "employer": "1422.22", "individual": "711.11"}
    # region and year give the reference average wage (demo 440300/2024: 10123.00 → floor 6073.80)
    assert run_json("base", "--wage", "5000", "--region", "440300", "--year", "2024")[1] == {
        "base": "6073.80", "employer": "971.81", "individual": "485.90"}
    # 2019-04: the employer rate was still 20 %
    assert run_json("base", "--wage", "5000", "--average", "5000", "--year", "2019", "--month", "4")[1]["employer"] == "1000.00"
    status, out, _ = run("base", "--wage", "35000", "--average", "10000")
    assert "30000.00" in out and "ceiling" in out and "national/2025@" in out


def test_interest():
    # monthly: 262.00 + 136.24 → 19998.24; annual: 136.198… → 136.20 → 19998.20
    assert run_json("interest", "--prior", "10000", "--rate", "0.0262", "--credits", CREDITS)[1] == {
        "interest_on_prior": "262.00", "interest_on_credits": "136.24", "year_end": "19998.24"}
    assert run_json("interest", "--prior", "10000", "--rate", "2.62%", "--credits", CREDITS, "--method", "annual")[1] == {
        "interest_on_prior": "262.00", "interest_on_credits": "136.20", "year_end": "19998.20"}
    # 见分进角: 136.24 → 136.30
    assert run_json("interest", "--prior", "10000", "--rate", "0.0262", "--credits", CREDITS, "--rounding", "jiao_up")[1][
        "year_end"] == "19998.30"
    # part year: 6 months at 3 %: 150.00 + 26.25
    assert run_json("interest", "--prior", "10000", "--rate", "0.03", "--credits", ",".join(["500"] * 6), "--months", "6")[1] == {
        "interest_on_prior": "150.00", "interest_on_credits": "26.25", "year_end": "13176.25"}
    status, out, _ = run("interest", "--prior", "10000", "--rate", "0.0262", "--credits", CREDITS)
    assert "19998.24" in out and "月积数法" in out


def test_pension():
    assert run_json("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "150000", "--age", "60y1m")[1] == {
        "basic": "2750.00", "account": "1083.82", "transitional": "0.00", "total": "3833.82", "divisor": "138.4"}
    assert run_json("pension", "--base", "10000", "--index", "1.0", "--months", "181", "--balance", "100000", "--age", "60")[1] == {
        "basic": "1508.33", "account": "719.42", "transitional": "0.00", "total": "2227.75", "divisor": "139.0"}
    # region parameters: pension base 10629.00 and the transitional part (765.29 for 60 deemed months at index 1.2)
    assert run_json("pension", "--index", "1.2", "--months", "300", "--balance", "150000", "--age", "60y1m", "--region", "440300",
                    "--year", "2025", "--deemed-months", "60")[1] == {
        "basic": "2922.98", "account": "1083.82", "transitional": "765.29", "total": "4772.09", "divisor": "138.4"}
    status, out, _ = run("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "150000", "--age", "60y1m")
    assert "2750.00" in out and "1083.82" in out and "138.4" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("retirement", "--birth", "1965-13", "--category", "male"), "between 1 and 12"),
        (("retirement", "--birth", "196501", "--category", "male"), "YYYY-MM"),
        (("retirement", "--birth", "1965-01", "--category", "female"), "female55"),
        (("base", "--wage", "-5000", "--average", "10000"), "negative"),
        (("base", "--wage", "abc", "--average", "10000"), "decimal number"),
        (("base", "--wage", "5000"), "--average is required"),
        (("base", "--wage", "5000.001", "--average", "10000"), "two decimal places"),
        (("base", "--wage", "5000", "--region", "999999", "--year", "2024"), "unknown region"),
        (("base", "--wage", "5000", "--region", "440300", "--year", "2030"), "reference_average_wage"),
        (("interest", "--prior", "-1", "--rate", "0.03", "--credits", CREDITS), "negative"),
        (("interest", "--prior", "1", "--rate", "3", "--credits", CREDITS), "percentage"),
        (("interest", "--prior", "1", "--rate", "x", "--credits", CREDITS), "decimal number"),
        (("interest", "--prior", "1", "--rate", "0.03", "--credits", "1,2,3"), "12 expected, got 3"),
        (("interest", "--prior", "1", "--rate", "0.03", "--credits", "1,,3"), "separated by commas"),
        (("interest", "--prior", "1", "--rate", "0.03", "--credits", CREDITS, "--method", "daily"), "monthly or annual"),
        (("interest", "--prior", "1", "--rate", "0.03", "--credits", CREDITS, "--rounding", "up"), "jiao_up"),
        (("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "-1", "--age", "60"), "negative"),
        (("pension", "--base", "10000", "--index", "1.2", "--months", "12.5", "--balance", "1", "--age", "60"), "whole number"),
        (("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "1", "--age", "sixty"), "60y1m"),
        (("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "1", "--age", "75"), "no months divisor"),
        (("pension", "--index", "1.2", "--months", "300", "--balance", "1", "--age", "60"), "--base is required"),
    ],
)
def test_invalid_input_exits_1_with_a_message(args, message):
    status, data, err = run_json(*args)
    assert status == 1
    assert message in data["error"] and message in err
    assert all(data[key] is None for key in KEYS[args[0]] if key != "error")


def test_usage_errors_raise_command_error_when_called_from_code():
    with pytest.raises(CommandError, match="required: --category"):
        call_command(Command(), "retirement", "--birth", "1965-01")


# --- through a real process: the exit status, stdout and stderr -------------------------------------------------------

_RUNNER = ("import sys, django; django.setup(); "
           "from sirecords.cli.management.commands.rules import Command; "
           "Command().run_from_argv(['sirecords', 'rules', *sys.argv[1:]])")


def process(*args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sirecords.settings.test"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", _RUNNER, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.engine_independent
def test_exit_status_from_the_command_line():
    ok = process("pension", "--base", "10000", "--index", "1.2", "--months", "300", "--balance", "150000", "--age", "60y1m", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["total"] == "3833.82"
    bad_id = process("check-id", "110105194912310021", "--json")
    assert bad_id.returncode == 1 and json.loads(bad_id.stdout)["valid"] is False and "check character" in bad_id.stderr
    # argparse errors give 1, not 2: a missing option, an unknown subcommand, an unknown category, a non-integer year
    for args in (["retirement", "--birth", "1965-01"], ["frobnicate"], [],
                 ["base", "--wage", "1", "--year", "twenty"]):
        result = process(*args)
        assert result.returncode == 1, (args, result.returncode, result.stderr)
        assert "error" in result.stderr
    with_json = process("retirement", "--birth", "1965-01", "--json")
    assert with_json.returncode == 1
    assert json.loads(with_json.stdout)["error"] == "the following arguments are required: --category"


@pytest.mark.engine_independent
def test_rules_command_through_sirecords():
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["DJANGO_SETTINGS_MODULE"] = settings.SETTINGS_MODULE
    result = subprocess.run([sys.executable, "-m", "sirecords.cli", "rules", "interest", "--prior", "10000", "--rate", "0.0262",
                             "--credits", CREDITS, "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["year_end"] == "19998.24"


def test_retirement_refuses_a_birth_month_in_the_future():
    this_month = date.today().replace(day=1)
    next_month = date(this_month.year + this_month.month // 12, this_month.month % 12 + 1, 1)
    status, data, _ = run_json("retirement", "--birth", next_month.strftime("%Y-%m"), "--category", "male")
    assert status == 1 and data["retirement_month"] is None and "is in the future" in data["error"]
    status, data, _ = run_json("retirement", "--birth", this_month.strftime("%Y-%m"), "--category", "male")
    assert status == 0 and data["retirement_month"]


def test_retirement_for_a_region_gives_its_first_pension_month():
    status, national, _ = run_json("retirement", "--birth", "1971-03", "--category", "male")
    status_region, region, _ = run_json("retirement", "--birth", "1971-03", "--category", "male", "--region", "440300")
    assert (status, status_region) == (0, 0)
    assert national["first_pension_month"] == region["first_pension_month"] == "2032-11"  # the month after 2032-10


# --- benefit-place (国办发〔2009〕66号 第六条) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # rule 1: the relationship (440300, the last period outside a temporary account) is in the hukou province
        (("--hukou", "44", "--periods", "440300:130", "510100:24:temp"),
         {"benefit_region": "440300", "rule": 1, "months_by_region": {"440300": 130, "510100": 24}}),
        # rule 2: elsewhere, 10 years there; --periods repeated, one region twice (months add up)
        (("--hukou", "110105", "--periods", "440300:60", "--periods", "330100:12", "--periods", "440300:60"),
         {"benefit_region": "440300", "rule": 2, "months_by_region": {"440300": 120, "330100": 12}}),
        # rule 3: fewer than 10 years in the current region → the last region with 10 years
        (("--hukou", "11", "--periods", "440300:130", "330100:125", "510100:24", "--current", "510100"),
         {"benefit_region": "330100", "rule": 3, "months_by_region": {"440300": 130, "330100": 125, "510100": 24}}),
        # rule 4: no region with 10 years (the temporary account's 130 months do not count) → the hukou as given
        (("--hukou", "11", "--periods", "440300:60", "510100:130:temp"),
         {"benefit_region": "11", "rule": 4, "months_by_region": {"440300": 60, "510100": 130}}),
    ],
)
def test_benefit_place(args, expected):
    assert run_json("benefit-place", *args) == (0, expected, "")


def test_benefit_place_summary():
    status, out, _ = run("benefit-place", "--hukou", "44", "--periods", "330100:130", "510100:24:temp")
    assert status == 0
    assert "place of benefit: 330100" in out and "rule (2)" in out and "510100 24 (临时账户 temporary account)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--hukou", "4", "--periods", "440300:12"), "--hukou must be a 2-digit province or a 6-digit region"),
        (("--hukou", "44", "--periods", "440300"), "--periods must be REGION:MONTHS"),
        (("--hukou", "44", "--periods", "440300:12:tmp"), "--periods must be REGION:MONTHS"),
        (("--hukou", "44", "--periods", "4403:12"), "--periods 4403:12: the region must be a 6-digit"),
        (("--hukou", "44", "--periods", "440300:-1"), "--periods 440300:-1: the months must be a whole number"),
        (("--hukou", "44", "--periods", "440300:1.5"), "the months must be a whole number"),
        (("--hukou", "44", "--periods", "440300:12", "--current", "44"), "--current must be a 6-digit"),
        (("--hukou", "44", "--periods", "510100:12:temp"), "every period is in a temporary account"),
        (("--hukou", "44", "--periods", "440300:12", "510100:12:temp", "--current", "510100"), "only a temporary account"),
    ],
)
def test_benefit_place_refuses_bad_input(args, message):
    status, data, err = run_json("benefit-place", *args)
    assert status == 1
    assert message in data["error"] and message in err
    assert data["benefit_region"] is None


def test_benefit_place_requires_its_arguments():
    with pytest.raises(CommandError, match="required: --periods"):
        call_command(Command(), "benefit-place", "--hukou", "44")

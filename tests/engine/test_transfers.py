"""Transfers between regions (第十条): the funds (66号 第四条), the table's rows, the temporary account (第五条) and the
place of benefit (第六条), against the worked examples of RULES-REFERENCE."""

import json
from datetime import date

import pytest

from sirecords.core.canonical import canonical_json
from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.transfers import (
    AccountFigures,
    ContributionRun,
    MonthRow,
    PaidMonth,
    RegionPeriod,
    benefit_place,
    month_rows,
    temporary_account,
    transfer_funds,
)

NO_ACCOUNT = AccountFigures(0, 0, 0)


def run(first, last, base_yuan, region="440300", **kwargs):
    return ContributionRun(region, base_yuan * 100, Month.parse(first), Month.parse(last), **kwargs)


# --- funds ---------------------------------------------------------------------------------------------------------


def test_156_months_at_8000():
    # 0.12 × 156 × 8,000 = 0.12 × 1,248,000 = 149,760.00
    result = transfer_funds([run("2012-01", "2024-12", 8000)], NO_ACCOUNT)
    assert result.value.pooled == 14_976_000
    assert result.value.pooled_months == 156 and result.value.pooled_base == 124_800_000
    assert result.value.as_json()["pooled"] == "149760.00"


def test_three_bases():
    # 6,000 × 12 + 6,500 × 12 + 7,000 × 5 = 185,000; × 0.12 = 22,200.00
    runs = [run("2022-01", "2022-12", 6000), run("2023-01", "2023-12", 6500), run("2024-01", "2024-05", 7000)]
    assert transfer_funds(runs, NO_ACCOUNT).value.as_json()["pooled"] == "22200.00"


def test_the_six_figures():
    account = AccountFigures(pre1998=123_456, to_last_year_end=5_000_000, this_year=64_000)
    funds = transfer_funds([run("2024-01", "2024-05", 7000)], account).value
    # ④ = 1,234.56 + 50,000.00 + 640.00 = 51,874.56; ⑤ = 0.12 × 35,000 = 4,200.00; ⑥ = 56,074.56
    assert funds.as_json() == {"account_pre1998": "1234.56", "account_to_last_year_end": "50000.00",
                               "account_this_year": "640.00", "account": "51874.56", "pooled": "4200.00",
                               "total": "56074.56", "excluded": []}
    assert (funds.account, funds.total) == (5_187_456, 5_607_456)


def test_a_part_year_given_as_a_list_of_months():
    # March, April, July of 2025 at 5,123.45: 15,370.35 × 0.12 = 1,844.442 → 1,844.44
    months = ContributionRun("440300", 512_345, months=("2025-07", "2025-03", "2025-04"))
    funds = transfer_funds([months], NO_ACCOUNT).value
    assert (funds.pooled_months, funds.pooled) == (3, 184_444)


def test_months_before_1998_add_nothing_to_the_pooled_fund():
    # 1996-01 … 1998-03 at 1,000: only 1998-01 … 1998-03 count: 3,000 × 0.12 = 360.00
    funds = transfer_funds([run("1996-01", "1998-03", 1000)], AccountFigures(50_000, 0, 0)).value
    assert (funds.pooled_months, funds.pooled) == (3, 36_000)
    assert funds.account == 50_000  # their account money is ①, given


def test_rounded_once_at_the_end():
    # 4,321.29 × 0.12 = 518.5548 a month: per month 518.55 × 3 = 1,555.65; once 12,963.87 × 0.12 = 1,555.6644 → 1,555.66
    funds = transfer_funds([ContributionRun("440300", 432_129, Month(2024, 2), Month(2024, 4))], NO_ACCOUNT).value
    assert funds.pooled == 155_566
    # per run: two runs at a base of 0.04 give 0.0048 each (0.00 rounded per run); once: 0.0096 → 0.01
    halves = [ContributionRun("440300", 4, Month(2024, 1), Month(2024, 1)),
              ContributionRun("440301", 4, Month(2024, 1), Month(2024, 1))]
    assert transfer_funds(halves, NO_ACCOUNT).value.pooled == 1


def test_arrears_and_undocumented_lump_sums_stay_behind():
    runs = [run("2020-01", "2020-12", 5000),
            run("2021-01", "2021-03", 5000, paid=False),
            run("2010-01", "2013-12", 3000, lump_sum=True),
            run("2014-01", "2016-12", 3000, lump_sum=True, documented=True)]
    funds = transfer_funds(runs, NO_ACCOUNT).value
    # moving: 12 × 5,000 + 36 × 3,000 = 168,000 → 20,160.00
    assert (funds.pooled_months, funds.pooled) == (48, 2_016_000)
    assert funds.as_json()["excluded"] == [
        {"region": "440300", "first": "2021-01", "last": "2021-03", "months": 3, "reason": "arrears"},
        {"region": "440300", "first": "2010-01", "last": "2013-12", "months": 48, "reason": "undocumented_lump_sum"}]


def test_funds_trace_and_json_are_plain():
    result = transfer_funds([run("2024-01", "2024-02", 5000), run("2024-03", "2024-03", 5000, paid=False)], NO_ACCOUNT)
    steps = {step.name: step for step in result.trace.steps}
    assert steps["pooled"].formula == "10000.00 × 0.12 → 1200.00"
    assert "欠缴" in steps["excluded"].zh
    canonical_json(result.as_dict())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ContributionRun("4403", 100, Month(2024, 1), Month(2024, 1)), "6-digit region"),
        (lambda: ContributionRun("440300", -1, Month(2024, 1), Month(2024, 1)), "whole fen"),
        (lambda: ContributionRun("440300", 100, Month(2024, 2), Month(2024, 1)), "ends (2024-01) before"),
        (lambda: ContributionRun("440300", 100, Month(2024, 1)), "first and last"),
        (lambda: ContributionRun("440300", 100, Month(2024, 1), Month(2024, 1), months=(Month(2024, 1),)), "not both"),
        (lambda: AccountFigures(1.5, 0, 0), "①"),
        (lambda: transfer_funds([run("2024-01", "2024-03", 1), run("2024-03", "2024-04", 1)], NO_ACCOUNT), "given twice"),
    ],
)
def test_funds_refuse_bad_input(make, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


# --- rows ----------------------------------------------------------------------------------------------------------


def months(region, first, last, base):
    start, end = Month.parse(first), Month.parse(last)
    return [PaidMonth(start + n, base, region) for n in range(end - start + 1)]


def test_rows_split_by_year_base_gap_and_region():
    given = (months("440300", "2023-10", "2024-03", 500_000)  # new year → two rows
             + months("440300", "2024-04", "2024-06", 550_000)  # new base
             + months("440300", "2024-09", "2024-10", 550_000)  # gap
             + months("510100", "2024-11", "2024-12", 550_000))  # another region
    rows = month_rows(reversed(given)).value
    assert [row.as_json() for row in rows] == [
        {"region": "440300", "year": 2023, "first": "2023-10", "last": "2023-12", "months": 3, "base": "5000.00"},
        {"region": "440300", "year": 2024, "first": "2024-01", "last": "2024-03", "months": 3, "base": "5000.00"},
        {"region": "440300", "year": 2024, "first": "2024-04", "last": "2024-06", "months": 3, "base": "5500.00"},
        {"region": "440300", "year": 2024, "first": "2024-09", "last": "2024-10", "months": 2, "base": "5500.00"},
        {"region": "510100", "year": 2024, "first": "2024-11", "last": "2024-12", "months": 2, "base": "5500.00"},
    ]


def test_rows_from_tuples_and_from_runs():
    assert month_rows([("2024-01", 100, "440300"), ("2024-02", 100, "440300")]).value == (
        MonthRow("440300", 2024, Month(2024, 1), Month(2024, 2), 2, 100),)
    moving = run("2024-11", "2025-02", 6000).moving_months() + run("2025-03", "2025-04", 6000, paid=False).moving_months()
    assert [(row.year, row.months) for row in month_rows(moving).value] == [(2024, 2), (2025, 2)]  # arrears do not move


def test_rows_refuse_a_month_twice_and_bad_items():
    with pytest.raises(InvalidInput, match="given twice"):
        month_rows([("2024-01", 100, "440300"), ("2024-01", 200, "440300")])
    with pytest.raises(InvalidInput, match=r"month 1 must be \(month, base in fen, region\)"):
        month_rows(["2024-01"])
    with pytest.raises(InvalidInput, match="base of month 1"):
        month_rows([("2024-01", "100", "440300")])


# --- temporary account ---------------------------------------------------------------------------------------------


def temporary(sex="M", born="1960-06-15", joined="2010-06-15", hukou="44", joining="510100", assigned=False):
    return temporary_account(sex, born, joined, hukou, joining, assigned).value


def test_a_man_on_his_50th_birthday_in_another_province():
    decision = temporary()
    assert decision.temporary and "aged 50+" in decision.reason and "turned 50 on 2010-06-15" in decision.reason


def test_the_day_before_the_birthday_is_not_enough():
    decision = temporary(joined="2010-06-14")
    assert not decision.temporary and "under 50" in decision.reason


def test_a_woman_at_40():
    assert temporary(sex="F", born="1970-03-01", joined="2010-03-01").temporary
    assert not temporary(sex="F", born="1970-03-02", joined="2010-03-01").temporary
    assert not temporary(sex="M", born="1970-03-01", joined="2010-03-01").temporary  # a man of 40 is not concerned


def test_from_2010_01_01():
    assert temporary(joined="2010-01-01", born="1950-01-01").temporary
    decision = temporary(joined="2009-12-31", born="1950-01-01")
    assert not decision.temporary and "before 2010-01-01" in decision.reason


def test_same_province_and_assignment():
    same = temporary(hukou="440100", joining="440300")
    assert not same.temporary and "is the household-register province" in same.reason
    assert not temporary(hukou="44", joining="440300").temporary
    assigned = temporary(assigned=True)
    assert not assigned.temporary and "调动" in assigned.reason


def test_a_29_february_birthday_is_reached_on_1_march():
    assert not temporary(born="1960-02-29", joined="2010-02-28").temporary
    assert temporary(born="1960-02-29", joined="2010-03-01").temporary


def test_temporary_account_refuses_bad_input():
    with pytest.raises(InvalidInput, match="sex must be M or F"):
        temporary(sex="X")
    with pytest.raises(InvalidInput, match="joining region must be a 6-digit"):
        temporary(joining="51")
    with pytest.raises(InvalidInput, match="household-register region"):
        temporary(hukou="4403")


# --- place of benefit ----------------------------------------------------------------------------------------------


def place(hukou, *periods, current=None):
    return benefit_place(hukou, [RegionPeriod(*p) for p in periods], current).value


def test_rule_1_the_household_register_province():
    result = place("440100", ("510100", 150), ("440300", 24))
    assert (result.benefit_region, result.rule) == ("440300", 1)


def test_rule_2_ten_years_in_the_current_region():
    result = place("44", ("510100", 60), ("330100", 70), ("510100", 60))  # 510100: 60 + 60 = 120 cumulative
    assert result.as_json() == {"benefit_region": "510100", "rule": 2, "months_by_region": {"510100": 120, "330100": 70}}


def test_rule_3_the_last_region_with_ten_years():
    result = place("44", ("510100", 130), ("330100", 125), ("110100", 36))
    assert (result.benefit_region, result.rule) == ("330100", 3)
    # "last" is where the person contributed most recently, not the first region to reach 10 years
    result = place("44", ("510100", 100), ("330100", 125), ("510100", 30), ("110100", 36))
    assert (result.benefit_region, result.rule) == ("510100", 3)


def test_rule_4_the_household_register_province():
    result = place("44", ("510100", 119), ("330100", 36))
    assert (result.benefit_region, result.rule) == ("44", 4)


def test_a_temporary_account_region_is_never_the_place_of_benefit():
    # 130 months in 510100 under a temporary account: not 10 years that count; the relationship stays in 330100
    result = place("44", ("330100", 60), ("510100", 130, True))
    assert (result.benefit_region, result.rule) == ("44", 4)
    assert result.months_by_region == {"330100": 60, "510100": 130} and result.temporary_only == ("510100",)
    result = place("11", ("440300", 130), ("510100", 24, True))  # current: 440300, the last outside a temporary account
    assert (result.benefit_region, result.rule) == ("440300", 2)
    with pytest.raises(InvalidInput, match="only a temporary account"):
        place("44", ("330100", 60), ("510100", 130, True), current="510100")


def test_current_region_given_and_without_months():
    result = place("44", ("510100", 130), current="330100")  # just joined 330100
    assert (result.benefit_region, result.rule) == ("510100", 3)
    step = benefit_place("44", [RegionPeriod("510100", 130)], "330100").trace.steps[-1]
    assert "330100 has 0 < 120 months" in step.formula
    assert json.loads(json.dumps(result.as_json()))["rule"] == 3


def test_benefit_place_refuses_bad_input():
    with pytest.raises(InvalidInput, match="household-register region"):
        place("4", ("510100", 1))
    with pytest.raises(InvalidInput, match="months in 510100"):
        place("44", ("510100", -1))
    with pytest.raises(InvalidInput, match="every period is in a temporary account"):
        place("44", ("510100", 12, True))
    with pytest.raises(InvalidInput, match="current region must be a 6-digit"):
        place("44", ("510100", 12), current="51")


def test_dates_are_calendar_dates():
    assert temporary_account("M", date(1960, 1, 1), date(2010, 1, 1), "44", "510100").value.temporary

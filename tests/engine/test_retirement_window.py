"""Who may retire when: the first pension month (次月 by default), the flexible window only for those the
reform delays (n > 0), extension of contributions (延长缴费) past +3 years, elastic early retirement."""

import pytest

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.params import ParameterError, load_params, read_data_dir
from sirecords.engine.retirement import elastic_early_month, retirement_window, statutory_retirement

P = load_params("national", 2025)


def _months(first: str, count: int) -> list[Month]:
    start = Month.parse(first)
    return [start + k for k in range(count)]


def test_first_pension_month_is_the_month_after_and_configurable():
    r = statutory_retirement("1965-01", "male", P).value
    assert (str(r.retirement_month), str(r.first_pension_month)) == ("2025-02", "2025-03")
    files = read_data_dir()
    files["440300/2025.toml"] += "\n[retirement]\nfirst_pension_month_offset = 0\n"
    same_month = load_params("440300", 2025, files=files)
    assert same_month.first_pension_month_offset == 0
    assert str(statutory_retirement("1965-01", "male", same_month).value.first_pension_month) == "2025-02"
    files["440300/2025.toml"] = files["440300/2025.toml"].replace("offset = 0", "offset = 13")
    with pytest.raises(ParameterError, match="first_pension_month_offset"):
        load_params("440300", 2025, files=files)


def test_no_window_for_births_before_the_reform():
    # a man born 1964-12 reached 60 in 2024-12 (n = 0): the statutory month only, however many months he has
    r = statutory_retirement("1964-12", "male", P).value
    assert not r.has_flexible_window
    assert (str(r.flexible_earliest_month), str(r.flexible_latest_month)) == ("2024-12", "2024-12")
    w = retirement_window(r, _months("2000-01", 300), 0, P).value
    assert (str(w.earliest_month), str(w.latest_month), w.extension, w.elastic_early) == ("2024-12", "2024-12", False, False)
    assert elastic_early_month(r, _months("2000-01", 300), 0, P).value is None


def test_extension_runs_past_36_months():
    # a man born 1964-12 (statutory 2024-12, minimum 180) with 120 months paid 2014-01 … 2023-12: 60 months short.
    # He contributes on from the statutory month: the minimum is met retiring in 2024-12 + 60 = 2029-12, past
    # any +36 cap; that month is both the earliest and the latest.
    r = statutory_retirement("1964-12", "male", P).value
    w = retirement_window(r, _months("2014-01", 120), 0, P).value
    assert (str(w.minimum_met_month), str(w.earliest_month), str(w.latest_month)) == ("2029-12", "2029-12", "2029-12")
    assert w.extension and not w.elastic_early
    # deemed months count: 24 deemed leave 36 short → 2027-12
    assert str(retirement_window(r, _months("2014-01", 120), 24, P).value.earliest_month) == "2027-12"
    # a reform-delayed man (1965-01, statutory 2025-02, window to 2028-02) 100 months short: 2025-02 + 100 = 2033-06
    d = statutory_retirement("1965-01", "male", P).value
    w = retirement_window(d, _months("2010-01", 80), 0, P).value
    assert (str(w.earliest_month), str(w.latest_month), w.extension) == ("2033-06", "2033-06", True)
    # 10 months short: met in 2025-12, and the reform's +36 (2028-02) still open
    w = retirement_window(d, _months("2010-01", 170), 0, P).value
    assert (str(w.earliest_month), str(w.latest_month)) == ("2025-12", "2028-02")


def test_elastic_early_with_and_without_the_minimum():
    # a man born 1973-10: original 60 in 2033-10, statutory 62y3m in 2036-01 (minimum 222). Early bound:
    # max(2033-10, 2036-01 − 36m = 2033-01) = 2033-10.
    r = statutory_retirement("1973-10", "male", P).value
    assert (str(r.original_month), str(r.retirement_month), r.minimum_contribution_months) == ("2033-10", "2036-01", 222)
    # 240 months paid 2013-01 … 2032-12: the 222nd is 2031-06, met long before → early from the bound 2033-10
    w = retirement_window(r, _months("2013-01", 240), 0, P).value
    assert (str(w.earliest_month), str(w.latest_month), w.elastic_early) == ("2033-10", "2039-01", True)
    assert str(elastic_early_month(r, _months("2013-01", 240), 0, P).value) == "2033-10"
    # paid from 2017-01 on: the 222nd month is 2035-06 → early from 2035-06 only (7 months early)
    assert str(elastic_early_month(r, _months("2017-01", 240), 0, P).value) == "2035-06"
    # paid from 2018-02 on: the 222nd month is 2036-07, after the statutory month → no early retirement, extension
    assert elastic_early_month(r, _months("2018-02", 240), 0, P).value is None
    w = retirement_window(r, _months("2018-02", 240), 0, P).value
    assert w.extension and str(w.earliest_month) == "2036-07"


def test_months_count_before_the_first_pension_month():
    # offset 0 (first pension month = retirement month): the retirement month itself no longer counts, so the
    # 222nd month paid in 2035-06 allows retirement from 2035-07
    files = read_data_dir()
    files["440300/2025.toml"] += "\n[retirement]\nfirst_pension_month_offset = 0\n"
    p0 = load_params("440300", 2025, files=files)
    r = statutory_retirement("1973-10", "male", p0).value
    assert str(elastic_early_month(r, _months("2017-01", 240), 0, p0).value) == "2035-07"


def test_window_trace_and_bad_input():
    r = statutory_retirement("1964-12", "male", P).value
    trace = retirement_window(r, ["2014-01", "2014-01", "2014-02"], 0, P).trace  # a month paid twice counts once
    assert trace.inputs["months"] == 2 and trace.version == P.version
    with pytest.raises(InvalidInput, match="deemed months"):
        retirement_window(r, [], -1, P)
    with pytest.raises(InvalidInput, match="contribution month"):
        retirement_window(r, ["2014-13"], 0, P)

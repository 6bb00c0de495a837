"""The 2025 retirement reform: n = months from 2024-12 to the original-age month; delay min(ceil(n/4), 36) for
men and female55, min(ceil(n/2), 60) for female50; the minimum contribution years by retirement year."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.engine.params import load_params
from sirecords.engine.retirement import minimum_contribution_months, pension_eligibility, statutory_retirement

P = load_params("national", 2025)


def _r(birth, category):
    r = statutory_retirement(birth, category, P).value
    return r.delay_months, str(r.statutory_age), str(r.retirement_month), r.minimum_contribution_months


@pytest.mark.parametrize(
    ("birth", "category", "expected"),
    [
        # men: born 1964-12 reach 60 in 2024-12 → n = 0 → no delay
        ("1964-12", "male", (0, "60y0m", "2024-12", 180)),
        # born 1965-01 reach 60 in 2025-01 → n = 1 → ceil(1/4) = 1 → 60y1m, 1965-01 + 60y1m = 2025-02
        ("1965-01", "male", (1, "60y1m", "2025-02", 180)),
        ("1965-04", "male", (1, "60y1m", "2025-05", 180)),  # n = 4 → 1
        ("1965-05", "male", (2, "60y2m", "2025-07", 180)),  # n = 5 → 2
        # n = 73 → ceil(73/4) = 19 → 61y7m; 1971-01 + 61y7m = 2032-08; minimum for 2032: 15y + 3 × 6m = 198
        ("1971-01", "male", (19, "61y7m", "2032-08", 198)),
        # cap: born 1976-08 → n = 140 → 35; 1976-09 → n = 141 → ceil = 36 → 63y0m in 2039-09 (20 years minimum)
        ("1976-08", "male", (35, "62y11m", "2039-07", 240)),
        ("1976-09", "male", (36, "63y0m", "2039-09", 240)),
        ("1990-01", "male", (36, "63y0m", "2053-01", 240)),  # n = 301 → 76, capped at 36
        # female55 (cadre-type): 1969-12 → n = 0; 1970-01 → n = 1 → 1
        ("1969-12", "female55", (0, "55y0m", "2024-12", 180)),
        ("1970-01", "female55", (1, "55y1m", "2025-02", 180)),
        # born 1974-12 reach 55 in 2029-12 → n = 60 → 15 months = 1y3m → 56y3m; 1974-12 + 56y3m = 2031-03
        # (minimum for 2031: 15y + 2 × 6m = 192)
        ("1974-12", "female55", (15, "56y3m", "2031-03", 192)),
        # born 1975-01 → n = 61 → ceil(61/4) = 16 → 56y4m, 2031-05
        ("1975-01", "female55", (16, "56y4m", "2031-05", 192)),
        # born 1974-09 reach 55 in 2029-09 → n = 57 → ceil(57/4) = 15 → 56y3m, 2030-12 (minimum for 2030: 186)
        ("1974-09", "female55", (15, "56y3m", "2030-12", 186)),
        ("1981-09", "female55", (36, "58y0m", "2039-09", 240)),  # n = 141 → 36, the cap
        # female50 (worker-type): 1974-12 reach 50 in 2024-12 → no delay; 1975-01 → n = 1 → ceil(1/2) = 1
        ("1974-12", "female50", (0, "50y0m", "2024-12", 180)),
        ("1975-01", "female50", (1, "50y1m", "2025-02", 180)),
        ("1975-02", "female50", (1, "50y1m", "2025-03", 180)),  # n = 2 → 1
        ("1975-03", "female50", (2, "50y2m", "2025-05", 180)),  # n = 3 → 2
        # cap: 1984-10 → n = 118 → 59; 1984-11 → n = 119 → ceil = 60 → 55y0m in 2039-11
        ("1984-10", "female50", (59, "54y11m", "2039-09", 240)),
        ("1984-11", "female50", (60, "55y0m", "2039-11", 240)),
        ("1995-06", "female50", (60, "55y0m", "2050-06", 240)),
        # reached the original age long before the reform
        ("1950-03", "male", (0, "60y0m", "2010-03", 180)),
    ],
)
def test_reform_boundaries(birth, category, expected):
    assert _r(birth, category) == expected


@pytest.mark.parametrize(("year", "months"), [(2010, 180), (2029, 180), (2030, 186), (2031, 192), (2038, 234), (2039, 240),
                                              (2060, 240)])
def test_minimum_contribution_schedule(year, months):
    # 15 years up to 2029; +6 months a year from 2030 (2038: 19y6m); 20 years from 2039
    assert minimum_contribution_months(year, P).value == months


def test_flexible_retirement_bounds():
    # men born 1976-09: statutory 2039-09; earliest = max(original 2036-09, 2039-09 − 36m = 2036-09); latest 2042-09
    r = statutory_retirement("1976-09", "male", P).value
    assert (str(r.flexible_earliest_month), str(r.flexible_latest_month)) == ("2036-09", "2042-09")
    # female50 born 1984-11: statutory 55y0m in 2039-11; 36 months earlier is 52y0m (2036-11), above the original 50
    r = statutory_retirement("1984-11", "female50", P).value
    assert (str(r.flexible_earliest_month), str(r.flexible_latest_month)) == ("2036-11", "2042-11")
    # no delay: never below the original age
    r = statutory_retirement("1964-12", "male", P).value
    assert str(r.flexible_earliest_month) == "2024-12"


def test_eligibility():
    # 179 months in 2029 (minimum 180): one month short; 186 months in 2030: eligible
    short = pension_eligibility(179, 2029, P).value
    assert (short.eligible, short.shortfall_months) == (False, 1)
    assert pension_eligibility(186, 2030, P).value.eligible
    assert not pension_eligibility(230, 2039, P).value.eligible


def test_trace_and_bad_input():
    trace = statutory_retirement("1965-01", "male", P).trace
    assert trace.version == P.version
    assert [s.formula for s in trace.steps][:3] == ["1965-01 + 60y = 2025-01", "2025-01 − 2024-12 = 1",
                                                     "min(⌈1 / 4⌉, 36) = min(1, 36) = 1"]
    with pytest.raises(InvalidInput, match="category"):
        statutory_retirement("1965-01", "female", P)
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        statutory_retirement("1965-1", "male", P)


births = st.integers(min_value=1950 * 12, max_value=2010 * 12).map(Month.from_ordinal)


@given(births, st.sampled_from(["male", "female55", "female50"]))
def test_delay_is_bounded_and_never_decreases(birth, category):
    r = statutory_retirement(birth, category, P).value
    later = statutory_retirement(birth + 1, category, P).value
    cap = 60 if category == "female50" else 36
    assert 0 <= r.delay_months <= cap
    assert r.delay_months <= later.delay_months <= r.delay_months + 1
    assert r.retirement_month < later.retirement_month  # a month younger never retires earlier

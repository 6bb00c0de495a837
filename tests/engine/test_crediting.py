"""Annual crediting: monthly accumulation and annual (1.083) methods, part years, rounding, recomputation."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirecords.core.money import InvalidInput
from sirecords.engine.crediting import credit_account_year, credit_year, credit_year_values, recredit_year
from sirecords.engine.params import load_params

TWELVE = ["800.00"] * 12


def test_monthly_accumulation_by_hand():
    # prior 10000.00 at 2.62%: 10000 × 0.0262 = 262.00
    # credits 12 × 800.00: Σ credit_n × (13 − n) = 800 × (12 + 11 + … + 1) = 800 × 78 = 62400
    # interest = 0.0262 / 12 × 62400 = 136.24; year end = 10000 + 262.00 + 9600 + 136.24 = 19998.24
    c = credit_year("10000.00", TWELVE, "0.0262").value
    assert (c.interest_on_prior, c.interest_on_credits, c.credits, c.year_end) == (D("262.00"), D("136.24"), D("9600.00"), D("19998.24"))


def test_annual_method_1083_applies_to_the_rate_term_only():
    # credits 9600 × 0.0262 × 1.083 / 2 = 136.19808 → 136.20; the prior earns plain 262.00,
    # not 10000 × 0.0262 × 1.083 = 283.75, and the principal is not multiplied by 1.083.
    c = credit_year("10000.00", TWELVE, "0.0262", method="annual").value
    assert (c.interest_on_prior, c.interest_on_credits, c.year_end) == (D("262.00"), D("136.20"), D("19998.20"))
    assert c.year_end == D("10000.00") * (1 + D("0.0262")) + D("9600.00") + D("136.20")


def test_when_in_the_year_a_credit_comes_matters():
    # 1200.00 in January earns 12 months: 1200 × 0.03 / 12 × 12 = 36.00; in December 1 month: 3.00
    january = credit_year("0", ["1200.00"] + ["0"] * 11, "0.03").value
    december = credit_year("0", ["0"] * 11 + ["1200.00"], "0.03").value
    assert (january.interest_on_credits, december.interest_on_credits) == (D("36.00"), D("3.00"))
    # the annual method only sees the total: 1200 × 0.03 × 1.083 / 2 = 19.494 → 19.49 either way
    assert credit_year("0", ["0"] * 11 + ["1200.00"], "0.03", method="annual").value.interest_on_credits == D("19.49")


def test_part_year():
    # retirement after 6 months at 3%: prior 10000.00 × 6 × 0.03 / 12 = 150.00
    # credits 6 × 500.00 weighted 500 × (6 + 5 + 4 + 3 + 2 + 1) = 10500; 0.03 / 12 × 10500 = 26.25
    c = credit_year("10000.00", ["500.00"] * 6, "0.03", months=6).value
    assert (c.interest_on_prior, c.interest_on_credits, c.year_end) == (D("150.00"), D("26.25"), D("13176.25"))
    # one month: 10000 × 1 × 0.0262 / 12 = 21.8333 → 21.83
    assert credit_year("10000.00", ["0"], "0.0262", months=1).value.interest_on_prior == D("21.83")


def test_part_year_needs_the_monthly_method_and_one_credit_per_month():
    with pytest.raises(InvalidInput, match="annual"):
        credit_year("1.00", ["1.00"] * 6, "0.03", months=6, method="annual")
    with pytest.raises(InvalidInput, match="12 expected, got 11"):
        credit_year("1.00", ["1.00"] * 11, "0.03")
    with pytest.raises(InvalidInput, match="months"):
        credit_year("1.00", [], "0.03", months=0)


def test_rounding_at_exactly_half_a_fen():
    # prior 100.50 × 0.05 = 5.025 exactly → 5.03 half-up (5.02 half-even); 见分进角: 5.03 → 5.10
    assert credit_year("100.50", ["0"] * 12, "0.05").value.interest_on_prior == D("5.03")
    assert credit_year("100.50", ["0"] * 12, "0.05", rounding="jiao_up").value.interest_on_prior == D("5.10")
    # a December credit of 1001.00 at 6%: 0.06 / 12 × 1001 × 1 = 5.005 → 5.01; 见分进角 → 5.10
    dec = ["0"] * 11 + ["1001.00"]
    assert credit_year("0", dec, "0.06").value.interest_on_credits == D("5.01")
    assert credit_year("0", dec, "0.06", rounding="jiao_up").value.interest_on_credits == D("5.10")
    # 见分进角 leaves a whole jiao alone: 10000 × 0.0262 = 262.00
    assert credit_year("10000.00", TWELVE, "0.0262", rounding="jiao_up").value.interest_on_prior == D("262.00")
    # …and raises 136.24 to 136.30
    assert credit_year("10000.00", TWELVE, "0.0262", rounding="jiao_up").value.interest_on_credits == D("136.30")


def test_recomputation_from_provisional_to_official():
    # credited at a provisional 2.62%: 262.00 + 136.24 = 398.24
    # official 3.00%: 10000 × 0.03 = 300.00; 0.03 / 12 × 62400 = 156.00; 456.00 → difference 57.76
    r = recredit_year("10000.00", TWELVE, "0.0262", "0.03").value
    assert (r.before.interest, r.after.interest, r.interest_difference, r.year_end_difference) == (
        D("398.24"), D("456.00"), D("57.76"), D("57.76"))
    # an official rate below the provisional one gives a negative difference: 2.50%: 250.00 + 130.00 = 380.00
    assert recredit_year("10000.00", TWELVE, "0.0262", "0.025").value.interest_difference == D("-18.24")
    # the same rate: nothing to post
    assert recredit_year("10000.00", TWELVE, "0.0262", "0.0262").value.interest_difference == 0


def test_crediting_with_a_parameter_set():
    p = load_params("national", 2025)  # provisional 2.62 %
    result = credit_account_year(p, "10000.00", TWELVE)
    assert result.value.year_end == D("19998.24")
    assert result.trace.version == p.version and result.trace.inputs["rate_status"] == "provisional"
    # 2015 in the demo region: regional rate 2.50 %: 250.00 + 0.025 / 12 × 62400 = 130.00
    assert credit_account_year(load_params("440300", 2015), "10000.00", TWELVE).value.year_end == D("19980.00")


def test_trace_shows_the_formula():
    steps = {s.name: s for s in credit_year("10000.00", TWELVE, "0.0262").trace.steps}
    assert steps["weighted_credits"].value == D("62400.00")
    assert steps["interest_on_credits"].formula == "0.0262 / 12 × 62400.00 = 136.24 → 136.24"
    assert "月积数" in steps["interest_on_credits"].zh


def test_bad_input():
    with pytest.raises(InvalidInput, match="negative"):
        credit_year("-1.00", TWELVE, "0.03")
    with pytest.raises(InvalidInput, match="credit of month 3"):
        credit_year("1.00", ["1", "1", "x"] + ["1"] * 9, "0.03")
    with pytest.raises(InvalidInput, match="method"):
        credit_year("1.00", TWELVE, "0.03", method="daily")
    with pytest.raises(InvalidInput, match="sequence"):
        credit_year("1.00", "800", "0.03")


money = st.integers(min_value=0, max_value=10**8).map(lambda n: D(n) / 100)
rates = st.integers(min_value=0, max_value=1500).map(lambda n: D(n) / 10000)


@given(prior=money, credit=money, rate=rates)
def test_equal_credits_monthly_close_to_annual(prior, credit, rate):
    # monthly: r / 12 × c × 78 = 6.5 r c; annual: 12 c × r × 1.083 / 2 = 6.498 r c → differ by 0.002 r c (+ rounding)
    monthly = credit_year_values(prior, [credit] * 12, rate)
    annual = credit_year_values(prior, [credit] * 12, rate, method="annual")
    assert monthly.interest_on_prior == annual.interest_on_prior
    assert abs(monthly.interest_on_credits - annual.interest_on_credits) <= D("0.002") * rate * credit + D("0.01")


@given(prior=money, credits=st.lists(money, min_size=12, max_size=12), rate=rates, jiao=st.booleans())
def test_figures_add_up_and_grow_with_the_rate(prior, credits, rate, jiao):
    rounding = "jiao_up" if jiao else "half_up"
    c = credit_year_values(prior, credits, rate, rounding=rounding)
    assert c.year_end == c.prior + c.interest_on_prior + c.credits + c.interest_on_credits
    assert c.interest_on_prior >= 0 and c.interest_on_credits >= 0
    assert credit_year_values(prior, credits, rate + D("0.001"), rounding=rounding).year_end >= c.year_end
    assert credit_year(prior, credits, rate, rounding=rounding).value == c  # traced and bulk give the same figures

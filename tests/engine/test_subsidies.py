"""The subsidy of one month: a share of what the covered parties paid, at most at the base floor."""

from __future__ import annotations

from decimal import Decimal as D

from sirecords.engine.contributions import contribution
from sirecords.engine.params import SubsidyScheme, load_params
from sirecords.engine.subsidies import subsidy_for_month

PARAMS = load_params("440300", 2024)
FLOOR = PARAMS.reference_average_wage * PARAMS.floor_ratio


def scheme(**changes) -> SubsidyScheme:
    values = {"scheme": "test_scheme", "title": "t", "share": D("1"), "types": ("pension",), "parties": ("employer",),
              "base": "floor", "max_months": 36}
    return SubsidyScheme(**{**values, **changes})


def test_the_demo_regions_schemes_are_read_from_its_parameters():
    difficulty = PARAMS.subsidy_scheme("employment_difficulty")
    assert (difficulty.share, difficulty.types, difficulty.parties, difficulty.base, difficulty.max_months) == (
        D("1"), ("pension", "medical", "unemployment"), ("employer",), "floor", 36)
    assert PARAMS.deemed_service_before.year == 1992 and PARAMS.deemed_minimum_age == 16


def test_below_the_floor_the_paid_amount_is_covered_in_full():
    result = subsidy_for_month(PARAMS, scheme(), insurance_type="pension", employer_paid=D("100.00"), individual_paid=D("50.00"))
    assert result.value == D("100.00")
    assert result.trace.steps[-1].name == "subsidy"


def test_above_the_floor_only_the_amount_due_at_the_floor_is_covered():
    at_floor = contribution(PARAMS, FLOOR).value.employer_amount
    result = subsidy_for_month(PARAMS, scheme(), insurance_type="pension", employer_paid=at_floor * 3, individual_paid=D(0))
    assert result.value == at_floor
    actual = subsidy_for_month(PARAMS, scheme(base="actual"), insurance_type="pension", employer_paid=at_floor * 3,
                               individual_paid=D(0))
    assert actual.value == at_floor * 3


def test_the_share_is_rounded_to_the_fen_half_up_and_never_exceeds_the_paid_amount():
    two_thirds = scheme(share=D("0.6667"), parties=("individual",))
    assert subsidy_for_month(PARAMS, two_thirds, insurance_type="pension", employer_paid=D(0),
                             individual_paid=D("100.01")).value == D("66.68")  # 66.676667 → 66.68
    assert subsidy_for_month(PARAMS, two_thirds, insurance_type="pension", employer_paid=D(0),
                             individual_paid=D("0.01")).value == D("0.01")
    both = scheme(parties=("employer", "individual"), base="actual")
    assert subsidy_for_month(PARAMS, both, insurance_type="pension", employer_paid=D("10"), individual_paid=D("5")).value == D("15")


def test_a_type_the_scheme_does_not_cover_gets_nothing():
    result = subsidy_for_month(PARAMS, scheme(), insurance_type="medical", employer_paid=D("100"), individual_paid=D("0"))
    assert result.value == D(0)

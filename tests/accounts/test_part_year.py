"""The part year (retirement, death: benefits.compute.account_part_year) credits the first m months of the year on
the region's crediting basis: by arrival the credits paid in months 1…m, by period those for months 1…m."""

from __future__ import annotations

import pytest

from sirecords.benefits.compute import account_part_year, monthly_credits_fen

from .test_crediting import current

pytestmark = pytest.mark.django_db

S = "s" * 32


@pytest.fixture
def retiring(add_contributions, run_year):
    """2023 credited; 500.00 a month in 2024, January–March paid on time, April and May paid on 2024-06-10."""
    add_contributions([(S, "e1", f"2023-{m:02d}", 50000) for m in range(1, 13)])
    run_year(2023)
    add_contributions([(S, "e1", f"2024-{m:02d}", 50000) for m in (1, 2, 3)]
                      + [(S, "e1", f"2024-{m:02d}", 50000, "2024-06-10") for m in (4, 5)])
    return current(S, 2023)[4]


def test_by_arrival_the_part_year_holds_the_credits_paid_in_its_months(retiring):
    assert monthly_credits_fen(S, 2024, 5) == [50000, 50000, 50000, 0, 0]
    assert monthly_credits_fen(S, 2024, 6) == [50000, 50000, 50000, 0, 0, 100000]
    balance, figures, trace = account_part_year(S, 2024, 5, "440300", field="retirement_month", event="a retirement")
    # credit-months 500.00 × (5 + 4 + 3) = 6,000.00 × 2.62% / 12 = 13.10; the opening earns 5 months
    on_prior = (retiring * 5 * 262 + 60000) // 120000
    assert (figures["opening_fen"], figures["credits_fen"], figures["interest_on_credits_fen"]) == (retiring, 150000, 1310)
    assert figures["interest_on_prior_fen"] == on_prior and balance == retiring + on_prior + 150000 + 1310
    assert trace is not None


def test_by_period_the_part_year_holds_the_credits_for_its_months(retiring, crediting_params):
    crediting_params(2024, interest_from="period")
    assert monthly_credits_fen(S, 2024, 5, "period") == [50000] * 5
    balance, figures, _trace = account_part_year(S, 2024, 5, "440300", field="retirement_month", event="a retirement")
    # credit-months 500.00 × (5 + 4 + 3 + 2 + 1) = 7,500.00 × 2.62% / 12 = 16.375 → 16.38
    assert (figures["credits_fen"], figures["interest_on_credits_fen"]) == (250000, 1638)
    assert balance == retiring + figures["interest_on_prior_fen"] + 250000 + 1638

"""Crediting by the month the money arrived (issue #12 point 2): the annual run credits each paid credit in the year
and month of its crediting position — by arrival (the default) the month it was paid, by period its contribution
month — with the worked figures of docs/crediting.md; a payment for a closed year; the summary's verify check."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from sirecords.accounts.models import AccountYear
from sirecords.ledger.verify import verify as verify_all

from .test_crediting import current, verify

pytestmark = pytest.mark.django_db

P, Q, R = "p" * 32, "q" * 32, "r" * 32


@pytest.fixture
def paid_in_december(add_contributions):
    """The issue's flexible worker: 12 × 800.00 for 2024-01…12, all paid on 2024-12-20."""
    add_contributions([(P, "flex", f"2024-{m:02d}", 80000, "2024-12-20") for m in range(1, 13)])


def test_by_arrival_all_of_2024_paid_in_december_earns_20_96(paid_in_december, run_year):
    run = run_year(2024)
    assert run.plan.interest_from == "arrival"
    # all 9,600.00 arrived in December: one month of interest, 9,600.00 × 2.62% / 12 = 20.96
    assert current(P, 2024) == (0, 960000, 0, 2096, 962096)
    row = AccountYear.objects.get(person_id=P, year=2024)
    assert row.interest_from == "arrival" and row.run.interest_from == "arrival"
    assert verify().ok


def test_by_period_the_same_payments_earn_136_24(paid_in_december, run_year, crediting_params):
    crediting_params(2024, interest_from="period")
    run_year(2024)
    # 800.00 × (12 + 11 + … + 1) = 62,400.00 credit-months × 2.62% / 12 = 136.24
    assert current(P, 2024) == (0, 960000, 0, 13624, 973624)
    assert AccountYear.objects.get(person_id=P, year=2024).interest_from == "period"
    assert verify().ok


def test_a_changed_basis_replans_the_year(paid_in_december, run_year, crediting_params):
    run_year(2024)
    crediting_params(2024, interest_from="period")
    again = run_year(2024)
    assert (again.plan.row_count, again.plan.replaced) == (1, 1)
    assert current(P, 2024)[3] == 13624
    assert AccountYear.objects.filter(person_id=P, year=2024).count() == 2  # the arrival row stays as history
    assert verify().ok


def test_a_december_contribution_paid_in_january_is_credited_next_year(add_contributions, run_year):
    add_contributions([(Q, "e1", f"2024-{m:02d}", 80000) for m in range(1, 12)]  # paid on time
                      + [(Q, "e1", "2024-12", 80000, "2025-01-10")])
    run_year(2024)
    # 11 credits: 800.00 × (12 + 11 + … + 2) = 61,600.00 credit-months × 2.62% / 12 = 134.493… → 134.49
    assert current(Q, 2024) == (0, 880000, 0, 13449, 893449)
    run_year(2025)
    # 2025: the opening 8,934.49 × 2.62% = 234.08 (234.0836 → 234.08); December's 800.00 arrived in January: 12
    # months, 800.00 × 2.62% = 20.96
    assert current(Q, 2025) == (893449, 80000, 23408, 2096, 893449 + 23408 + 80000 + 2096)
    assert verify().ok


def test_arrears_paid_late_reach_the_year_they_arrive_in_by_arrival(add_contributions, run_year):
    """A month of 2024 paid in 2025 (after 2024 was closed) by arrival: 2024 stays as credited, 2025 takes it."""
    add_contributions([(R, "e1", f"2024-{m:02d}", 50000) for m in range(1, 13)])
    run_year(2024)
    closed = current(R, 2024)
    add_contributions([(R, "e2", "2024-06", 30000, "2025-03-05")])  # the arrears payment
    assert run_year(2024).txn is None  # nothing changes in 2024
    assert current(R, 2024) == closed
    run_year(2025)
    opening = closed[4]
    on_prior = (opening * 262 + 5000) // 10000  # opening × 2.62%, half-up
    # arrived in March: 10 months, 300.00 × 2.62% × 10 / 12 = 6.55
    assert current(R, 2025) == (opening, 30000, on_prior, 655, opening + on_prior + 30000 + 655)


def test_arrears_for_a_closed_year_by_period_replan_it_and_carry_forward(add_contributions, run_year, crediting_params,
                                                                        crew, capsys):
    """By period, a payment for a closed year changes that year: its next run plans the account and posts the
    difference, and `sirecords credit --year Y+1` then carries the changed closing forward."""
    crediting_params(2024, interest_from="period")
    crediting_params(2025, interest_from="period")
    add_contributions([(R, "e1", f"{y}-{m:02d}", 50000) for y in (2024, 2025) for m in range(1, 13)])
    run_year(2024)
    run_year(2025)
    before_24, before_25 = current(R, 2024), current(R, 2025)
    add_contributions([(R, "e2", "2024-06", 30000, "2025-03-05")])  # 2024-06 paid in 2025: credited in June 2024
    rerun = run_year(2024)
    assert (rerun.plan.row_count, rerun.plan.replaced, rerun.plan.later_years) == (1, 1, 1)
    after_24 = current(R, 2024)
    # the difference: 300.00 more credits and their 7 months of interest, 300.00 × 2.62% × 7 / 12 = 4.585 → 4.59
    assert (after_24[1] - before_24[1], after_24[3] - before_24[3], after_24[4] - before_24[4]) == (30000, 459, 30459)
    assert current(R, 2025) == before_25  # not rewritten by the run of 2024
    call_command("credit", "--year", "2025", "--actor", "maint.t", "--reason", "carry forward", "--region", "440300")
    out = capsys.readouterr().out
    assert "interest from period" in out and "rows to post: 1" in out
    from sirecords.accounts.services import approve
    from sirecords.workflow.models import BusinessTransaction

    approve(BusinessTransaction.objects.filter(type="credit_accounts", state="submitted").get(), crew["reviewers"])
    after_25 = current(R, 2025)
    # 2025's opening is 2024's new closing; its interest grows by 304.59 × 2.62% = 7.98
    assert after_25[0] == after_24[4] and after_25[2] - before_25[2] == 798
    assert after_25[1:4:2] == before_25[1:4:2]  # the credits of 2025 and their interest are unchanged
    assert run_year(2025).txn is None
    assert verify().ok


def test_verify_names_a_tampered_summary_row(paid_in_december):
    def summary_findings():
        return [f"{f.where}: {f.message}" for f in verify_all().findings if f.where.startswith("contributions_pension_credit")]

    assert summary_findings() == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_pension_credit SET credits_fen = credits_fen + 100 "
                       "WHERE person_id = %s AND basis = 'arrival' AND year = 2024", [P])
    [found] = summary_findings()
    assert found.startswith(f"contributions_pension_credit person {P} year 2024 by arrival: ")
    assert "summary (960100, 960000), rows give (960000, 960000)" in found


def test_the_engine_check_places_the_rows_itself_and_refuses_a_summary_that_disagrees(paid_in_december, crew):
    """The run's sample is recomputed by the engine from the contribution rows: a summary row that says the
    credits arrived earlier than they did (more interest) is refused, naming the account."""
    from sirecords.accounts.crediting import EngineMismatch, forget_plans
    from sirecords.accounts.services import prepare

    with connection.cursor() as cursor:  # as if the 9,600.00 had arrived in January (credit-months × 12)
        cursor.execute("UPDATE contributions_pension_credit SET credit_months_fen = 960000 * 12 "
                       "WHERE person_id = %s AND basis = 'arrival' AND year = 2024", [P])
    forget_plans()
    with pytest.raises(EngineMismatch, match=f"account {P} year 2024: bulk arithmetic gives \\(0, 960000, 0, 25152, "
                                             "985152\\), the rules engine \\(0, 960000, 0, 2096, 962096\\)"):
        prepare(crew["maintainer"], 2024, region="440300", reason="annual crediting")
    assert not AccountYear.objects.exists()


def test_verify_names_a_row_whose_basis_was_changed(paid_in_december, run_year):
    run_year(2024)
    assert verify().ok
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_account_year SET interest_from = 'period' WHERE person_id = %s", [P])
    found = [f"{f.where}: {f.message}" for f in verify().findings]
    assert any(f"person {P}, year 2024" in f and "row changed: its values no longer give the leaf hash" in f for f in found)
    assert any(f"person {P}, year 2024" in f and "crediting basis differ" in f for f in found)

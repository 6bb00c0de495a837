"""Arrears paid late (补缴) and refunds (退费) through the contribution transactions, then credited: by arrival a
month of a closed year paid late is credited in the year the money arrived; by period the closed year is planned
again with its difference; a refund takes the credit out and the next run posts the difference."""

from __future__ import annotations

from datetime import date

import pytest

from sirecords.contributions.models import Contribution
from sirecords.contributions.services import import_file, review_all
from sirecords.core.identifiers import make_id_number
from sirecords.demo.crew import approve_stages
from sirecords.demo.documents import scan
from sirecords.demo.sample_contributions import collection_csv
from sirecords.registry.queries import find_person_by_id_number
from sirecords.workflow.models import State
from sirecords.workflow.services import attach, open_transaction, submit

from .conftest import REGION
from .test_crediting import current, verify

pytestmark = pytest.mark.django_db

ID = make_id_number("440305", date(1985, 7, 9), 123)
ACCOUNT_FEN = 48_590  # a flexible worker at the 2024 floor: 8% of 6,073.80 = 485.90 a month to the account


@pytest.fixture
def reviewers(staff):
    return {stage: staff(f"rev.{stage}", role) for stage, role in
            (("review1", "reviewer1"), ("review2", "reviewer2"), ("review3", "reviewer3"), ("approval", "approver"))}


@pytest.fixture
def flexible(post_fresh, staff, reviewers, run_year):
    """A flexible worker: 2024-01…11 paid on time, December in arrears; 2024 credited."""
    clerk = staff("clerk.x", "clerk")
    post_fresh("register_person", {"id_number": ID, "name": "灵活", "region": "440305"})
    rows = [(ID, "", f"2024-{m:02d}", "pension", 300_000, f"2024-{m:02d}-15") for m in range(1, 12)]
    rows.append((ID, "", "2024-12", "pension", 300_000, ""))
    outcome = import_file(clerk, collection_csv(rows, REGION), reason="2024", file_name="2024.csv", region=REGION)
    assert outcome.ok, outcome.prepared.report_lines()
    review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    person = find_person_by_id_number(ID).uid
    run_year(2024)
    return {"person": person, "clerk": clerk, "reviewers": reviewers}


def posted(f, kind, payload, document):
    txn = open_transaction(f["clerk"], kind, payload, region=REGION, reason="窗口办理", channel="counter")
    attach(f["clerk"], txn, document, scan(kind), "scan.pdf")
    txn = approve_stages(submit(f["clerk"], txn), f["reviewers"])
    assert txn.state == State.POSTED
    return txn


def pay_december_in_march(f):
    posted(f, "pay_arrears", {"person": f["person"], "from": "2024-12", "to": "2024-12", "paid_on": "2025-03-05"},
           "payment_receipt")


def test_by_arrival_december_paid_in_march_is_credited_in_2025(flexible, run_year):
    person = flexible["person"]
    closed = current(person, 2024)
    assert closed[1] == 11 * ACCOUNT_FEN
    pay_december_in_march(flexible)
    assert run_year(2024).txn is None and current(person, 2024) == closed
    run_year(2025)
    opening = closed[4]
    on_prior = (opening * 262 + 5000) // 10000
    # arrived in March: 10 months, 485.90 × 2.62% × 10 / 12 = 10.609… → 10.61
    assert current(person, 2025) == (opening, ACCOUNT_FEN, on_prior, 1061, opening + on_prior + ACCOUNT_FEN + 1061)
    assert verify().ok


def test_by_period_the_closed_year_is_planned_again_with_the_difference(flexible, run_year, crediting_params):
    person = flexible["person"]
    crediting_params(2024, interest_from="period")
    first = run_year(2024)  # the basis changed: the account is planned again (same figures: all paid on time)
    posted_row = current(person, 2024)
    assert first.plan.row_count == 1 and posted_row[2] + posted_row[3] == first.plan.totals["interest_fen"]
    before = current(person, 2024)
    pay_december_in_march(flexible)
    rerun = run_year(2024)
    assert (rerun.plan.row_count, rerun.plan.replaced) == (1, 1)
    after = current(person, 2024)
    # December credited in December 2024: 485.90 more credits with 1 month of interest; the interest on all the
    # credits is rounded once: 485.90 × (12 + 11 + … + 1) × 2.62% / 12 = 82.75 (82.749) against 485.90 × (12 + …
    # + 2) × 2.62% / 12 = 81.69 (81.688)
    assert (after[1] - before[1], before[3], after[3]) == (ACCOUNT_FEN, 8169, 8275)
    assert verify().ok


def test_a_refund_takes_the_credit_out_and_the_rerun_posts_the_difference(flexible, run_year):
    person = flexible["person"]
    before = current(person, 2024)
    row = Contribution.objects.get(person_id=person, period="2024-06")
    posted(flexible, "refund_contributions", {"person": person, "rows": [f"{row.batch_id}:{row.row_number}"],
                                              "ground": "duplicate", "reason": "同月已在他处缴纳"}, "evidence")
    rerun = run_year(2024)
    assert (rerun.plan.row_count, rerun.plan.replaced) == (1, 1)
    after = current(person, 2024)
    # June's 485.90 and its 7 months of interest leave: 485.90 × 7 × 2.62% / 12 = 7.43 (7.4262, on the total)
    assert before[1] - after[1] == ACCOUNT_FEN and before[3] - after[3] == 743
    assert verify().ok

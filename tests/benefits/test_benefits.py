"""Retirement approval with the minimum-years check, the pension award, suspension, death and payments."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from sirecords.benefits.models import Award, Payment
from sirecords.core.money import from_fen, to_fen
from sirecords.engine.crediting import credit_account_year
from sirecords.engine.params import load_params
from sirecords.engine.pension import average_wage_index, pension_for
from sirecords.ledger.verify import verify
from sirecords.transactions.posting import InvalidTransaction

RETIRE = {"category": "male", "retirement_month": "2024-06", "flexible": False}


def benefit_findings(checks=("benefits",)):
    """Findings of these checks (the test set-up's contribution batches are not posted ones: the contributions check
    names them, so the benefit tests look at their own findings and the projection's)."""
    report = verify()
    return [f"{f.where}: {f.message}" for f in report.findings if f.check in checks and "contributions_batch" not in f.where]


def test_a_person_with_enough_months_is_awarded_the_engines_figures(person_with_months, post_fresh):
    person = person_with_months(200)
    entries = post_fresh("approve_retirement", {"person": person, **RETIRE})
    assert [e.kind for e in entries[:2]] == ["eligibility.approved", "pension.awarded"]
    params = load_params("440300", 2024)
    entries_by_month = [(from_fen(900_000), load_params("440300", int(p[:4])).reference_average_wage, 1)
                        for p in [f"{2007 + (k + 9) // 12:04d}-{(k + 9) % 12 + 1:02d}" for k in range(200)]]
    index = average_wage_index(entries_by_month).value
    # Retirement in 2024-06, first pension month 2024-07 (次月): the months before it count. The account: the 2023
    # closing, then 2024-01…06 credited as a part year (6 months × r / 12; June unpaid, credited 0).
    part_year = credit_account_year(params, Decimal("120000.00"), [from_fen(900_000 // 12)] * 5 + [Decimal(0)], months=6).value
    assert part_year.year_end > Decimal("120000.00") + 5 * from_fen(900_000 // 12)
    expected = pension_for(params, wage_index=index, contribution_months=200, balance=part_year.year_end, age="60").value
    award = Award.objects.get(person_id=person)
    assert (award.basic_fen, award.account_fen, award.transitional_fen, award.total_fen) == (
        to_fen(expected.basic_part), to_fen(expected.account_part), to_fen(expected.transitional_part), to_fen(expected.total))
    assert award.total_fen == award.basic_fen + award.account_fen + award.transitional_fen > 0
    assert award.status == "active" and award.start_month == "2024-07" and award.rule_version == params.version
    payload = entries[1].payload
    assert payload["account_year"] == {
        "year": 2024, "months": 6, "opening_fen": 12_000_000, "credits_fen": 5 * (900_000 // 12),
        "interest_on_prior_fen": to_fen(part_year.interest_on_prior), "interest_on_credits_fen": to_fen(part_year.interest_on_credits),
        "closing_fen": to_fen(part_year.year_end), "rate": str(params.crediting_rate), "rate_status": params.crediting_rate_status,
        "rule_version": params.version}
    assert payload["balance_fen"] == to_fen(part_year.year_end)
    assert (payload["retirement_month"], payload["start_month"], payload["extension"]) == ("2024-06", "2024-07", False)
    assert all(isinstance(payload[k], int) for k in ("basic_fen", "account_fen", "transitional_fen", "total_fen"))
    assert json.loads(award.trace)["pension"]["value"]  # the engine's trace, kept for "why is my pension this amount"
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_too_few_months_is_refused_with_held_and_needed(person_with_months, post_fresh):
    # 120 months to 2024-05, 60 short of 180: contributing on from the statutory month 2024-06 reaches the minimum
    # for a retirement in 2024-06 + 60 = 2029-06
    person = person_with_months(120)
    with pytest.raises(InvalidTransaction, match=r"120 contribution months held, 180 needed for retirement in 2024 "
                                                 r"\(short by 60 months\); contributions may go on \(延长缴费\) to a "
                                                 r"retirement in 2029-06"):
        post_fresh("approve_retirement", {"person": person, **RETIRE})
    assert not Award.objects.exists()


def test_extension_retires_when_the_minimum_is_reached(person_with_months, post_fresh):
    # a man born 1964-06 (statutory 2024-06, no window) paid 180 months to 2025-03: 170 by the statutory month,
    # 10 more by extension (延长缴费). He retires in 2025-03, the month the 180th is paid; the pension from 2025-04.
    person = person_with_months(180, last="2025-03", credited=2024)
    with pytest.raises(InvalidTransaction, match="nor the month the minimum contribution months are reached \\(2025-03\\)"):
        post_fresh("approve_retirement", {"person": person, **RETIRE, "retirement_month": "2025-05"})
    entries = post_fresh("approve_retirement", {"person": person, **RETIRE, "retirement_month": "2025-03"})
    award = entries[1].payload
    assert (award["start_month"], award["contribution_months"], award["extension"]) == ("2025-04", 180, True)
    assert award["account_year"]["months"] == 3  # 2025-01…03 credited as the part year


def test_the_month_must_be_statutory_or_in_the_flexible_window(person_with_months, post_fresh):
    # born 1964-06: 60 in 2024-06, before the reform (n = −6): no flexible window
    before = person_with_months(200)
    with pytest.raises(InvalidTransaction, match="not the statutory retirement month 2024-06"):
        post_fresh("approve_retirement", {"person": before, **RETIRE, "retirement_month": "2024-09"})
    with pytest.raises(InvalidTransaction, match="before the 2025 reform, which gives no flexible window"):
        post_fresh("approve_retirement", {"person": before, **RETIRE, "retirement_month": "2024-09", "flexible": True})
    with pytest.raises(InvalidTransaction, match="does not fit"):
        post_fresh("approve_retirement", {"person": before, **RETIRE, "category": "female50"})
    # born 1965-06: original 60 in 2025-06 (n = 6, delay 2): statutory 2025-08, window 2025-06 … 2028-08
    after = person_with_months(200, birth=date(1965, 6, 15), last="2025-05", credited=2024)
    with pytest.raises(InvalidTransaction, match="before the earliest elastic early retirement month 2025-06"):
        post_fresh("approve_retirement", {"person": after, **RETIRE, "retirement_month": "2025-05", "flexible": True})
    with pytest.raises(InvalidTransaction, match="outside the flexible window 2025-06 – 2028-08"):
        post_fresh("approve_retirement", {"person": after, **RETIRE, "retirement_month": "2028-09", "flexible": True})
    post_fresh("approve_retirement", {"person": after, **RETIRE, "retirement_month": "2025-06", "flexible": True})
    assert Award.objects.get(person_id=after).start_month == "2025-07"  # elastic early retirement, paid from the month after


def test_elastic_early_needs_the_minimum(person_with_months, post_fresh):
    # born 1965-06 with 175 months to 2025-05: the 180th month would be paid in 2025-10, after the statutory 2025-08
    person = person_with_months(175, birth=date(1965, 6, 15), last="2025-05", credited=2024)
    with pytest.raises(InvalidTransaction, match="reached for a retirement in 2026-01 only"):
        post_fresh("approve_retirement", {"person": person, **RETIRE, "retirement_month": "2025-06", "flexible": True})


def _paid(month):
    return dict(Payment.objects.filter(month=month).values_list("person_id", "amount_fen"))


def test_suspension_stops_payments_resumption_restarts_them_and_death_ends_them(person_with_months, post_fresh):
    one, two = person_with_months(200), person_with_months(190)
    for person in (one, two):
        post_fresh("approve_retirement", {"person": person, **RETIRE})
    awards = dict(Award.objects.values_list("person_id", "total_fen"))
    post_fresh("pay_pensions", {"month": "2024-07"})
    assert _paid("2024-07") == awards
    post_fresh("suspend_benefit", {"person": one, "reason": "未按时完成资格认证"})
    post_fresh("pay_pensions", {"month": "2024-08"})
    assert _paid("2024-08") == {two: awards[two]}
    post_fresh("resume_benefit", {"person": one, "reason": "已完成资格认证"})
    post_fresh("record_death", {"person": two, "date": "2024-09-10"})
    assert Award.objects.get(person_id=two).end_month == "2024-10"
    post_fresh("pay_pensions", {"month": "2024-09"})
    assert _paid("2024-09") == awards  # the month of death is still paid
    post_fresh("pay_pensions", {"month": "2024-10"})
    assert _paid("2024-10") == {one: awards[one]}
    with pytest.raises(InvalidTransaction, match="has no active pension award"):
        post_fresh("suspend_benefit", {"person": two, "reason": "x"})
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_payments_are_made_once_per_month(person_with_months, post_fresh):
    person = person_with_months(200)
    post_fresh("approve_retirement", {"person": person, **RETIRE})
    post_fresh("pay_pensions", {"month": "2024-07"})
    with pytest.raises(InvalidTransaction, match="already paid"):
        post_fresh("pay_pensions", {"month": "2024-07"})
    assert Payment.objects.filter(month="2024-07").count() == 1


def test_pay_pensions_through_the_workflow_is_idempotent(person_with_months, post_fresh, staff):
    from sirecords.benefits.services import prepare_payments as prepare
    from sirecords.workflow.services import review

    post_fresh("approve_retirement", {"person": person_with_months(200), **RETIRE})
    maintainer, r1, approver = staff("m.t", "maintainer"), staff("r1.t", "reviewer1"), staff("a.t", "approver")
    txn = prepare(maintainer, "2024-07", region="440300", reason="monthly payments")
    assert txn.stage_list == ["review1", "approval"]
    txn = review(approver, review(r1, txn, "approve", "ok"), "approve", "ok")
    assert Payment.objects.filter(month="2024-07").count() == 1
    assert prepare(maintainer, "2024-07", region="440300", reason="again") is None


@pytest.mark.parametrize("change", ["amount", "delete", "add"])
def test_verify_finds_a_tampered_payment_row(person_with_months, post_fresh, change):
    for months in (200, 190):
        post_fresh("approve_retirement", {"person": person_with_months(months), **RETIRE})
    post_fresh("pay_pensions", {"month": "2024-07"})
    assert benefit_findings() == []
    row = Payment.objects.filter(month="2024-07").order_by("row_number").last()
    with connection.cursor() as cursor:
        if change == "amount":
            cursor.execute("UPDATE benefits_payment SET amount_fen = amount_fen + 100 WHERE id = %s", [row.pk])
        elif change == "delete":
            cursor.execute("DELETE FROM benefits_payment WHERE id = %s", [row.pk])
        else:
            cursor.execute("INSERT INTO benefits_payment (month, row_number, person_id, award_id, amount_fen, back_pay_fen, run) "
                           "VALUES ('2024-08', 1, %s, %s, 100, 0, 'x')", [row.person_id, row.award_id])
    found = benefit_findings()
    assert found
    assert any({"amount": f"pk={row.pk}", "delete": f"row {row.row_number}", "add": "2024-08"}[change] in f for f in found), found

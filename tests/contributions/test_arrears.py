"""Arrears paid late (补缴) with the engine's late fee, refunds (退费) and corrections (更正) of contribution rows:
the months that count follow, the credit summary follows, the rows themselves never change, verify names tampering.
The figures are docs/contributions.md's worked example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from sirecords.accounts.years import actual_months
from sirecords.contributions import arrears
from sirecords.contributions.models import Contribution, PensionCredit, Reversal
from sirecords.contributions.services import import_file, review_all
from sirecords.demo.crew import approve_stages
from sirecords.demo.documents import scan
from sirecords.demo.sample_contributions import collection_csv
from sirecords.engine.late_fees import late_fee_for
from sirecords.ledger.context import WriteContext
from sirecords.ledger.verify import verify
from sirecords.parameters.queries import loaded_param_set
from sirecords.registry.maintenance_log import maintenance_log
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.models import State
from sirecords.workflow.services import attach, check_draft, open_transaction, submit

from .conftest import REGION

pytestmark = pytest.mark.django_db

MONTHS = ("2024-01", "2024-02", "2024-03")
# The flexible worker's wage 3,000.00 is under the 2024 floor (6,073.80): her base is the floor, her pension
# contribution 20% of it (1,214.76), her account credit 8% (485.904 → 485.90).
FLOOR_FEN = 607_380  # 2024 floor in fen (60% of the 2024 reference wage), as the engine computes it
AMOUNT_FEN = 121_476  # 20% of the floor: the month's amount in arrears
ACCOUNT_FEN = 48_590  # 8% of the floor: the month's account credit


@pytest.fixture
def clerk(staff):
    return staff("clerk.a", "clerk")


@pytest.fixture
def imported(registry, load_params, reviewers, clerk):
    """Q1 2024: two employees paid on time (pension and medical), a flexible worker's pension in arrears."""
    load_params(2024)
    rows = []
    for period in MONTHS:
        for number in registry["ids"][:2]:
            rows += [(number, registry["uscc"], period, kind, 650_000, f"{period}-15") for kind in ("pension", "medical")]
        rows.append((registry["ids"][2], "", period, "pension", 300_000, ""))
    outcome = import_file(clerk, collection_csv(rows, REGION), reason="2024Q1", file_name="q1.csv", region=REGION)
    assert outcome.ok, outcome.prepared.report_lines()
    review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    persons = [find_person_by_id_number(number).uid for number in registry["ids"]]
    return {"persons": persons, "registry": registry}


def posted(clerk, reviewers, kind, payload, document):
    txn = open_transaction(clerk, kind, payload, region=REGION, reason="窗口办理", channel="counter")
    attach(clerk, txn, document, scan(kind), "scan.pdf")
    txn = approve_stages(submit(clerk, txn), reviewers)
    assert txn.state == State.POSTED
    return txn


def pay(clerk, reviewers, person, first, last, paid_on):
    return posted(clerk, reviewers, "pay_arrears", {"person": person, "from": first, "to": last, "paid_on": paid_on},
                  "payment_receipt")


def draft(kind, payload):
    """The type's checks on a draft, as at submit and at the desk (raises InvalidTransaction)."""
    check_draft(kind, payload, WriteContext(actor="clerk.a", reason="r", channel="counter", region=REGION))


def credits(person, year=2024):
    """The year's pension credits in the per person-year summary the crediting reads (its credit-months, which depend
    on the crediting's positions, are checked against the rows by verify in each test)."""
    return PensionCredit.objects.filter(person_id=person, year=year).values_list("credits_fen", flat=True).first() or 0


def findings():
    return [(f.where, f.message) for f in verify().findings]


def test_a_month_in_arrears_paid_at_the_desk_counts_and_carries_the_engines_late_fee(imported, clerk, reviewers):
    flexible = imported["persons"][2]
    assert [d.period for d in arrears.in_arrears(flexible)] == list(MONTHS)
    assert actual_months(flexible) == [] and credits(flexible) == 0
    [row] = Contribution.objects.filter(person_id=flexible, period="2024-01")
    assert (row.base_fen, row.arrears_fen, row.account_credit_fen) == (FLOOR_FEN, AMOUNT_FEN, ACCOUNT_FEN)

    txn = pay(clerk, reviewers, flexible, "2024-01", "2024-03", "2024-06-15")

    payments = list(Contribution.objects.filter(person_id=flexible, kind="arrears_payment").order_by("period"))
    assert [(p.period, p.paid_on, p.arrears_fen, p.employer_fen + p.individual_fen) for p in payments] == [
        (m, "2024-06-15", 0, AMOUNT_FEN) for m in MONTHS]
    # Worked example: 1,214.76 due 2024-01-31, paid 2024-06-15: 136 days (29 + 31 + 30 + 31 + 15);
    # 1,214.76 × 0.0005 × 136 = 82.60368 → 82.60. 2024-02 (due 02-29): 107 days → 64.98966 → 64.99;
    # 2024-03 (due 03-31): 76 days → 46.16088 → 46.16.
    assert [p.late_fee_fen for p in payments] == [8_260, 6_499, 4_616]
    params = loaded_param_set(payments[0].rule_version)
    for p, days in zip(payments, (136, 107, 76)):
        fee = late_fee_for(params, Decimal("1214.76"), p.period, date(2024, 6, 15)).value
        assert fee.days == days and int(fee.fee * 100) == p.late_fee_fen
    assert {p.batch_id for p in payments} == {txn.uid} and payments[0].batch.source == "counter"
    # The months now count toward contribution years, and their credits reached the summary the crediting reads.
    assert actual_months(flexible) == list(MONTHS) and arrears.in_arrears(flexible) == []
    assert credits(flexible) == 3 * ACCOUNT_FEN
    assert findings() == []


def test_paying_a_month_not_in_arrears_or_twice_is_refused(imported, clerk, reviewers):
    employee, flexible = imported["persons"][0], imported["persons"][2]
    with pytest.raises(InvalidTransaction) as refused:
        draft("pay_arrears", {"person": employee, "from": "2024-01", "to": "2024-01",
                                                "paid_on": "2024-06-15"})
    assert "not in arrears (nothing unpaid to pay, or paid already): 2024-01" in str(refused.value.errors)
    pay(clerk, reviewers, flexible, "2024-02", "2024-02", "2024-04-01")
    with pytest.raises(InvalidTransaction) as twice:
        draft("pay_arrears", {"person": flexible, "from": "2024-01", "to": "2024-03",
                                                "paid_on": "2024-06-15"})
    assert "2024-02" in twice.value.errors["from"] and "2024-01" not in twice.value.errors["from"]
    with pytest.raises(InvalidTransaction) as early:
        draft("pay_arrears", {"person": flexible, "from": "2024-03", "to": "2024-03",
                                                "paid_on": "2024-02-20"})
    assert "is before the month 2024-03 it pays" in early.value.errors["paid_on"]


def test_a_refund_removes_the_month_and_its_credit(imported, clerk, reviewers):
    flexible = imported["persons"][2]
    pay(clerk, reviewers, flexible, "2024-01", "2024-03", "2024-06-15")
    row = Contribution.objects.get(person_id=flexible, period="2024-02", kind="arrears_payment")
    before = Contribution.objects.values_list("id", "paid_on", "late_fee_fen").get(pk=row.pk)
    posted(clerk, reviewers, "refund_contributions", {"person": flexible, "rows": [f"{row.batch_id}:{row.row_number}"],
                                                      "ground": "duplicate", "reason": "同月已由单位缴纳"}, "evidence")
    assert Contribution.objects.values_list("id", "paid_on", "late_fee_fen").get(pk=row.pk) == before, "never updated"
    assert Reversal.objects.get().cause == "refund"
    assert actual_months(flexible) == ["2024-01", "2024-03"]
    assert credits(flexible) == 2 * ACCOUNT_FEN
    # The payment was refunded, so the month's assessment is owed again: in arrears (counted.in_arrears).
    assert [d.period for d in arrears.in_arrears(flexible)] == ["2024-02"]
    with pytest.raises(InvalidTransaction) as again:
        draft("refund_contributions", {"person": flexible, "rows": [f"{row.batch_id}:{row.row_number}"],
                                                         "ground": "duplicate", "reason": "x"})
    assert "is reversed already" in again.value.errors["rows"]
    assert findings() == []


def test_a_correction_reverses_the_row_and_posts_the_right_one(imported, clerk, reviewers):
    employee = imported["persons"][0]
    old = Contribution.objects.get(person_id=employee, period="2024-02", insurance_type="pension")
    assert (old.wage_fen, old.base_fen, old.individual_fen, old.employer_fen) == (650_000, 650_000, 52_000, 104_000)
    before = credits(employee)
    txn = posted(clerk, reviewers, "correct_contributions", {
        "person": employee, "method": "依据工资单更正缴费工资", "rows": [{"row": f"{old.batch_id}:{old.row_number}",
                                                                "wage": "7000.00"}]}, "evidence")
    new = Contribution.objects.get(batch_id=txn.uid)
    assert (new.kind, new.period, new.wage_fen, new.base_fen, new.employer_fen, new.individual_fen, new.account_credit_fen,
            new.paid_on) == ("correction", "2024-02", 700_000, 700_000, 112_000, 56_000, 56_000, "2024-02-15")
    assert Reversal.objects.get().key == f"{old.batch_id}:{old.row_number}"
    # The month still counts once; the year's credits follow: 520.00 → 560.00.
    assert actual_months(employee) == list(MONTHS)
    assert credits(employee) == before + 4_000
    [log] = [record for record in maintenance_log() if record.target == "contribution"]
    assert log.kind == "修正" and log.uid == f"{old.batch_id}:{old.row_number}" and log.method == "依据工资单更正缴费工资"
    changed = {c.field: (c.before, c.after) for c in log.changes}
    assert changed["wage_fen"] == ("650000", "700000") and changed["row"] == ("", f"{txn.uid}:1")
    assert findings() == []


def test_a_correction_that_changes_nothing_is_refused(imported, clerk):
    employee = imported["persons"][0]
    old = Contribution.objects.get(person_id=employee, period="2024-02", insurance_type="pension")
    with pytest.raises(InvalidTransaction) as refused:
        draft("correct_contributions", {"person": employee, "method": "m", "rows": [
            {"row": f"{old.batch_id}:{old.row_number}", "wage": "6500.00"}]})
    assert "nothing to correct" in str(refused.value.errors)


def test_verify_names_a_changed_late_fee_and_a_deleted_reversal(imported, clerk, reviewers):
    flexible = imported["persons"][2]
    pay(clerk, reviewers, flexible, "2024-01", "2024-01", "2024-06-15")
    row = Contribution.objects.get(person_id=flexible, kind="arrears_payment")
    posted(clerk, reviewers, "refund_contributions", {"person": flexible, "rows": [f"{row.batch_id}:{row.row_number}"],
                                                      "ground": "wrong", "reason": "误缴"}, "evidence")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contributions_contribution SET late_fee_fen = 1 WHERE id = %s", [row.pk])
        cursor.execute("DELETE FROM contributions_reversal")
    found = findings()
    where = f"contribution batch {row.batch_id} row 1"
    assert (where, "late fee 1 fen differs from the engine's 8260 fen for 2024-01 paid on 2024-06-15") in found, found
    assert (where, "row was changed: late_fee_fen differ from the ledger's") in found, found
    assert any("contributions_reversal" in w and row.batch_id in w for w, _m in found), found
    # With its reversal gone the refunded payment counts again, beside nothing else: one row of the month counts.
    assert not any("rows of the month count" in m for _w, m in found), found


def test_verify_names_a_month_with_two_rows_that_count(imported, clerk, reviewers):
    employee = imported["persons"][0]
    old = Contribution.objects.get(person_id=employee, period="2024-02", insurance_type="pension")
    posted(clerk, reviewers, "correct_contributions", {"person": employee, "method": "m", "rows": [
        {"row": f"{old.batch_id}:{old.row_number}", "wage": "7000.00"}]}, "evidence")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM contributions_reversal")
    assert (f"contributions person {employee} employer {old.employer_id} 2024-02 pension",
            "2 rows of the month count; at most one may") in findings()


def later_file(registry, months, paid_on, wage=300_000):
    return collection_csv([(registry["ids"][2], "", period, "pension", wage, paid_on) for period in months], REGION)


def test_a_later_collection_file_pays_the_months_in_arrears_with_their_late_fees(imported, clerk, reviewers):
    flexible = imported["persons"][2]
    outcome = import_file(clerk, later_file(imported["registry"], MONTHS, "2024-06-15"), reason="补缴", file_name="late.csv",
                          region=REGION)
    assert outcome.ok, outcome.prepared.report_lines()
    assert outcome.prepared.summary["arrears_payments"] == {"rows": 3, "late_fee_fen": 8_260 + 6_499 + 4_616}
    txn = review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    rows = list(Contribution.objects.filter(batch_id=txn.uid).order_by("row_number"))
    assert [(r.kind, r.period, r.paid_on, r.late_fee_fen) for r in rows] == [
        ("arrears_payment", "2024-01", "2024-06-15", 8_260), ("arrears_payment", "2024-02", "2024-06-15", 6_499),
        ("arrears_payment", "2024-03", "2024-06-15", 4_616)]
    assert rows[0].batch.source == "collection_file"
    assert actual_months(flexible) == list(MONTHS) and arrears.in_arrears(flexible) == []
    assert credits(flexible) == 3 * ACCOUNT_FEN
    assert findings() == []
    # The same months again, in another file: paid already.
    again = import_file(clerk, later_file(imported["registry"], MONTHS[:1], "2024-07-01"), reason="r", region=REGION)
    assert not again.ok and [(p.line, p.field, p.reason) for p in again.prepared.problems] == [
        (2, "paid_on", "pays 2024-01 pension, which was already paid late on 2024-06-15")]


def test_a_payment_by_file_whose_amounts_differ_from_the_assessment_is_refused(imported, clerk):
    outcome = import_file(clerk, later_file(imported["registry"], MONTHS[:1], "2024-06-15", wage=800_000), reason="r",
                          region=REGION)
    assert not outcome.ok
    [problem] = outcome.prepared.problems
    assert problem.kind == "discrepancy" and problem.reason.startswith(
        "pays 2024-01 pension in arrears, but its base 8000.00, employer 0.00, individual 1600.00, account 640.00 (440300/2024@")
    assert "differ from the assessment's base 6073.80, employer 0.00, individual 1214.76, account 485.90" in problem.reason


def test_a_month_paid_late_is_summed_once_for_the_employer_and_in_the_statistics(registry, load_params, reviewers, clerk):
    from sirecords.queries.scopes import employer_contributions
    from sirecords.registry.models import Employer
    from sirecords.stats.aggregate import lattice
    from sirecords.stats.catalogue import MEASURES

    load_params(2024)
    outcome = import_file(clerk, collection_csv([(registry["ids"][0], registry["uscc"], "2024-01", "pension", 650_000, "")],
                                                REGION), reason="r", region=REGION)
    review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    employer = Employer.objects.get(uscc=registry["uscc"])
    before = employer_contributions(employer, "2024-01")["totals"]
    assert (before["employer_amount"], before["individual_amount"], before["arrears"]) == ("1040.00", "520.00", "1560.00")
    pay(clerk, reviewers, find_person_by_id_number(registry["ids"][0]).uid, "2024-01", "2024-01", "2024-02-20")
    after = employer_contributions(employer, "2024-01")["totals"]
    assert (after["employer_amount"], after["individual_amount"], after["arrears"]) == ("1040.00", "520.00", "0.00")
    assert lattice(MEASURES["contribution_total"], ["insurance_type"], year=2024)[("pension",)].value == 156_000


def test_the_reviewers_and_later_readers_see_the_figures_before_and_after_posting(imported, clerk, reviewers):
    from sirecords.transactions.posting import transaction_type_named

    flexible, employee = imported["persons"][2], imported["persons"][0]
    payment = {"person": flexible, "from": "2024-01", "to": "2024-01", "paid_on": "2024-06-15"}

    def shown(kind, payload):
        return {row["field"]: row["after"] for row in transaction_type_named(kind).describe(payload)}

    before = shown("pay_arrears", payment)
    assert before["2024-01.pension"] == "单位 employer 0.00 + 个人 individual 1214.76; 滞纳金 late fee 82.60, 136 天 days from 2024-01-31"
    pay(clerk, reviewers, flexible, "2024-01", "2024-01", "2024-06-15")
    assert shown("pay_arrears", payment) == before, "once posted, the page shows the rows it posted, not a refusal"
    row = Contribution.objects.get(person_id=flexible, kind="arrears_payment")
    refund = {"person": flexible, "rows": [f"{row.batch_id}:{row.row_number}"], "ground": "wrong", "reason": "误缴"}
    posted(clerk, reviewers, "refund_contributions", refund, "evidence")
    assert shown("refund_contributions", refund)["total"] == "1297.36"  # 1,214.76 + the late fee 82.60
    old = Contribution.objects.get(person_id=employee, period="2024-02", insurance_type="pension")
    correction = {"person": employee, "method": "m", "rows": [{"row": f"{old.batch_id}:{old.row_number}", "wage": "7000.00"}]}
    ahead = shown("correct_contributions", correction)
    posted(clerk, reviewers, "correct_contributions", correction, "evidence")
    assert shown("correct_contributions", correction) == ahead
    assert ahead[f"{old.batch_id}:{old.row_number}.individual_fen"] == "560.00"


def test_held_mode_posts_the_valid_arrears_payments_and_holds_the_one_that_differs(imported, clerk, reviewers):
    """--hold-invalid and arrears payments together: a later file paying January and February in arrears and paying
    March at another base posts the two payments with their late fees and holds March for the agency to correct."""
    flexible = imported["persons"][2]
    lines = later_file(imported["registry"], MONTHS[:2], "2024-06-15").decode().splitlines()
    lines += later_file(imported["registry"], MONTHS[2:], "2024-06-15", wage=800_000).decode().splitlines()[1:]
    outcome = import_file(clerk, ("\n".join(lines) + "\n").encode(), reason="补缴", file_name="late.csv", region=REGION,
                          hold_invalid=True)
    assert outcome.ok and outcome.prepared.row_count == 2 and outcome.prepared.held_lines == [4]
    [held] = outcome.prepared.held_problems
    assert held.kind == "discrepancy" and "2024-03 pension in arrears" in held.reason
    assert outcome.prepared.summary["arrears_payments"] == {"rows": 2, "late_fee_fen": 8_260 + 6_499}
    txn = review_all(outcome.txn, reviewers["review1"], reviewers["review2"])
    assert [(r.kind, r.period, r.late_fee_fen) for r in Contribution.objects.filter(batch_id=txn.uid).order_by("row_number")] == [
        ("arrears_payment", "2024-01", 8_260), ("arrears_payment", "2024-02", 6_499)]
    assert [row.period for row in arrears.in_arrears(flexible)] == ["2024-03"]
    assert findings() == []

"""Settling a discrepancy only through a reviewed transaction (crosschecks/resolution.py): resolving a reported death
ends the pension through the four stages with the overpayment recomputed at posting; dismissing an imprisonment
releases the held payment with back pay; in review until posted, open again when rejected; `verify` passes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from sirecords.benefits.models import Award, Payment, PaymentHold
from sirecords.certificates.crosscheck_report import report_pdf
from sirecords.crosschecks.evidence import report_of
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.queue import listing
from sirecords.crosschecks.services import receive, settle
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.models import Attachment
from sirecords.workflow.services import review

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import PERSON_EVENTS, feed
from .test_person_events import findings, row, world  # noqa: F401  (the same three pensioners, a worker, a clerk)

CREW = (("review1", "reviewer1"), ("review2", "reviewer2"), ("review3", "reviewer3"), ("approval", "approver"))


@pytest.fixture
def crew(staff):
    return {stage: staff(f"cc.{role}", role) for stage, role in CREW}


def reported(world, *rows: str):  # noqa: F811 (world: the fixture)
    receive(world["clerk"], "person_events", feed(PERSON_EVENTS, *rows), file_name="events.csv", reason="比对", channel="cli")


def settled(world, crew, discrepancy: Discrepancy, action: str, documents=(), **options):  # noqa: F811
    report = report_pdf(report_of(discrepancy), discrepancy.id, discrepancy.kind) if action == "resolve" else b""
    txn = settle(world["clerk"], discrepancy.id, action, reason="核实无误", channel="cli", report=report, documents=documents,
                 **options)
    assert listing(state="in_review")[0]["transaction"] == txn.uid
    for stage in txn.stage_list:
        txn = review(crew[stage], txn, "approve", "核对无误")
    return txn


def test_resolving_a_reported_death_ends_the_pension_and_recomputes_the_overpayment(world, crew):  # noqa: F811
    one = world["one"]
    reported(world, row(one, "died", "2024-08-20"))
    world["post"]("pay_pensions", {"month": "2024-10"})  # withheld: the report is examined
    discrepancy = Discrepancy.objects.get()
    txn = settled(world, crew, discrepancy, "resolve")
    assert txn.type == "resolve_discrepancy" and txn.stage_list == ["review1", "review2", "review3", "approval"]
    assert txn.state == "posted"
    assert Attachment.objects.get(txn=txn).kind == "department_report"
    award = Award.objects.get(person_id=one.uid)
    assert (award.status, award.end_month) == ("ended", "2024-09")
    discrepancy.refresh_from_db()
    outcome = json.loads(discrepancy.outcome)
    september = Payment.objects.get(person_id=one.uid, month="2024-09")
    assert (discrepancy.state, discrepancy.transaction) == ("resolved", txn.uid)
    assert outcome == {"fix": "record_death", "months": ["2024-09"], "paid_fen": september.amount_fen + september.back_pay_fen,
                       "returned_fen": 0, "overpayment_fen": september.amount_fen + september.back_pay_fen,
                       "case": discrepancy.id}  # the overpayment case opened with it (test_overpayment.py)
    hold = PaymentHold.objects.get()
    assert hold.released_at and hold.back_pay_fen == 0  # 2024-10 was withheld, and was not due after the death
    world["post"]("pay_pensions", {"month": "2024-11"})
    assert not Payment.objects.filter(person_id=one.uid, month__gte="2024-10").exists()
    assert findings() == []


def test_dismissing_an_imprisonment_releases_the_held_months_as_back_pay(world, crew):  # noqa: F811
    two = world["two"]
    reported(world, row(two, "imprisoned", "2024-08-15"))
    world["post"]("pay_pensions", {"month": "2024-10"})
    assert not Payment.objects.filter(person_id=two.uid, month="2024-10").exists()
    monthly = Award.objects.get(person_id=two.uid).total_fen
    txn = settled(world, crew, Discrepancy.objects.get(), "dismiss")
    assert (txn.type, txn.stage_list, txn.state) == ("dismiss_discrepancy", ["review1", "approval"], "posted")
    assert Discrepancy.objects.get().state == "dismissed"
    assert PaymentHold.objects.get().back_pay_fen == monthly  # October, kept while the report was examined
    world["post"]("pay_pensions", {"month": "2024-11"})
    paid = Payment.objects.get(person_id=two.uid, month="2024-11")
    assert (paid.amount_fen, paid.back_pay_fen) == (monthly, monthly)
    assert findings() == []


def test_a_rejected_fix_leaves_the_discrepancy_open_and_one_in_review_refuses_another(world, crew):  # noqa: F811
    reported(world, row(world["two"], "imprisoned", "2024-08-15"))
    discrepancy = Discrepancy.objects.get()
    txn = settle(world["clerk"], discrepancy.id, "dismiss", reason="误报", channel="cli", report=b"")
    with pytest.raises(InvalidTransaction, match="is in review in transaction"):
        settle(world["clerk"], discrepancy.id, "dismiss", reason="误报", channel="cli", report=b"")
    review(crew["review1"], txn, "reject", "证据不足")
    assert listing()[0]["state"] == "open" and PaymentHold.objects.get().released_at == ""


def test_a_death_whose_name_differs_needs_the_death_document(world, crew):  # noqa: F811
    reported(world, row(world["one"], "died", "2024-08-20", name="别名"))
    discrepancy = Discrepancy.objects.get()
    with pytest.raises(InvalidTransaction, match="resolving needs the death document"):
        settle(world["clerk"], discrepancy.id, "resolve", reason="核实", channel="cli",
               report=report_pdf(report_of(discrepancy), discrepancy.id, discrepancy.kind))


def test_the_cli_resolves_with_json(world, crew):  # noqa: F811
    reported(world, row(world["one"], "died", "2024-08-20"))
    out = io.StringIO()
    call_command("crosscheck", "resolve", Discrepancy.objects.get().id, "--actor", "cc.clerk", "--reason", "核实死亡",
                 "--json", stdout=out)
    uid = json.loads(out.getvalue())["transaction"]
    [item] = listing()
    assert (item["state"], item["transaction"]) == ("in_review", uid)


def test_a_clerk_takes_a_discrepancy_and_a_supervisor_assigns_one(world, staff):  # noqa: F811
    from sirecords.crosschecks.services import assign

    reported(world, row(world["one"], "died", "2024-08-20"))
    discrepancy = Discrepancy.objects.get()
    other = staff("cc.clerk2", "clerk")
    assign(world["clerk"], discrepancy.id, "cc.clerk", channel="cli")
    assert listing()[0]["assigned_to"] == "cc.clerk"
    with pytest.raises(InvalidTransaction, match="a clerk takes a discrepancy for themself"):
        assign(world["clerk"], discrepancy.id, "cc.clerk2", channel="cli")
    assign(staff("cc.super", "supervisor"), discrepancy.id, other.username, channel="cli")
    assert listing()[0]["assigned_to"] == "cc.clerk2"
    with pytest.raises(InvalidTransaction, match="is not a clerk"):
        assign(staff("cc.super2", "supervisor"), discrepancy.id, "cc.super", channel="cli")
    assert findings() == []


def test_the_record_summary_follows_the_pension_from_paid_to_withheld_to_stopped(world, crew):  # noqa: F811
    from sirecords.queries.scopes import Requester, person_view
    from sirecords.records.personal import full_record

    one = world["one"]
    monthly = f"{Award.objects.get(person_id=one.uid).total_fen / 100:.2f}"
    before = full_record(one)["summary"]
    assert (before["status"], before["region"], before["name"], before["transferred_to"]) == ("retired", "440300", one.name, None)
    assert before["pension"] == {"monthly": monthly, "status": "paid", "paid_through": "2024-09", "due_through": None,
                                 "overpayment_owed": None}
    assert before["contribution_months"] == 200 and before["deemed_months"] == 0
    # the 2023 year-end (120,000.00) and the principal credited for 2024-01…05 (5 × 750.00), no interest for 2024
    assert before["account_balance"] == "123750.00"
    reported(world, row(one, "died", "2024-08-20"))
    assert full_record(one)["summary"]["pension"]["status"] == "withheld"
    settled(world, crew, Discrepancy.objects.get(), "resolve")
    after = full_record(one)["summary"]
    assert after["status"] == "deceased"
    september = Payment.objects.get(person_id=one.uid, month="2024-09")
    assert after["pension"] == {"monthly": monthly, "status": "stopped", "paid_through": "2024-09", "due_through": "2024-08",
                                "overpayment_owed": f"{(september.amount_fen + september.back_pay_fen) / 100:.2f}"}
    own = person_view(one, Requester("self", person_uid=one.uid))["summary"]
    assert own == after


def test_the_cli_dismisses_with_json_and_refuses_an_unknown_id(world, crew):  # noqa: F811
    from django.core.management.base import CommandError

    reported(world, row(world["two"], "imprisoned", "2024-08-15"))
    out = io.StringIO()
    call_command("crosscheck", "dismiss", Discrepancy.objects.get().id, "--actor", "cc.clerk", "--reason", "误报",
                 "--json", stdout=out)
    assert set(json.loads(out.getvalue())) == {"transaction"}
    assert listing()[0]["state"] == "in_review"
    with pytest.raises(CommandError, match="no discrepancy 'nosuchid'"):
        call_command("crosscheck", "dismiss", "nosuchid", "--actor", "cc.clerk", "--reason", "x")

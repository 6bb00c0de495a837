"""The other fixes, each through the four stages: a revoked death restores the pension with every month stopped as back
pay; a returned payment is paid again once settled; a closed unit's open periods end on its closing day and its
registration is cancelled when no arrears are left; the collector's discrepancies are resolved as arrears (paid on the
collector's date) or as a correction only once the record agrees with the report; a fraud referral is recorded."""

from __future__ import annotations

import json

import pytest

from sirecords.benefits.models import Award, Payment, PaymentHold
from sirecords.certificates.crosscheck_report import report_pdf
from sirecords.core.identifiers import make_uscc
from sirecords.crosschecks.evidence import report_of
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.services import receive, settle
from sirecords.ledger.models import Entry
from sirecords.registry.models import Employer, Employment
from sirecords.transactions.posting import InvalidTransaction

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import feed
from .test_person_events import findings, row, world  # noqa: F401
from .test_resolution import crew, reported, settled  # noqa: F401
from .test_tax_paid import TAX, paid

STATUS = "uscc,name,status,effective_on,reference"
RETURNS = "id_number,month,amount,reason,reference"


def resolved(world, crew, kind: str, subject=None, **options):  # noqa: F811
    found = Discrepancy.objects.filter(kind=kind, state="open")
    discrepancy = found.get(subject=f"person:{subject.uid}") if subject is not None else found.get()
    txn = settled(world, crew, discrepancy, "resolve", **options)
    assert (txn.type, txn.state, txn.stage_list) == ("resolve_discrepancy", "posted",
                                                     ["review1", "review2", "review3", "approval"])
    discrepancy.refresh_from_db()
    assert (discrepancy.state, discrepancy.transaction) == ("resolved", txn.uid)
    return json.loads(discrepancy.outcome)


def test_a_revoked_death_restores_the_pension_with_back_pay(world, crew):  # noqa: F811
    one = world["one"]
    reported(world, row(one, "died", "2024-06-20"))
    outcome = resolved(world, crew, "pensioner_died", referral="2024-07至09月死亡后仍领取养老金，移送行政部门")
    assert outcome["referred"] is True and Entry.objects.filter(kind="fraud_referral.recorded").count() == 1
    world["post"]("pay_pensions", {"month": "2024-10"})
    assert Award.objects.get(person_id=one.uid).status == "ended"
    receive(world["clerk"], "person_events", feed("id_number,name,event,event_on,source,reference",
                                                  row(one, "death_revoked", "2024-10-25", reference="FY-1")),
            file_name="revoked.csv", reason="法院撤销死亡宣告", channel="cli")
    outcome = resolved(world, crew, "death_revoked")
    award = Award.objects.get(person_id=one.uid)
    assert (award.status, award.end_month) == ("active", "")
    # Stopped from 2024-07: 2024-07 to 2024-09 had been paid before the death was recorded, 2024-10 was not.
    assert outcome["restored_months"] == ["2024-07", "2024-08", "2024-09", "2024-10"]
    world["post"]("pay_pensions", {"month": "2024-11"})
    november = Payment.objects.get(person_id=one.uid, month="2024-11")
    assert november.back_pay_fen == outcome["back_pay_fen"] == 4 * award.total_fen
    assert findings() == []


def test_a_returned_payment_is_paid_again_when_settled(world, crew):  # noqa: F811
    two = world["two"]
    september = Payment.objects.get(person_id=two.uid, month="2024-09")
    amount = f"{september.amount_fen / 100:.2f}"
    receive(world["clerk"], "payment_returns", feed(RETURNS, f"{two.id_number},2024-09,{amount},account_closed,BK-9"),
            file_name="r.csv", reason="银行退回", channel="cli")
    world["post"]("pay_pensions", {"month": "2024-10"})  # held
    outcome = resolved(world, crew, "payment_returned")
    assert outcome["reissued_fen"] == september.amount_fen
    world["post"]("pay_pensions", {"month": "2024-11"})
    november = Payment.objects.get(person_id=two.uid, month="2024-11")
    assert november.back_pay_fen == september.amount_fen + Award.objects.get(person_id=two.uid).total_fen  # + October
    assert PaymentHold.objects.get().released_at
    assert findings() == []


def test_a_closed_unit_ends_its_periods_and_is_cancelled_without_arrears(world, crew, post_txn):  # noqa: F811
    uscc = make_uscc("9", "1", "440300", "MA5G0PXL")
    unit = post_txn("register_employer", {"uscc": uscc, "name": "示例科技有限公司", "region": "440305"})[0].payload["employer"]
    post_txn("start_employment", {"person": world["worker"].uid, "employer": unit, "start": "2015-03-01"})
    receive(world["clerk"], "employer_status", feed(STATUS, f"{uscc},示例科技有限公司,deregistered,2024-05-31,SC-1"),
            file_name="s.csv", reason="市场监管注销", channel="cli")
    outcome = resolved(world, crew, "employer_closed")
    assert outcome == {"fix": "close_employer", "periods_ended": 1, "registration_cancelled": True, "arrears_months": 0,
                       "arrears_fen": 0}
    assert Employment.objects.get(employer_id=unit).end.isoformat() == "2024-05-31"
    assert Employer.objects.get(uid=unit).status == "closed"
    assert findings() == []


def test_the_collectors_discrepancies_resolve_only_when_the_record_agrees(world, crew):  # noqa: F811
    one, two, three_uid = world["one"], world["two"], world["three"]
    from sirecords.registry.models import Person

    three = Person.objects.get(uid=three_uid)
    receive(world["clerk"], "tax_paid", feed(TAX, paid(one, "1800.00"), paid(three), paid(world["worker"])),
            file_name="t.csv", reason="税务比对", channel="cli", period="2024-05")
    differs = Discrepancy.objects.get(kind="amount_differs")

    def pdf(discrepancy):
        return report_pdf(report_of(discrepancy), discrepancy.id, discrepancy.kind)

    with pytest.raises(InvalidTransaction, match="the record has 1125.00 \\+ 750.00, the report 0.00 \\+ 1800.00"):
        settle(world["clerk"], differs.id, "resolve", reason="已更正", channel="cli", report=pdf(differs), as_="correction")
    with pytest.raises(InvalidTransaction, match="arrears is for a payment of months the record holds in arrears"):
        settle(world["clerk"], differs.id, "resolve", reason="补缴", channel="cli", report=pdf(differs), as_="arrears")
    missing = Discrepancy.objects.get(kind="recorded_not_paid")
    assert missing.subject == f"person:{two.uid}" and report_of(missing).fields == ()  # not in the file: no line
    with pytest.raises(InvalidTransaction, match="pension still counts"):
        settle(world["clerk"], missing.id, "resolve", reason="x", channel="cli", report=pdf(missing))
    assert Discrepancy.objects.filter(state="open").count() == 2  # nothing changed
    # Refunded at the desk (the collector never had it): compared again, the month agrees with the report.
    from sirecords.contributions.models import Contribution

    row_of_may = Contribution.objects.get(person_id=two.uid, period="2024-05")
    world["post"]("refund_contributions", {"person": two.uid, "rows": [f"{row_of_may.batch_id}:{row_of_may.row_number}"],
                                           "ground": "duplicate", "reason": "税务未收到该月缴费"})
    assert resolved(world, crew, "recorded_not_paid") == {"fix": "collected", "as": "correction",
                                                          "compared_again": "2024-05"}
    assert findings() == []


def test_the_command_line_passes_as_and_refer_to_the_resolution(world, crew):  # noqa: F811
    """`crosscheck resolve ID --as correction --refer FACTS --json`: the flags reach the transaction (a correction of a
    month the record still holds is refused, saying what differs); resolved, it prints {"transaction": UID}."""
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from sirecords.workflow.models import BusinessTransaction
    from sirecords.workflow.services import payload_of

    receive(world["clerk"], "tax_paid", feed(TAX, paid(world["one"], "1800.00")), file_name="t.csv", reason="比对",
            channel="cli", period="2024-05")
    differs = Discrepancy.objects.get(kind="amount_differs")
    with pytest.raises(CommandError, match="still differs"):
        call_command("crosscheck", "resolve", differs.id, "--as", "correction", "--actor", "cc.clerk", "--reason", "已更正")
    with pytest.raises(CommandError, match="arrears is for a payment"):
        call_command("crosscheck", "resolve", differs.id, "--as", "arrears", "--actor", "cc.clerk", "--reason", "补缴")
    reported(world, row(world["one"], "died", "2024-07-20"))
    died = Discrepancy.objects.get(kind="pensioner_died")
    out = io.StringIO()
    call_command("crosscheck", "resolve", died.id, "--actor", "cc.clerk", "--reason", "核实死亡", "--received-by", "李某",
                 "--relation", "spouse", "--refer", "死亡后仍领取养老金", "--json", stdout=out)
    txn = BusinessTransaction.objects.get(uid=json.loads(out.getvalue())["transaction"])
    assert (txn.type, txn.state) == ("resolve_discrepancy", "submitted")
    assert {key: payload_of(txn)[key] for key in ("referral", "received_by")} == {
        "referral": "死亡后仍领取养老金", "received_by": {"name": "李某", "relation": "spouse"}}

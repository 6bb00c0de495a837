"""The overpayment case of a pension paid after the pensioner's death: opened when the death is resolved, naming who
received it (sealed), with what was paid less what the bank returned; recovered by offset against the inheritable
account balance first (computed), then under an instalment agreement and by repayments, each reviewed; what is owed
shows on the record's summary until nothing is; `verify` rebuilds the case."""

from __future__ import annotations

import json

import pytest

from sirecords.benefits.models import Award, OverpaymentCase, Payment
from sirecords.benefits.overpayments import inheritable_balance
from sirecords.core.money import fen_to_yuan
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.services import receive
from sirecords.crypto.sealing import unseal
from sirecords.ledger.models import Entry
from sirecords.records.personal import full_record
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import PERSON_EVENTS, feed
from .test_more_fixes import resolved
from .test_person_events import RETIRE, findings, row
from .test_resolution import crew  # noqa: F401


@pytest.fixture
def widow(person_with_months, post_fresh, staff):  # noqa: F811
    """A pensioner with a small account (100.00 at the end of 2023), paid 2024-07 to 2024-09, reported dead in July."""
    uid = person_with_months(200, base_fen=300_000, balance_fen=10_000)
    other = person_with_months(190)  # so that a run has someone to pay while the first is held
    for person in (uid, other):
        post_fresh("approve_retirement", {"person": person, **RETIRE})
    for month in ("2024-07", "2024-08", "2024-09"):
        post_fresh("pay_pensions", {"month": month})
    clerk = staff("cc.clerk", "clerk")
    person = Person.objects.get(uid=uid)
    receive(clerk, "person_events", feed(PERSON_EVENTS, row(person, "died", "2024-07-20")), file_name="e.csv",
            reason="民政死亡数据", channel="cli")
    return {"person": person, "clerk": clerk, "post": post_fresh}


def test_an_overpayment_is_opened_named_and_recovered_in_order(widow, crew):  # noqa: F811
    person, post = widow["person"], widow["post"]
    world = {"clerk": widow["clerk"]}
    outcome = resolved(world, crew, "pensioner_died", received_by={"name": "李秀兰", "relation": "spouse"})
    paid = sum(Payment.objects.get(person_id=person.uid, month=m).amount_fen for m in ("2024-08", "2024-09"))
    case = OverpaymentCase.objects.get()
    assert (case.uid, outcome["case"], case.overpaid_fen, case.recovered_fen, case.status) == (
        Discrepancy.objects.get().id, case.uid, paid, 0, "open")
    assert json.loads(case.months) == ["2024-08", "2024-09"] and case.relation == "spouse"
    assert "李秀兰" not in case.received_by_sealed and unseal(case.received_by_sealed, f"overpayment:{case.uid}:received_by") == "李秀兰"
    assert full_record(person)["summary"]["pension"]["overpayment_owed"] == fen_to_yuan(paid)

    # The balance left in the account: the balance at the award less the account part of July (due and paid).
    award = Award.objects.get(person_id=person.uid)
    balance = inheritable_balance(person.uid)
    at_award = json.loads(Entry.objects.get(kind="pension.awarded", subject=f"award:{award.uid}").payload)["balance_fen"]
    assert 0 < balance < paid and balance == at_award - award.account_fen
    with pytest.raises(InvalidTransaction, match="offset first"):
        post("recover_overpayment", {"case": case.uid, "method": "repayment", "amount": "100.00", "reason": "还款"})
    post("recover_overpayment", {"case": case.uid, "method": "account_offset", "reason": "以个人账户余额抵扣"})
    case.refresh_from_db()
    assert case.recovered_fen == balance and inheritable_balance(person.uid) == 0
    owed = paid - balance
    with pytest.raises(InvalidTransaction, match="do not repay what is owed"):
        post("recover_overpayment", {"case": case.uid, "method": "instalment_agreement", "monthly": "1.00",
                                     "first_month": "2025-01", "months": 3, "reason": "分期"})
    monthly = fen_to_yuan(-(-owed // 12))
    post("recover_overpayment", {"case": case.uid, "method": "instalment_agreement", "monthly": monthly,
                                 "first_month": "2025-01", "months": 12, "reason": "签订还款协议分期退回"})
    case.refresh_from_db()
    assert json.loads(case.agreement) == {"first_month": "2025-01", "monthly_fen": -(-owed // 12), "months": 12}
    with pytest.raises(InvalidTransaction, match="at most what is owed"):
        post("recover_overpayment", {"case": case.uid, "method": "repayment", "amount": fen_to_yuan(owed + 1), "reason": "x"})
    post("recover_overpayment", {"case": case.uid, "method": "repayment", "amount": fen_to_yuan(owed - 100), "reason": "还款"})
    assert full_record(person)["summary"]["pension"]["overpayment_owed"] == "1.00"
    post("recover_overpayment", {"case": case.uid, "method": "repayment", "amount": "1.00", "reason": "结清"})
    case.refresh_from_db()
    assert (case.status, case.owed_fen) == ("recovered", 0)
    assert full_record(person)["summary"]["pension"]["overpayment_owed"] is None
    with pytest.raises(InvalidTransaction, match="recovered already"):
        post("recover_overpayment", {"case": case.uid, "method": "repayment", "amount": "1.00", "reason": "x"})
    assert findings() == []


def test_a_survivors_claim_pays_the_rest_after_the_overpayment(widow, crew):  # noqa: F811
    """Paid when a survivor applies: the funeral grant (3 months of the reference average wage) and the survivors'
    pension (6 months of the deceased's pension) by the demo region's rules, and the inheritance; the overpayment is
    taken from the inheritance first, then from the benefits; one claim per deceased."""
    from decimal import Decimal

    from sirecords.benefits.models import SurvivorClaim
    from sirecords.engine.params import load_params

    person, post = widow["person"], widow["post"]
    with pytest.raises(InvalidTransaction, match="no death of this person is recorded"):
        post("pay_survivor_benefits", {"person": person.uid, "claimant": "李秀兰", "relation": "spouse", "reason": "申领"})
    resolved({"clerk": widow["clerk"]}, crew, "pensioner_died")
    case = OverpaymentCase.objects.get()
    inheritance = inheritable_balance(person.uid)
    award = Award.objects.get(person_id=person.uid)
    wage = load_params("440300", 2024).reference_average_wage
    funeral, pension = int(wage * 3 * 100), award.total_fen * 6
    assert funeral == int(Decimal("10123.00") * 300)  # the demo's 2024 reference wage (its [year] of 2024)
    post("pay_survivor_benefits", {"person": person.uid, "claimant": "李秀兰", "relation": "spouse", "reason": "配偶申领"})
    claim = SurvivorClaim.objects.get()
    assert (claim.funeral_grant_fen, claim.survivors_pension_fen, claim.inheritance_fen) == (funeral, pension, inheritance)
    assert claim.offset_fen == case.overpaid_fen and claim.paid_fen == funeral + pension + inheritance - case.overpaid_fen
    assert "李秀兰" not in claim.claimant_sealed
    case.refresh_from_db()
    assert case.status == "recovered" and inheritable_balance(person.uid) == 0
    recovered = [json.loads(p) for p in Entry.objects.filter(kind="overpayment.recovered").values_list("payload", flat=True)]
    assert [(r["method"], r["amount_fen"]) for r in recovered] == [("account_offset", inheritance),
                                                                    ("survivor_offset", case.overpaid_fen - inheritance)]
    with pytest.raises(InvalidTransaction, match="paid already"):
        post("pay_survivor_benefits", {"person": person.uid, "claimant": "李某", "relation": "child", "reason": "再次申领"})
    assert findings() == []


def test_bad_text_in_a_resolution_is_refused_and_nothing_is_written(widow, crew):  # noqa: F811
    """A NUL in who received the money or in the referral's facts: refused, naming the field; the discrepancy stays open."""
    from sirecords.certificates.crosscheck_report import report_pdf
    from sirecords.crosschecks.evidence import report_of
    from sirecords.crosschecks.services import settle
    from sirecords.workflow.models import BusinessTransaction

    discrepancy = Discrepancy.objects.get()
    report = report_pdf(report_of(discrepancy), discrepancy.id, discrepancy.kind)
    for options, field in (({"received_by": {"name": "李\x00某", "relation": "spouse"}}, "received_by.name"),
                           ({"received_by": {"name": "李某", "relation": "neighbour"}}, "received_by.relation"),
                           ({"referral": "事实\x00"}, "referral"), ({"referral": "事" * 501}, "referral")):
        with pytest.raises(InvalidTransaction) as refused:
            settle(widow["clerk"], discrepancy.id, "resolve", reason="核实", channel="cli", report=report, **options)
        assert field in refused.value.errors, (options, refused.value.errors)
    discrepancy.refresh_from_db()
    assert discrepancy.state == "open" and not OverpaymentCase.objects.exists()
    assert not BusinessTransaction.objects.filter(type="resolve_discrepancy").exists()  # nothing half-opened

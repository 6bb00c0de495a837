"""Issue 17's acceptance scenario on either engine: the departments' reports about one small record — a pensioner's
and a worker's death, an unmatched report, an imprisonment and the release, a revoked death, a closed unit, the
collector's report with a missing, an extra and a different row, an ID change, a returned payment — give exactly the
expected discrepancies and figures; the payroll withholds at once; each is settled through its reviewed transaction;
then no pension is paid for a month after the death, the overpayment is the months paid after it, and `verify` passes."""

from __future__ import annotations

import json
from datetime import date

from sirecords.benefits.models import Award, Payment, PaymentHold
from sirecords.core.identifiers import make_id_number, make_uscc
from sirecords.crosschecks.models import Discrepancy, UnmatchedRow
from sirecords.crosschecks.services import receive
from sirecords.registry.models import Employment, Person
from sirecords.registry.queries import find_person_by_id_number

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import PERSON_EVENTS, feed
from .test_more_fixes import RETURNS, STATUS, resolved
from .test_person_events import RETIRE, STRANGER, findings, row, world  # noqa: F401
from .test_resolution import crew, settled  # noqa: F401
from .test_tax_paid import TAX, paid


def test_the_departments_reports_from_queue_to_fix(world, crew, person_with_months, post_txn):  # noqa: F811
    one, two, worker, clerk, post = world["one"], world["two"], world["worker"], world["clerk"], world["post"]
    three = Person.objects.get(uid=world["three"])
    four = Person.objects.get(uid=person_with_months(210))
    five = person_with_months(180)  # a pensioner no report is about
    dying = Person.objects.get(uid=person_with_months(5, balance_fen=0))  # insured since 2024-01
    for person in (four.uid, five):
        post("approve_retirement", {"person": person, **RETIRE})  # awarded after the runs of 2024-07 to 2024-09
    unit = make_uscc("9", "1", "440300", "MA5G0PXL")
    employer = post_txn("register_employer", {"uscc": unit, "name": "示例科技有限公司", "region": "440305"})[0].payload["employer"]
    post_txn("start_employment", {"person": worker.uid, "employer": employer, "start": "2015-03-01"})
    new_number = make_id_number("440305", date(1964, 6, 15), 901)
    september = {p.uid: Payment.objects.get(person_id=p.uid, month="2024-09") for p in (one, three)}

    def received(kind, *rows, header, **options):
        return receive(clerk, kind, feed(header, *rows), file_name=f"{kind}.csv", reason="部门数据比对", channel="cli",
                       **options).as_json()

    events = received("person_events", row(one, "died", "2024-07-20"), row(dying, "died", "2024-04-10"),
                      f"{STRANGER},王五,died,2024-06-01,public_security,GA-7", row(two, "imprisoned", "2024-08-15"),
                      row(four, "died", "2024-08-05"), header=PERSON_EVENTS)
    returns = received("payment_returns", f"{three.id_number},2024-09,{september[three.uid].amount_fen / 100:.2f},"
                                          "account_closed,BK-1", header=RETURNS)
    closed = received("employer_status", f"{unit},示例科技有限公司,deregistered,2024-06-30,SC-1", header=STATUS)
    tax = received("tax_paid", paid(one, "1800.00"), paid(three), paid(four), paid(worker), paid(Person.objects.get(uid=five)), paid(dying),
                   paid(worker, "320.00", kind="medical"), header=TAX, period="2024-05")
    changes = received("id_changes", f"{three.id_number},{new_number},2024-09-20,GA-9",
                       header="old_id_number,new_id_number,changed_on,reference")
    assert (events["discrepancies"], events["unmatched"]) == (
        {"insured_died": 1, "pensioner_died": 2, "pensioner_imprisoned": 1}, 1)
    assert (returns["discrepancies"], closed["discrepancies"], changes["discrepancies"]) == (
        {"payment_returned": 1}, {"employer_closed": 1}, {"id_changed": 1})
    assert tax["discrepancies"] == {"amount_differs": 1, "paid_not_recorded": 1, "recorded_not_paid": 1}
    assert UnmatchedRow.objects.count() == 1
    died = json.loads(Discrepancy.objects.get(kind="pensioner_died", subject=f"person:{one.uid}").detail)
    after = [Payment.objects.get(person_id=one.uid, month=m).amount_fen for m in ("2024-08", "2024-09")]
    assert ([m["month"] for m in died["months"]], died["overpayment"]) == (["2024-08", "2024-09"], f"{sum(after) / 100:.2f}")
    assert json.loads(Discrepancy.objects.get(kind="insured_died").detail)["months_after"] == ["2024-05"]

    # Withheld at once: one, two, three and four are held; the October run pays none of them.
    assert set(PaymentHold.objects.values_list("person_id", flat=True)) == {one.uid, two.uid, three.uid, four.uid}
    post("pay_pensions", {"month": "2024-10"})
    assert list(Payment.objects.filter(month="2024-10").values_list("person_id", flat=True)) == [five]

    later = received("person_events", row(two, "released", "2024-10-20"), row(four, "death_revoked", "2024-10-25"),
                     header=PERSON_EVENTS)
    assert later["discrepancies"] == {"death_revoked": 1, "released": 1}

    # Settled, each through its reviewed transaction.
    outcome = resolved(world, crew, "pensioner_died", one)
    assert outcome["overpayment_fen"] == sum(after) and outcome["months"] == ["2024-08", "2024-09"]
    assert resolved(world, crew, "insured_died") == {"fix": "record_death"}
    assert resolved(world, crew, "pensioner_imprisoned") == {"fix": "suspend_benefit"}
    assert resolved(world, crew, "released") == {"fix": "resume_benefit"}
    revoked = resolved(world, crew, "death_revoked")  # four's death was only queued: dismissed with it
    assert revoked["dismissed"] == [Discrepancy.objects.get(subject=f"person:{four.uid}", kind="pensioner_died").id]
    assert resolved(world, crew, "payment_returned")["reissued_fen"] == september[three.uid].amount_fen
    assert resolved(world, crew, "employer_closed")["periods_ended"] == 1
    assert Employment.objects.get(employer_id=employer).end.isoformat() == "2024-06-30"
    assert resolved(world, crew, "id_changed") == {"fix": "change_id_number"}
    assert find_person_by_id_number(new_number).uid == find_person_by_id_number(three.id_number).uid == three.uid
    may = two_may = None
    from sirecords.contributions.models import Contribution

    two_may = Contribution.objects.get(person_id=two.uid, period="2024-05")
    post("refund_contributions", {"person": two.uid, "rows": [f"{two_may.batch_id}:{two_may.row_number}"],
                                  "ground": "wrong", "reason": "征收机构未收到"})
    assert resolved(world, crew, "recorded_not_paid")["compared_again"] == "2024-05"
    for kind in ("amount_differs", "paid_not_recorded"):  # the record was right: dismissed after review
        settled(world, crew, Discrepancy.objects.get(kind=kind), "dismiss")
    assert not Discrepancy.objects.filter(state="open").exists() and may is None

    # No pension for a month after the death; the others paid again with what was held.
    post("pay_pensions", {"month": "2024-11"})
    assert not Payment.objects.filter(person_id=one.uid, month__gte="2024-08").exclude(month__in=["2024-08", "2024-09"]).exists()
    paid_now = {p.person_id: p for p in Payment.objects.filter(month="2024-11")}
    assert set(paid_now) == {two.uid, three.uid, four.uid, five}
    assert paid_now[two.uid].back_pay_fen == 0  # imprisoned from 2024-08: October was not due (no back pay for a sentence)
    assert paid_now[three.uid].back_pay_fen == september[three.uid].amount_fen + Award.objects.get(person_id=three.uid).total_fen
    assert Award.objects.get(person_id=one.uid).end_month == "2024-08"
    assert findings() == []

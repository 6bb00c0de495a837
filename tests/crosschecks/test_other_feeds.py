"""payment_returns and employer_status against the record: a returned payment held at once and counted in a later
death's overpayment; a closed unit with open employment periods queued with its periods and arrears; unknown numbers
and codes handled as the feed says (queued as unknown_person, kept unmatched)."""

from __future__ import annotations

import json

import pytest

from sirecords.benefits.models import Award, Payment, PaymentHold
from sirecords.core.identifiers import make_uscc, mask_id_number
from sirecords.crosschecks.models import Discrepancy, UnmatchedRow
from sirecords.crosschecks.queue import listing
from sirecords.crosschecks.services import receive, settle
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.services import Refused, review

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import PERSON_EVENTS, feed
from .test_person_events import STRANGER, findings, row, world  # noqa: F401
from .test_resolution import crew, settled  # noqa: F401

RETURNS = "id_number,month,amount,reason,reference"
STATUS = "uscc,name,status,effective_on,reference"


def test_a_returned_payment_is_held_and_counted_in_the_overpayment_of_a_later_death(world, crew):  # noqa: F811
    one, clerk = world["one"], world["clerk"]
    september = Payment.objects.get(person_id=one.uid, month="2024-09")
    amount = f"{september.amount_fen / 100:.2f}"
    outcome = receive(clerk, "payment_returns", feed(RETURNS, f"{one.id_number},2024-09,{amount},account_closed,BK-1",
                                                     f"{STRANGER},2024-09,100.00,other,BK-2"),
                      file_name="returns.csv", reason="银行退回", channel="cli").as_json()
    assert outcome["discrepancies"] == {"payment_returned": 1, "unknown_person": 1}
    returned = json.loads(Discrepancy.objects.get(kind="payment_returned").detail)
    assert returned["paid"] == returned["amount"] == f"{september.amount_fen / 100:.2f}"
    unknown = Discrepancy.objects.get(kind="unknown_person")
    assert json.loads(unknown.detail)["id_number"] == mask_id_number(STRANGER) and STRANGER not in unknown.subject
    assert listing(kind="unknown_person")[0]["subject"] == mask_id_number(STRANGER)
    assert PaymentHold.objects.get().reason == "payment_returned"
    receive(clerk, "person_events", feed(PERSON_EVENTS, row(one, "died", "2024-08-20")), file_name="e.csv", reason="民政",
            channel="cli")
    died = json.loads(Discrepancy.objects.get(kind="pensioner_died").detail)
    assert (died["returned"], died["overpayment"]) == (returned["amount"], "0.00")  # September came back
    world["post"]("pay_pensions", {"month": "2024-10"})  # held twice over: not paid
    settled(world, crew, Discrepancy.objects.get(kind="pensioner_died"), "resolve")
    assert json.loads(Discrepancy.objects.get(kind="pensioner_died").outcome)["overpayment_fen"] == 0
    settled(world, crew, Discrepancy.objects.get(kind="payment_returned"), "dismiss")
    assert sorted(PaymentHold.objects.values_list("back_pay_fen", flat=True)) == [0, 0]  # October was after the death
    assert Award.objects.get(person_id=one.uid).status == "ended"
    assert findings() == []


def test_a_closed_employer_with_open_periods_is_queued_and_an_unknown_one_kept(world, post_txn):  # noqa: F811
    uscc = make_uscc("9", "1", "440300", "MA5G0PXL")
    employer = post_txn("register_employer", {"uscc": uscc, "name": "示例科技有限公司", "region": "440305"})[0].payload["employer"]
    post_txn("start_employment", {"person": world["worker"].uid, "employer": employer, "start": "2015-03-01"})
    other = make_uscc("9", "1", "440300", "MA5G0QQQ")
    outcome = receive(world["clerk"], "employer_status", feed(STATUS, f"{uscc},示例科技有限公司,deregistered,2024-05-31,SC-1",
                                                                f"{other},他处公司,revoked,2024-05-31,SC-2"),
                      file_name="status.csv", reason="市场监管注销", channel="cli").as_json()
    assert (outcome["discrepancies"], outcome["unmatched"]) == ({"employer_closed": 1}, 1)
    closed = Discrepancy.objects.get()
    detail = json.loads(closed.detail)
    assert (closed.subject, closed.key, detail["registered"]) == (f"employer:{employer}", "2024-05-31", True)
    assert detail["open_periods"] == [{"person": world["worker"].masked_id_number, "start": "2015-03-01"}]
    assert (detail["arrears_months"], detail["arrears"]) == (0, "0.00")
    assert UnmatchedRow.objects.get().kind == "employer_status"
    assert listing(kind="employer_closed")[0]["subject"] == uscc  # a unit by its credit code: not personal data
    assert findings() == []


def test_review_of_a_dismissal_is_refused_to_the_clerk_who_opened_it(world, crew):  # noqa: F811
    one = world["one"]
    receive(world["clerk"], "payment_returns", feed(RETURNS, f"{one.id_number},2024-09,1.00,other,BK-3"),
            file_name="r.csv", reason="银行退回", channel="cli")
    txn = settle(world["clerk"], Discrepancy.objects.get().id, "dismiss", reason="已核实", channel="cli", report=b"")
    with pytest.raises(Refused):
        review(world["clerk"], txn, "approve", "ok")
    assert PaymentHold.objects.get().released_at == ""


CHANGES = "old_id_number,new_id_number,changed_on,reference"


def test_an_id_change_is_resolved_and_the_old_number_still_finds_the_person(world, crew):  # noqa: F811
    from datetime import date

    from sirecords.core.identifiers import make_id_number
    from sirecords.registry.models import Person
    from sirecords.registry.queries import find_person_by_id_number

    worker, two = world["worker"], world["two"]
    old = worker.id_number
    new = make_id_number("440306", date(1964, 7, 1), 555)  # another birth date: the archive's still decides
    outcome = receive(world["clerk"], "id_changes", feed(CHANGES, f"{old},{new},2024-06-01,GA-9",
                                                          f"{world['one'].id_number},{two.id_number},2024-06-01,GA-10"),
                      file_name="ids.csv", reason="公安变更", channel="cli").as_json()
    assert outcome["discrepancies"] == {"id_changed": 2}
    changed = Discrepancy.objects.get(subject=f"person:{worker.uid}")
    detail = json.loads(changed.detail)
    assert (detail["birth_date_changed"], detail["sex_changed"], detail["new_number_registered"]) == (True, False, False)
    assert new not in changed.detail and old not in changed.detail
    duplicate = Discrepancy.objects.exclude(pk=changed.pk).get()
    assert json.loads(duplicate.detail)["new_number_registered"] is True
    with pytest.raises(InvalidTransaction, match="registered to someone already"):
        settled(world, crew, duplicate, "resolve")
    settled(world, crew, changed, "resolve")
    person = Person.objects.get(uid=worker.uid)
    assert person.id_number == new and person.birth_month == worker.birth_month
    assert find_person_by_id_number(old).uid == find_person_by_id_number(new).uid == worker.uid
    later = receive(world["clerk"], "person_events", feed(PERSON_EVENTS, f"{old},{worker.name},died,2024-07-01,health,WJ-1"),
                    file_name="later.csv", reason="卫健", channel="cli").as_json()
    assert later["discrepancies"] == {"insured_died": 1} and later["unmatched"] == 0
    assert findings() == []

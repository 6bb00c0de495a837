"""Written applications (第十八条–第二十条): registered, reviewed through the configured stages, answered within the
approved items, months and persons only, or refused with the reason; every answer read in the access log
(第二十一条); an authority's reads kept from the person until the disclosure date; the register of recipients."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from sirecords.applications import services
from sirecords.applications.kinds import APPLICATION_APPROVED, APPLICATION_REFUSED
from sirecords.applications.models import Decision
from sirecords.core.identifiers import make_id_number
from sirecords.ledger.models import Entry
from sirecords.records.disclosure import reads_of
from sirecords.records.models import AccessEvent, WithheldReads
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.models import State
from sirecords.workflow.services import Refused, execute, review

from ..queries.conftest import LATER_NAME, LATER_USCC, PERSON_ID
from .conftest import AUTHORITY, UNIT, application_fields

pytestmark = pytest.mark.django_db


def approve(crew, txn):
    for stage in txn.stage_list:
        txn = review(crew[stage], txn, "approve", "依法予以提供")
    return txn


def test_application_is_reviewed_then_answered_within_its_scope(crew, two_employers):
    txn = services.register(crew["officer"], **application_fields(PERSON_ID))
    assert txn.state == State.SUBMITTED and txn.stage_list == ["review1", "approval"]
    assert PERSON_ID not in txn.summary and PERSON_ID not in txn.payload_sealed
    app = services.application(txn.uid)
    assert not app.approved and services.pending() == [app]
    with pytest.raises(Refused):
        services.answer_documents(app, crew["officer"])
    txn = approve(crew, txn)
    assert txn.state == State.POSTED
    entry = Entry.objects.get(subject=f"application:{txn.uid}", kind=APPLICATION_APPROVED)
    assert PERSON_ID not in entry.payload and "王经理" not in entry.payload, "ID numbers and contact are sealed"
    body = json.loads(entry.payload)
    assert body["persons"][0]["person"] == two_employers.person.uid and body["items"] == ["contributions"]

    app = services.application(txn.uid)
    answers = services.answer_documents(app, crew["officer"])
    assert len(answers) == 1
    view = answers[0]
    assert {row["period"] for row in view["contributions"]} == {"2022-05", "2022-06"}
    assert "pension" not in view and "account_years" not in view, "items not approved are absent"
    assert view["scope"]["served"] == "unit" and view["application"]["organisation"] == UNIT
    text = json.dumps(view, ensure_ascii=False, default=str)
    for marker in (LATER_NAME, LATER_USCC, "2022-07", "2022-08", "1988-08-08"):
        assert marker not in text
    logged = AccessEvent.objects.get(subject=f"person:{two_employers.person.uid}", actor="app.officer")
    assert logged.purpose.startswith(f"application [{txn.uid}]: {UNIT}")
    decision = Decision.objects.get(uid=txn.uid)
    assert decision.decision == "approved" and decision.persons == 1 and decision.months == "2022-05..2022-06"


def test_a_unit_is_never_answered_beyond_items_one_and_two(crew, two_employers):
    with pytest.raises(InvalidTransaction) as refused:
        services.register(crew["officer"], **application_fields(PERSON_ID, items=["contributions", "benefits"]))
    assert "items" in refused.value.errors


def test_bad_input_names_the_field_and_changes_nothing(crew, two_employers):
    with pytest.raises(InvalidTransaction) as refused:
        services.register(crew["officer"], **application_fields("110101199001011234", months=("2022-09", "2022-01"),
                                                                 disclose_on="2030-01-01"))
    assert {"persons", "months", "disclose_on"} <= set(refused.value.errors)
    assert services.pending() == [] and not Entry.objects.filter(kind=APPLICATION_APPROVED).exists()
    with pytest.raises(InvalidTransaction) as refused:
        services.register(crew["officer"], **application_fields(PERSON_ID, credentials=b""))
    assert "credentials" in refused.value.errors


def test_refusal_with_the_reason(crew, two_employers):
    txn = services.register(crew["officer"], **application_fields(PERSON_ID, legal_basis="商业合作需要"))
    app = services.application(txn.uid)
    with pytest.raises(Refused):
        services.refuse(crew["officer"], app, "无法律依据")  # the officer who recorded it may not decide
    with pytest.raises(InvalidTransaction):
        services.refuse(crew["review1"], app, "")
    app = services.refuse(crew["review1"], app, "申请无法律依据：商业合作不是查询个人权益记录的法定事由（第二十条第二项）")
    assert app.refused and "法律依据" in app.summary()["reason"]
    assert Entry.objects.filter(subject=f"application:{txn.uid}", kind=APPLICATION_REFUSED).count() == 1
    with pytest.raises(Refused):
        services.answer_documents(app, crew["officer"])
    with pytest.raises(Refused):
        services.refuse(crew["approval"], app, "again")
    assert not AccessEvent.objects.filter(subject=f"person:{two_employers.person.uid}").exists()
    register = services.recipients()
    assert register[0]["organisation"] == UNIT and register[0]["applications"] == []
    assert register[0]["refused"][0]["uid"] == txn.uid


def test_a_refusal_cannot_bypass_the_stage_due(crew, staff, two_employers):
    """Opened directly (not through services.refuse), a refusal by a reviewer who did not reject the application at
    its stage due is refused, naming the field; nothing is posted."""
    txn = services.register(crew["officer"], **application_fields(PERSON_ID))
    with pytest.raises(InvalidTransaction) as refused:
        execute(staff("app.r2", "reviewer2"), "refuse_application", {"application": txn.uid, "reason": "越级不予提供"},
                region="440300", reason="bypass", channel="web")
    assert "application" in refused.value.errors
    assert not Entry.objects.filter(kind=APPLICATION_REFUSED).exists()


def test_only_the_approved_persons_are_answered(crew, two_employers, post_txn):
    other = make_id_number("440305", date(1991, 1, 1), 55)
    post_txn("register_person", {"id_number": other, "name": "王旁人", "region": "440305"})
    txn = approve(crew, services.register(crew["officer"], **application_fields(PERSON_ID)))
    answers = services.answer_documents(services.application(txn.uid), crew["officer"])
    assert [view["person"]["name"] for view in answers] == ["李查询"]
    assert "王旁人" not in json.dumps(answers, ensure_ascii=False, default=str)


def test_an_authority_reads_are_kept_from_the_person_until_the_disclosure_date(crew, two_employers):
    disclose_on = date.today() + timedelta(days=90)
    txn = services.register(crew["officer"], **application_fields(
        PERSON_ID, applicant_kind="authority", organisation=AUTHORITY, legal_basis="《民事诉讼法》第六十七条",
        purpose="审理劳动争议案件（2026）粤0305民初123号", items=["contributions", "benefits", "years_account"],
        months=("2022-01", "2022-12"), disclose_on=disclose_on))
    approve(crew, txn)
    order = WithheldReads.objects.get(person_id=two_employers.person.uid)
    assert order.reference == txn.uid and order.disclose_on == disclose_on.isoformat() and order.authority == AUTHORITY
    answers = services.answer_documents(services.application(txn.uid), crew["officer"])
    assert {row["period"] for row in answers[0]["contributions"]} == {"2022-05", "2022-06", "2022-07", "2022-08"}
    logged = AccessEvent.objects.get(subject=f"person:{two_employers.person.uid}", actor="app.officer")
    assert logged.purpose.startswith(f"case [{txn.uid}]")
    shown = reads_of(two_employers.person)
    assert all(txn.uid not in json.dumps(row, default=str, ensure_ascii=False) for row in shown)
    assert not any(AUTHORITY in json.dumps(row, default=str, ensure_ascii=False) for row in shown)


def test_recipients_register_names_the_agreed_use(crew, two_employers):
    txn = approve(crew, services.register(crew["officer"], **application_fields(PERSON_ID)))
    register = services.recipients()
    assert len(register) == 1
    entry = register[0]
    assert entry["applicant_kind"] == "unit" and entry["agreed_uses"] == ["仅用于本次贷款审查，不得向第三方提供"]
    assert entry["applications"][0]["uid"] == txn.uid and entry["applications"][0]["items"] == ["contributions"]
    assert services.recipients(regions=["110000"]) == []

"""The written-application pages (第十八条–第二十条): registered at the desk with the credentials, reviewed on the
existing review page, answered on a printable page holding only the approved items, months and persons, or refused
with the reason on a printable notice; the register of recipients."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sirecords.applications.models import Decision
from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.records.models import AccessEvent
from sirecords.workflow.models import BusinessTransaction, State

from ..applications.conftest import UNIT
from ..queries.conftest import FIRST_NAME, LATER_NAME, LATER_USCC, PERSON_ID, two_employers  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(staff_client):
    return {"officer": staff_client("web.officer", "query_officer"), "review1": staff_client("web.r1", "reviewer1"),
            "approval": staff_client("web.ap", "approver"), "supervisor": staff_client("web.sup", "supervisor")}


def form(**changes):
    data = {"region": "440300", "applicant_kind": "unit", "organisation": UNIT, "contact": "王经理 0755-12345678",
            "purpose": "核实贷款申请人的缴费情况", "legal_basis": "《商业银行法》第三十五条及本人书面同意",
            "persons": f"{PERSON_ID}\n", "items": ["contributions"], "months_start": "2022-05", "months_end": "2022-06",
            "agreed_use": "仅用于本次贷款审查", "credentials": SimpleUploadedFile("licence.pdf", scan("licence"),
                                                                                 content_type="application/pdf")}
    data.update(changes)
    return data


def test_register_review_and_answer(desk, two_employers):  # noqa: F811 (the fixture imported above)
    page = desk["officer"].post(reverse("desk_application_new"), form())
    txn = BusinessTransaction.objects.get(type="answer_application")
    assert page.status_code == 302 and page["Location"] == reverse("desk_application", args=[txn.uid])
    detail = desk["officer"].get(page["Location"]).content.decode()
    assert UNIT in detail and PERSON_ID not in detail and "4403" in detail, "the persons are masked"
    for stage in ("review1", "approval"):
        answer = desk[stage].post(reverse("desk_review", args=[txn.uid]), {"decision": "approve", "opinion": "依法提供"})
        assert answer.status_code == 302
    txn.refresh_from_db()
    assert txn.state == State.POSTED
    html = desk["officer"].get(reverse("desk_application_answer", args=[txn.uid])).content.decode()
    assert "2022-05" in html and "2022-06" in html and FIRST_NAME in html and "仅用于本次贷款审查" in html
    for marker in (LATER_NAME, LATER_USCC, "2022-07", "2022-08", "1988-08-08", PERSON_ID):
        assert marker not in html, marker
    event = AccessEvent.objects.get(subject=f"person:{two_employers.person.uid}", actor="web.officer")
    assert event.purpose.startswith(f"application [{txn.uid}]") and event.what == "application answer (page)"
    recipients = desk["supervisor"].get(reverse("desk_recipients")).content.decode()
    assert UNIT in recipients and "仅用于本次贷款审查" in recipients


def test_a_refusal_with_the_reason(desk, two_employers):  # noqa: F811 (the fixture imported above)
    desk["officer"].post(reverse("desk_application_new"), form(legal_basis="商业合作"))
    txn = BusinessTransaction.objects.get(type="answer_application")
    assert desk["review1"].post(reverse("desk_application_refuse", args=[txn.uid]), {"reason": ""}).status_code == 400
    page = desk["review1"].post(reverse("desk_application_refuse", args=[txn.uid]), {"reason": "无法律依据，不予提供"})
    assert page.status_code == 302 and page["Location"] == reverse("desk_application_refusal", args=[txn.uid])
    notice = desk["officer"].get(page["Location"]).content.decode()
    assert "无法律依据，不予提供" in notice and UNIT in notice
    assert Decision.objects.get(uid=txn.uid).decision == "refused"
    refused = desk["officer"].get(reverse("desk_application_answer", args=[txn.uid]))
    assert refused.status_code == 403
    assert not AccessEvent.objects.filter(subject=f"person:{two_employers.person.uid}").exclude(what__startswith="refused").exists()


def test_bad_input_is_named_and_nothing_is_recorded(desk, two_employers):  # noqa: F811 (the fixture imported above)
    page = desk["officer"].post(reverse("desk_application_new"), form(items=["benefits"], persons="12345\n"))
    html = page.content.decode()
    assert page.status_code == 200 and ("line 1" in html or "第 1 行" in html)
    page = desk["officer"].post(reverse("desk_application_new"), form(items=["benefits"]))
    assert page.status_code == 200 and "benefits" in page.content.decode()
    assert not BusinessTransaction.objects.filter(type="answer_application").exists()


def test_an_unregistered_number_is_named_and_the_probe_logged(desk, two_employers):  # noqa: F811 (the fixture imported above)
    unknown = make_id_number("440305", date(1990, 1, 1), 123)
    page = desk["officer"].post(reverse("desk_application_new"), form(persons=f"{PERSON_ID}\n{unknown}\n"))
    assert page.status_code == 200 and "line 2" in page.content.decode()
    assert AccessEvent.objects.filter(actor="web.officer", subject__startswith="idx:").exists()
    assert not BusinessTransaction.objects.filter(type="answer_application").exists()

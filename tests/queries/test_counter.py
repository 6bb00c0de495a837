"""Counter and delegated queries (第十五条): recorded in the ledger, read through the access log with the basis, and
the answer page and its CSV hold nothing out of the requester's scope."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sirecords.demo.documents import scan
from sirecords.ledger.models import Entry
from sirecords.queries.kinds import RECORD_QUERY_ANSWERED
from sirecords.records.models import AccessEvent
from sirecords.workflow.models import BusinessTransaction, State

from ..conftest import sign_in
from .conftest import DELEGATE_ID, FIRST_NAME, LATER_NAME, LATER_USCC, PERSON_ID, module_two_employers

pytestmark = pytest.mark.django_db
two_employers = module_two_employers()  # made once for the module; each test in a rolled-back savepoint


@pytest.fixture
def officer(client, make_staff):
    return sign_in(client, make_staff("query.q", "query_officer"))


def ask(client, **fields):
    data = {"id_number": PERSON_ID, "requester": "self", **fields}
    return client.post(reverse("desk_query_new"), data)


def posted_query():
    txn = BusinessTransaction.objects.get(type="record_query")
    assert txn.state == State.POSTED, "a query needs no review: it is posted at once"
    entry = Entry.objects.get(txn=txn.uid, kind=RECORD_QUERY_ANSWERED)
    return txn, entry


def out_of_scope_markers_absent(*texts: str, markers=(LATER_NAME, LATER_USCC, "2022-07", "2022-08")) -> None:
    for text in texts:
        for marker in markers:
            assert marker not in text, f"{marker!r} is out of scope and must appear nowhere"


def test_delegate_query_is_in_the_ledger_and_the_access_log_with_its_basis(officer, two_employers):
    authorisation = scan("written authorisation")
    page = ask(officer, requester="delegate", identity_checked="on", delegate_id_number=DELEGATE_ID,
               authorisation=SimpleUploadedFile("auth.pdf", authorisation, content_type="application/pdf"),
               items=["contributions"], months_start="2022-05", months_end="2022-06")
    txn, entry = posted_query()
    assert page.status_code == 302 and page["Location"] == reverse("desk_query_answer", args=[txn.uid])
    payload = json.loads(entry.payload)
    digest = hashlib.sha256(authorisation).hexdigest()
    assert payload["authorisation_sha256"] == digest and payload["items"] == ["contributions"]
    assert payload["months"] == ["2022-05", "2022-06"] and len(payload["delegate_index"]) == 64
    assert DELEGATE_ID not in entry.payload, "the delegate's ID number is sealed, never in clear"
    assert txn.attachments.get().sha256 == digest

    answer = officer.get(page["Location"])
    html = answer.content.decode()
    assert answer.status_code == 200 and "2022-05" in html and "2022-06" in html and FIRST_NAME in html
    csv = officer.get(reverse("desk_query_csv", args=[txn.uid]))
    text = csv.content.decode("utf-8-sig")
    assert csv.status_code == 200 and "2022-06" in text
    out_of_scope_markers_absent(html, text)
    assert "1988-08-08" not in html + text, "registration is not authorised: the birth date is absent"
    logged = AccessEvent.objects.filter(actor="query.q", subject=f"person:{two_employers.person.uid}")
    purposes = {event.purpose for event in logged}
    assert purposes == {f"counter_query [{txn.uid}]: delegate with written authorisation {digest[:12]}"}
    assert {event.what for event in logged} == {"counter query answer (page)", "counter query answer (CSV file)"}


def test_employer_query_shows_its_employment_period_only(officer, two_employers):
    page = ask(officer, requester="employer", uscc=two_employers.first.uscc)
    txn, entry = posted_query()
    html = officer.get(page["Location"]).content.decode()
    text = officer.get(reverse("desk_query_csv", args=[txn.uid])).content.decode("utf-8-sig")
    assert "2022-05" in html and "2022-06" in text
    out_of_scope_markers_absent(html, text)
    event = AccessEvent.objects.get(actor="query.q", what="counter query answer (page)")
    assert event.purpose == f"counter_query [{txn.uid}]: employer {two_employers.first.uscc}, employment periods only"


def test_self_query_shows_the_whole_record_and_needs_the_identity_checked(officer, two_employers):
    refused = ask(officer)
    assert refused.status_code == 200 and not BusinessTransaction.objects.filter(type="record_query").exists()
    assert "identity" in refused.content.decode().lower() or "身份" in refused.content.decode()
    page = ask(officer, identity_checked="on")
    txn, _entry = posted_query()
    html = officer.get(page["Location"]).content.decode()
    assert LATER_NAME in html and FIRST_NAME in html and "2022-08" in html
    assert "Pension insurance" in html and "the insured person" in html, "the insurance type and the requester in words"
    chinese = officer.get(page["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "基本养老保险" in chinese and "参保人员本人" in chinese and "本结果包含的内容及依据" in chinese


def test_an_employer_that_never_employed_the_person_is_refused(officer, two_employers, post_txn):
    from sirecords.core.identifiers import make_uscc

    uscc = make_uscc("9", "1", "440300", "MA5Q0007")
    post_txn("register_employer", {"uscc": uscc, "name": "丙无关公司", "region": "440305"})
    page = ask(officer, requester="employer", uscc=uscc)
    assert page.status_code == 200 and not BusinessTransaction.objects.filter(type="record_query").exists()
    assert not AccessEvent.objects.filter(subject=f"person:{two_employers.person.uid}").exists()


def test_a_delegate_without_the_written_authorisation_is_refused(officer, two_employers):
    page = ask(officer, requester="delegate", identity_checked="on", delegate_id_number=DELEGATE_ID)
    assert page.status_code == 200 and not BusinessTransaction.objects.filter(type="record_query").exists()


def test_only_the_officer_who_recorded_the_query_reads_its_answer(officer, two_employers, make_staff):
    from django.test import Client

    page = ask(officer, identity_checked="on")
    other = sign_in(Client(), make_staff("query.other", "query_officer"))
    assert other.get(page["Location"]).status_code == 403
    assert other.get(page["Location"].replace("/desk/query/", "/desk/query/") + "answer.csv").status_code == 403
    assert not AccessEvent.objects.filter(actor="query.other", subject=f"person:{two_employers.person.uid}").exists()


def test_a_clerk_may_not_record_a_counter_query(client, make_staff, two_employers):
    clerk = sign_in(client, make_staff("clerk.q", "clerk"))
    assert clerk.get(reverse("desk_query_new")).status_code == 403


def test_the_ledger_with_counter_queries_verifies(officer, two_employers):
    from sirecords.ledger.verify import verify

    ask(officer, identity_checked="on")
    ask(officer, requester="delegate", identity_checked="on", delegate_id_number=DELEGATE_ID,
        authorisation=SimpleUploadedFile("auth.pdf", scan("authorisation two"), content_type="application/pdf"))
    assert BusinessTransaction.objects.filter(type="record_query", state=State.POSTED).count() == 2
    report = verify()
    assert [f"{f.check} {f.where}: {f.message}" for f in report.findings] == []

"""The query officer issues a signed certificate for the person a counter query serves (web/views/certificates.py):
within the served requester's scope, in the ledger and in the person's "who read my record"."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from sirecords.certificates.verify import verify_pdf
from sirecords.ledger.models import Entry
from sirecords.records.disclosure import reads_of
from sirecords.records.models import AccessEvent

from ..certificates.conftest import agency_pki  # noqa: F401  (the agency PKI in the test home)
from ..conftest import sign_in
from .conftest import module_two_employers
from .test_counter import ask, officer, posted_query  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
two_employers = module_two_employers()  # made once for the module; each test in a rolled-back savepoint


def test_counter_issue_is_signed_logged_and_listed_for_the_person(officer, two_employers):  # noqa: F811
    ask(officer, identity_checked="on")
    txn, _ = posted_query()
    url = reverse("desk_query_certificate", args=[txn.uid])
    assert officer.get(url).status_code == 200
    assert reverse("desk_query_certificate", args=[txn.uid]) in officer.get(reverse("desk_query_answer", args=[txn.uid])).content.decode()
    response = officer.post(url, {"kind": "contributions", "start": "2022-01", "end": "2022-12"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.content[:400]
    verdict = verify_pdf(response.content, trust_root_pem=None, database=True)
    assert verdict.valid, verdict.problems
    entry = Entry.objects.get(kind="certificate.issued")
    assert entry.actor == "query.q" and json.loads(entry.payload)["code"] == verdict.code
    person = two_employers.person
    event = AccessEvent.objects.filter(actor="query.q", what="certificate issued: contributions").get()
    assert event.subject == f"person:{person.uid}" and "counter_query" in event.purpose
    assert "certificate issued: contributions" in [read["what"] for read in reads_of(person)]  # who read my record


def test_an_employer_asks_a_pension_certificate_and_is_refused(officer, two_employers):  # noqa: F811
    ask(officer, requester="employer", uscc=two_employers.first.uscc)
    txn, _ = posted_query()
    response = officer.post(reverse("desk_query_certificate", args=[txn.uid]), {"kind": "pension"})
    assert response.status_code == 200 and "text/html" in response["Content-Type"]
    assert "scope" in response.content.decode()
    assert not Entry.objects.filter(kind="certificate.issued").exists()


def test_another_officer_may_not_issue_on_this_query(officer, two_employers, make_staff, client):  # noqa: F811
    ask(officer, identity_checked="on")
    txn, _ = posted_query()
    other = sign_in(client.__class__(), make_staff("query.other", "query_officer"))
    response = other.post(reverse("desk_query_certificate", args=[txn.uid]), {"kind": "contributions",
                                                                               "start": "2022-01", "end": "2022-12"})
    assert response.status_code == 403
    assert not Entry.objects.filter(kind="certificate.issued").exists()


def test_a_clerk_may_not_open_the_page(officer, two_employers, make_staff, client):  # noqa: F811
    ask(officer, identity_checked="on")
    txn, _ = posted_query()
    clerk = sign_in(client.__class__(), make_staff("query.clerk", "clerk"))
    assert clerk.get(reverse("desk_query_certificate", args=[txn.uid])).status_code == 403

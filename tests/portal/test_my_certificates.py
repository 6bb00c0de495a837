"""/my/certificates/: the insured person downloads their own signed certificates (certificates.issuing); the issue
is in the ledger and the access log, and the PDF verifies."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sirecords.certificates.verify import verify_pdf
from sirecords.ledger.models import Entry
from sirecords.records.models import AccessEvent

from ..certificates.conftest import agency_pki  # noqa: F401  (the agency PKI in the test home)
from .record_setup import me, other, signed_in, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_the_person_downloads_a_signed_contributions_certificate(me, other):  # noqa: F811
    client = signed_in(me)
    page = client.get("/my/certificates/")
    assert page.status_code == 200 and me.person.masked_id_number in page.content.decode()
    response = client.post("/my/certificates/", {"kind": "contributions", "start": "2024-01", "end": "2024-12"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.content[:500]
    assert me.person.id_number not in response["Content-Disposition"]
    verdict = verify_pdf(response.content, trust_root_pem=None, database=True)
    assert verdict.valid, verdict.problems
    entry = Entry.objects.get(kind="certificate.issued")
    payload = json.loads(entry.payload)
    assert entry.subject == f"person:{me.person.uid}" and payload["code"] == verdict.code
    assert AccessEvent.objects.filter(actor=f"person:{me.person.uid}", what="certificate issued: contributions",
                                      channel="portal").exists()


def test_a_statement_and_bad_input_next_to_its_field(me):  # noqa: F811
    client = signed_in(me)
    assert client.post("/my/certificates/", {"kind": "statement", "year": "2024"})["Content-Type"] == "application/pdf"
    bad = client.post("/my/certificates/", {"kind": "contributions", "start": "2024-13", "end": "2024-12"})
    assert bad.status_code == 200 and "text/html" in bad["Content-Type"]
    assert 'id="id_start_error"' in bad.content.decode()
    no_pension = client.post("/my/certificates/", {"kind": "pension"})
    assert "text/html" in no_pension["Content-Type"] and "no pension award" in no_pension.content.decode()
    assert Entry.objects.filter(kind="certificate.issued").count() == 1


def test_the_page_needs_a_person_session():
    response = Client().get("/my/certificates/")
    assert response.status_code == 302 and response["Location"].startswith("/my/login/")

"""An approved written application's answer about each person as a signed `query_result` PDF
(applications.services.answer_certificate → certificates.issuing): in the approved scope, in the ledger and in the
access log with the application's purpose."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from sirecords.certificates.verify import verify_pdf
from sirecords.ledger.models import Entry
from sirecords.records.models import AccessEvent
from sirecords.workflow.models import BusinessTransaction

from ..certificates.conftest import agency_pki, needs_poppler, pdf_text  # noqa: F401 (the agency PKI fixture)
from ..queries.conftest import LATER_NAME, LATER_USCC, two_employers  # noqa: F401 (fixture)
from .test_application_pages import desk, form  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def approved(desk):  # noqa: F811
    desk["officer"].post(reverse("desk_application_new"), form())
    txn = BusinessTransaction.objects.get(type="answer_application")
    for stage in ("review1", "approval"):
        desk[stage].post(reverse("desk_review", args=[txn.uid]), {"decision": "approve", "opinion": "依法提供"})
    return txn


@needs_poppler
def test_the_answer_as_a_signed_pdf_per_person(desk, two_employers, tmp_path):  # noqa: F811
    txn = approved(desk)
    person = two_employers.person
    html = desk["officer"].get(reverse("desk_application_answer", args=[txn.uid])).content.decode()
    url = reverse("desk_application_answer_pdf", args=[txn.uid, person.uid])
    assert url in html
    response = desk["officer"].post(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", response.content[:300]
    verdict = verify_pdf(response.content, trust_root_pem=None, database=True)
    assert verdict.valid and verdict.kind == "query_result", verdict.problems
    text = pdf_text(response.content, tmp_path)
    assert "书面查询结果" in text and "2022-05" in text
    for marker in (LATER_NAME, LATER_USCC, "2022-07", "2022-08"):  # out of the approved scope
        assert marker not in text, marker
    entry = Entry.objects.get(kind="certificate.issued")
    assert json.loads(entry.payload)["items"] == ["contributions"] and entry.actor == "web.officer"
    event = AccessEvent.objects.get(actor="web.officer", what="application answer (signed PDF)")
    assert event.purpose.startswith(f"application [{txn.uid}]")


def test_a_person_the_application_does_not_name_is_refused(desk, two_employers, post_txn):  # noqa: F811
    txn = approved(desk)
    from datetime import date

    from sirecords.core.identifiers import make_id_number

    other = post_txn("register_person", {"id_number": make_id_number("440305", date(1980, 1, 1), 7), "name": "旁人",
                                         "region": "440305"})[0].payload["person"]
    response = desk["officer"].post(reverse("desk_application_answer_pdf", args=[txn.uid, other]))
    assert response.status_code == 403 and not Entry.objects.filter(kind="certificate.issued").exists()
    assert re.search("does not cover|不", response.content.decode())
    assert desk["review1"].post(reverse("desk_application_answer_pdf", args=[txn.uid, two_employers.person.uid])).status_code == 403

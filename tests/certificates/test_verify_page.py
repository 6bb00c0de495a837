"""The public verification page /v/<code> (web/views/certificate_public.py): no login, a masked summary — never the
name or a figure —, revoked shown as such, unknown and malformed codes alike (404), and a rate limit per address."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from sirecords.certificates.issuing import issue_document
from sirecords.certificates.models import Certificate
from sirecords.queries.scopes import Requester
from sirecords.workflow.services import review

from ..conftest import module_credited

pytestmark = pytest.mark.django_db
credited = module_credited()  # made once for the module; each test in a rolled-back savepoint


@pytest.fixture(autouse=True)
def fresh_counters():
    caches["reads"].clear()


@pytest.fixture
def issued(credited):
    return issue_document(credited, credited, "statement", requester=Requester("self", person_uid=credited.uid),
                          purpose="self: test", channel="portal", year=2024)


def test_a_valid_certificate_shows_the_masked_summary_only(issued, credited):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/v/{issued.code}")
    html = response.content.decode()
    assert response.status_code == 200
    assert issued.code in html and credited.masked_id_number in html and "was issued by the agency and is valid" in html
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/v/{issued.code}").content.decode()
    assert "证明由本机构出具，现行有效" in chinese  # Chinese first
    assert credited.name not in html and credited.id_number not in html
    for figure in issued.document.facts.values():
        if figure not in ("2024",) and len(figure) > 3:
            assert figure not in html, figure
    assert issued.document.issued_at.date().isoformat() in html


def test_the_qr_code_url_is_this_page(issued):
    from urllib.parse import urlparse

    assert Client().get(urlparse(issued.document.verify_url).path).status_code == 200


def test_a_typed_code_is_canonicalised(issued):
    typed = issued.code.lower().replace("-", " ")
    assert Client().get(f"/v/{typed}").status_code == 200
    assert Client().get("/v/", {"code": typed})["Location"] == f"/v/{issued.code}"


def test_unknown_and_malformed_codes_answer_alike(issued):
    unknown = Client().get("/v/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    malformed = Client().get("/v/hello")
    assert unknown.status_code == malformed.status_code == 404
    def body(response, path):  # the language switch carries the page's own path back: the rest is the same
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode().replace(path, "PATH"))

    assert body(unknown, "/v/ZZZZ-ZZZZ-ZZZZ-ZZZZ") == body(malformed, "/v/hello")


def test_a_revoked_certificate_says_so(issued, staff):
    from sirecords.certificates.services import revoke

    txn = revoke(staff("rev.officer", "query_officer"), issued.code, reason="issued in error", channel="web")
    for stage in txn.stage_list:
        role = {"review1": "reviewer1", "review2": "reviewer2", "review3": "reviewer3", "approval": "approver"}[stage]
        txn = review(staff(f"rev.{stage}", role), txn, "approve", "ok")
    assert Certificate.objects.get(code=issued.code).revoked_on
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/v/{issued.code}").content.decode()
    assert "revoked" in html and "is valid" not in html


@override_settings(SIRECORDS_VERIFY_RATE="3/m")
@pytest.mark.usefixtures("steady_rate_windows")  # five requests in one minute's window, wherever its edge falls
def test_beyond_the_rate_the_page_answers_429(issued):
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [client.get(f"/v/{issued.code}").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").get(f"/v/{issued.code}").status_code == 200  # per address


def test_an_uploaded_pdf_is_checked(issued):
    ok = Client().post("/v/", {"file": SimpleUploadedFile("c.pdf", issued.pdf, content_type="application/pdf")})
    assert ok.status_code == 200 and issued.code in ok.content.decode()
    changed = bytearray(issued.pdf)
    changed[len(changed) // 2] ^= 1
    bad = Client(HTTP_ACCEPT_LANGUAGE="en").post("/v/", {"file": SimpleUploadedFile("c.pdf", bytes(changed))})
    assert "not a valid certificate" in bad.content.decode()

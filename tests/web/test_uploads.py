"""Uploads at the desk (issue 9, finding 13): an oversize upload is refused while it streams — by its Content-Length
before a byte is read, or, within that, by counting the file without keeping it — and never held whole in
memory; what arrives is parsed, so a polyglot is refused next to the file field, naming the file and why."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from sirecords.core.home import attachments_dir
from sirecords.demo.documents import scan
from sirecords.users.models import ConfidentialityAgreement
from sirecords.workflow.models import Attachment, BusinessTransaction

from .test_admin_helpers import field_error, login_as, register_person
from .test_desk_support import attach, error_next_to, open_person, page_text, signer
from .upload_support import StreamedMultipart, post_streamed

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def clerk(make_staff):
    return signer(make_staff)("clerk.a", "clerk")


def nothing_kept(txn) -> None:
    assert not Attachment.objects.exists()
    assert not txn.actions.filter(kind="attach").exists()
    assert not attachments_dir().exists() or not any(attachments_dir().rglob("*.sealed"))


def test_a_100_mb_upload_is_refused_by_its_length_before_a_byte_is_read(clerk):
    txn = open_person(clerk)
    body = StreamedMultipart(100 * MB, before={"kind": "id_card"})
    measured = post_streamed(clerk, f"/desk/t/{txn.uid}/attach/", body)
    assert measured.response.status_code == 413
    assert body.position == 0  # not one byte of the body was read
    assert measured.peak < 2 * MB, f"{measured.peak:,} bytes held while refusing"
    text = page_text(measured.response)
    assert f"The upload is {body.length:,} bytes; a document may have at most 10,485,760." in text
    assert "Nothing was received or kept" in text and f'href="/desk/t/{txn.uid}/attach/"' in text
    assert measured.response["Cache-Control"].count("no-store") == 1
    nothing_kept(txn)


def test_the_refusal_of_a_large_upload_is_in_chinese_first(clerk):
    txn = open_person(clerk)
    body = StreamedMultipart(20 * MB, before={"kind": "id_card"})
    response = clerk.generic("POST", f"/desk/t/{txn.uid}/attach/", **body.environ(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 413
    assert f"上传的内容有 {body.length:,} 字节" in page_text(response) and "上传内容过大" in page_text(response)


@override_settings(SIRECORDS_MAX_ATTACHMENT_BYTES=MB, SIRECORDS_UPLOAD_FORM_ROOM=16 * MB)
def test_a_file_over_the_limit_is_counted_not_kept_as_it_streams(clerk):
    """8 MB against a 1 MB limit, in a request the Content-Length check lets through (the form room is made wide):
    the handler passes on the first megabyte, then only counts. Memory stays at about the limit whatever the
    file's size; the field after the file is still read (the form knows the kind); the refusal gives the true size."""
    txn = open_person(clerk)
    clerk.get(f"/desk/t/{txn.uid}/")  # the page's templates loaded once, as in a running server
    body = StreamedMultipart(8 * MB, after={"kind": "id_card"}, name="id-card.pdf")
    measured = post_streamed(clerk, f"/desk/t/{txn.uid}/attach/", body)
    assert measured.response.status_code == 200
    assert body.position == body.length
    error_next_to(measured.response, "file", "file “id-card.pdf”: the file is 8,388,608 bytes; at most 1,048,576 are accepted")
    assert "Select a valid choice" not in page_text(measured.response)
    assert measured.peak < 2 * MB, f"{measured.peak:,} bytes held for a file of 8,388,608"
    nothing_kept(txn)


def test_a_file_just_within_the_limit_is_received_whole(clerk, settings):
    document = scan("resident ID card")
    settings.SIRECORDS_MAX_ATTACHMENT_BYTES = len(document)
    txn = open_person(clerk)
    assert attach(clerk, txn, document).status_code == 302
    assert Attachment.objects.get().size == len(document)


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\nMZ\x90\x00", "id-card.pdf",
     "file “id-card.pdf”: it is a PDF that also contains HTML or script (at byte 9); a file that is also something else "
     "is not accepted"),
    (scan("id card") + b"<script>alert(1)</script>", "id-card.pdf", "also contains HTML or script"),
    (scan("id card"), "id-card.html", "file “id-card.html”: its name ends in .html"),
], ids=["polyglot", "html-after-eof", "html-name"])
def test_the_desk_refuses_what_is_also_something_else(clerk, data, name, message):
    txn = open_person(clerk)
    page = attach(clerk, txn, data, name)
    assert page.status_code == 200
    error_next_to(page, "file", message)
    nothing_kept(txn)


def test_the_refusal_names_the_file_in_chinese(make_staff):
    signer(make_staff)("clerk.b", "clerk")
    from .test_desk_support import client_for

    chinese = client_for("clerk.b")
    chinese.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    txn = open_person(chinese)
    page = attach(chinese, txn, scan("id card") + b"<script>alert(1)</script>", "身份证.pdf")
    error_next_to(page, "file", "文件“身份证.pdf”：它是PDF文件，但其中还含有HTML或脚本")


def test_an_anonymous_oversize_post_is_refused_before_sign_in_is_even_checked():
    body = StreamedMultipart(50 * MB)
    response = Client().generic("POST", "/login/", **body.environ())
    assert response.status_code == 413 and body.position == 0


@override_settings(SIRECORDS_MAX_ATTACHMENT_BYTES=1000)
def test_the_maintenance_evidence_and_the_agreement_scan_are_refused_by_size_too(signed_in, post_txn, make_staff):
    """The other pages that take a document read it through documents.received: an oversize one is refused by its
    size (the handler kept none of it) with the same message, and nothing is opened or recorded."""
    uid = register_person(post_txn)
    big = scan("x" * 2000)
    maintainer = signed_in("maint.a", "maintainer")
    page = maintainer.post(f"/maintenance/person/{uid}/", {
        "kind": "correction", "field": "name", "new_value": "张玮", "reason": "本人申请", "method": "核对户口簿原件",
        "region": "440300", "evidence": SimpleUploadedFile("hukou.pdf", big, content_type="application/pdf")})
    assert f"file “hukou.pdf”: the file is {len(big):,} bytes; at most 1,000 are accepted" in field_error(page, "evidence")
    assert not BusinessTransaction.objects.filter(type="correction").exists()

    make_staff("ext.a", "maintainer", organisation="深圳某某外包有限公司")
    admin = login_as(Client(), make_staff("admin.a", "sysadmin").username)
    page = admin.post("/sysadmin/accounts/ext.a/agreement/", {
        "organisation": "深圳某某外包有限公司", "signed_on": "2026-01-05", "expires_on": "2027-01-05", "reason": "保密协议",
        "document": SimpleUploadedFile("协议.pdf", big, content_type="application/pdf")})
    assert "at most 1,000 are accepted" in field_error(page, "document")
    assert not ConfidentialityAgreement.objects.exists()

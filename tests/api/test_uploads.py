"""Uploads through the API (issue 9, finding 13): the same check as the desk — the file's name and its parsed
content (workflow/documents.check) — and the same refusal of an oversize body while it streams."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from sirecords.demo.documents import image, scan
from sirecords.workflow.models import Attachment, BusinessTransaction

from ..web.upload_support import StreamedMultipart, post_streamed
from .test_lifecycle import attach, create, errors

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def desk(staff_client):
    return staff_client("clerk.api", "clerk")


@pytest.fixture
def draft(desk) -> str:
    return create(desk).json()["uid"]


@pytest.mark.parametrize("data, name, message", [
    (scan("id card"), "id-card.png", "file “id-card.png”: its content is PDF, not PNG. A renamed file is not accepted"),
    (image("PNG"), "id-card.jpg", "file “id-card.jpg”: its content is PNG, not JPEG"),
    (scan("id card"), "id-card.html", "file “id-card.html”: its name ends in .html"),
    (b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\nMZ\x90\x00", "id-card.pdf",
     "file “id-card.pdf”: it is a PDF that also contains HTML or script (at byte 9)"),
    (scan("id card") + b"\x00junk after the end", "id-card.pdf", "bytes after the end of the PDF"),
], ids=["pdf-named-png", "png-named-jpg", "html-name", "polyglot", "trailing-bytes"])
def test_the_api_checks_the_name_and_the_parsed_content_as_the_desk_does(desk, draft, data, name, message):
    found = errors(attach(desk, draft, data, name=name))
    assert message in found["file"]
    assert not BusinessTransaction.objects.get(pk=draft).attachments.exists()


def test_a_scan_named_as_what_it_is_is_attached(desk, draft):
    answer = attach(desk, draft, image("JPEG"), name="id-card.jpg")
    assert answer.status_code == 201, answer.content
    assert answer.json()["content_type"] == "image/jpeg"


def test_a_100_mb_upload_is_refused_with_413_before_a_byte_is_read(desk, draft):
    body = StreamedMultipart(100 * MB, before={"kind": "id_card"})
    measured = post_streamed(desk, reverse("api:txn_attach", args=[draft]), body)
    assert measured.response.status_code == 413
    assert body.position == 0
    assert measured.peak < 2 * MB, f"{measured.peak:,} bytes held while refusing"
    assert measured.response.json()["detail"] == (f"the request body is {body.length:,} bytes; at most 11,534,336 are "
                                                  "accepted (a document at most 10,485,760). Nothing was read or kept.")
    assert "no-store" in measured.response["Cache-Control"]
    assert not Attachment.objects.exists()


@override_settings(SIRECORDS_MAX_ATTACHMENT_BYTES=MB)
def test_a_file_over_the_limit_within_the_request_room_is_refused_by_its_size(desk, draft):
    body = StreamedMultipart(MB + 1, before={"kind": "id_card"}, name="id-card.pdf")
    measured = post_streamed(desk, reverse("api:txn_attach", args=[draft]), body)
    assert errors(measured.response) == {"file": "file “id-card.pdf”: the file is 1,048,577 bytes; at most 1,048,576 are accepted"}
    assert body.position == body.length and not Attachment.objects.exists()

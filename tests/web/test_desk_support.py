"""Shared set-up for the front-desk page tests (no tests here): separate signed-in clients per user,
documents, and the clerk's steps through the pages."""

from __future__ import annotations

import struct
import zlib
from datetime import date

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.users.backends import BACKEND
from sirecords.users.models import SealedTOTPDevice
from sirecords.workflow.models import BusinessTransaction

from .conftest import REGION

ID = make_id_number("440305", date(1985, 6, 15), 123)
USCC = "91350100M000100Y43"


def another_id(n: int) -> str:
    return make_id_number("440306", date(1990, 1, 1), n)


def pdf(title: str = "resident ID card") -> bytes:
    return scan(title)


def png() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode"


def person_form(**changes) -> dict:
    data = {"id_number": ID, "name": "张伟", "phone": "13812345678", "address": "广东省深圳市南山区科技园路18号",
            "region": "440305", "registered_on": "", "txn_region": REGION, "reason": "本人申请 / applicant's request"}
    data.update(changes)
    return data


def signer(make_staff):
    """signer(make_staff)(username, *roles) -> a new test client signed in (password and second factor) as a
    new user with those roles (or, without roles, as the existing user). Each call gives its own client, so
    several people can act in one test. Pages are asked for in English, so the assertions on page text
    hold whatever the Chinese catalogue says. Use it in a module as:

        @pytest.fixture
        def staff(make_staff):
            return signer(make_staff)
    """

    def sign_in(username, *roles, **kwargs):
        user = make_staff(username, *roles, **kwargs) if roles else None
        return client_for(username, user)

    return sign_in


def client_for(username: str, user=None) -> Client:
    from django.contrib.auth import get_user_model

    user = user or get_user_model().objects.get(username=username)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user, backend=BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = SealedTOTPDevice.objects.filter(user=user, confirmed=True).first().persistent_id
    session.save()
    return client


def open_person(client, **changes) -> BusinessTransaction:
    response = client.post("/desk/new/register_person/", person_form(**changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    uid = response["Location"].rstrip("/").split("/")[-1]
    return BusinessTransaction.objects.get(pk=uid)


def attach(client, txn, data: bytes, name: str = "id-card.pdf", kind: str = "id_card"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(f"/desk/t/{txn.uid}/attach/", {"kind": kind, "file": upload})


def submit(client, txn):
    return client.post(f"/desk/t/{txn.uid}/submit/")


def review(client, txn, decision: str = "approve", opinion: str = "材料齐全 / complete"):
    return client.post(f"/desk/t/{txn.uid}/review/", {"decision": decision, "opinion": opinion})


def submitted_person(client, **changes) -> BusinessTransaction:
    """Through the pages: open a registration, attach the ID card scan, submit."""
    txn = open_person(client, **changes)
    assert attach(client, txn, pdf()).status_code == 302
    assert submit(client, txn).status_code == 302
    txn.refresh_from_db()
    assert txn.state == "submitted"
    return txn


def staff_in_region(username: str, role: str, region: str) -> Client:
    """A signed-in client for a new user holding `role` in another pooling region."""
    from ..conftest import make_signed_in_staff

    return client_for(username, make_signed_in_staff(username, role, region=region))


def field_block(page, name: str) -> str:
    """The rendered block of one form field (label, input, help, errors), unescaped."""
    import html
    import re

    text = page.content.decode() if hasattr(page, "content") else page
    found = re.search(rf'<div class="field[^"]*">\s*<label for="id_{name}">.*?</div>', text, re.S)
    assert found, f"no field {name} on the page"
    return html.unescape(found.group(0))


def error_next_to(page, name: str, message: str) -> None:
    """The field is marked invalid, the message is in its block, and the input points screen readers at it."""
    import re

    block = field_block(page, name)
    assert 'class="field invalid"' in block and 'class="error"' in block, block
    assert message in block, block
    assert 'aria-invalid="true"' in block and re.search(rf'aria-describedby="[^"]*id_{name}_error"', block), block


def page_text(page) -> str:
    import html

    return html.unescape(page.content.decode())

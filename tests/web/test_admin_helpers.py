"""Shared set-up for the tests of the maintainers', sysadmins' and supervisors' pages (no tests here)."""

from __future__ import annotations

import html
import re
from datetime import date

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp import DEVICE_ID_SESSION_KEY

from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.users.actors import actor_for
from sirecords.users.backends import BACKEND
from sirecords.users.models import SealedTOTPDevice
from sirecords.workflow import services
from sirecords.workflow.stages import STAGE_ROLE

REGION = "440300"
ID = make_id_number("440305", date(1985, 6, 15), 123)
OTHER_ID = make_id_number("440306", date(1990, 2, 1), 456)
USCC = "91350100M000100Y43"


def register_person(post_txn, id_number=ID, **fields) -> str:
    payload = {"id_number": id_number, "name": "张伟", "phone": "13812345678", "address": "广东省深圳市南山区科技园路18号",
               "region": "440305", **fields}
    payload = {key: value for key, value in payload.items() if value is not None}
    return post_txn("register_person", payload)[0].payload["person"]


def register_employer(post_txn, uscc=USCC, name="某某科技有限公司") -> str:
    return post_txn("register_employer", {"uscc": uscc, "name": name, "region": "440305"})[0].payload["employer"]


def start_employment(post_txn, person: str, employer: str, start="2010-03-01") -> str:
    return post_txn("start_employment", {"person": person, "employer": employer, "start": start})[0].payload["employment"]


def evidence(name="evidence.pdf", text="scan") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, scan(text), content_type="application/pdf")


def login_as(client, username: str):
    """Sign an existing account in (password and second factor already passed)."""
    user = get_user_model().objects.get(username=username)
    client.force_login(user, backend=BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = SealedTOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


def approve_all(make_staff, txn) -> None:
    """Every stage the transaction needs, each by a different reviewer holding that stage's role."""
    txn.refresh_from_db()
    for stage in txn.stage_list:
        username = f"rev.{stage}"
        if actor_for(username) is None:
            make_staff(username, STAGE_ROLE[stage])
        services.review(actor_for(username), txn, "approve", "核对无误")
    txn.refresh_from_db()


def field_error(page, name: str) -> str:
    """The error text shown next to form field `name` ('' when there is none)."""
    found = re.search(rf'id="id_{name}_error">(.*?)</p>', page.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""


def form_errors(page) -> str:
    found = re.search(r'<div class="errors" role="alert">(.*?)</div>', page.content.decode(), re.S)
    return html.unescape(found.group(1)) if found else ""

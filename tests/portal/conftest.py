"""Portal test set-up: a registered person and employer, the staff who issue their codes, and accounts activated
through the real transactions (portal/services.py) with a known TOTP seed."""

from __future__ import annotations

from datetime import date

import pytest
from django_otp.oath import TOTP

from sirecords.core.identifiers import make_id_number
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username
from sirecords.users.models import SealedTOTPDevice
from sirecords.workflow.services import review

from ..conftest import REGION

PORTAL_PASSWORD = "Quiet-River-Lantern-42"
KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test seed, hex
ID_NUMBER = make_id_number(REGION, date(1975, 3, 9), 41)
USCC = "91350100M000100Y43"


def totp(device) -> str:
    device = SealedTOTPDevice.objects.get(pk=device.pk)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def wrong(device) -> str:
    return f"{(int(totp(device)) + 500_000) % 1_000_000:06d}"


def fresh(device):
    """The device as stored, throttling and the last used step forgotten (the tests sign in more than once a step)."""
    device = SealedTOTPDevice.objects.get(pk=device.pk)
    device.throttle_reset(commit=False)
    device.last_t = -1
    device.save()
    return device


def register_person(post):
    """A person registered in 440300 (李四, ID_NUMBER), posted with `post` (tests/conftest.py's post_entries): the Person.
    Plain functions here, so that module-scoped fixtures build the same set-up once (outer_transaction)."""
    from sirecords.registry.models import Person

    uid = post("register_person", {"id_number": ID_NUMBER, "name": "李四", "phone": "13800138001",
                                   "region": REGION})[0].payload["person"]
    return Person.objects.get(pk=uid)


def register_employer(post):
    from sirecords.registry.models import Employer

    uid = post("register_employer", {"uscc": USCC, "name": "深圳某某科技有限公司", "region": "440305"})[0].payload["employer"]
    return Employer.objects.get(pk=uid)


def activate_person(person, officer):
    """The person's account, activated with PORTAL_PASSWORD and the seed KEY: its device."""
    return portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=officer, channel="counter", key=KEY)


def employer_account(employer, clerk, reviewer):
    """An employer account (user "hr"), created by the clerk, approved and activated with PORTAL_PASSWORD and KEY: its
    device."""
    created = portal.create_employer_account(clerk, employer, "hr", "人事专员", channel="counter")
    review(reviewer, created.txn, "approve", "ok")
    return portal.activate_with_code(employer_username(employer.uid, "hr"), created.code, password=PORTAL_PASSWORD,
                                     channel="web", key=KEY)


@pytest.fixture
def person(db, post_txn):
    """A person registered in 440300: the Person."""
    return register_person(post_txn)


@pytest.fixture
def employer(db, post_txn):
    return register_employer(post_txn)


@pytest.fixture
def officer(staff):
    return staff("officer.t", "query_officer")


@pytest.fixture
def clerk(staff):
    return staff("clerk.t", "clerk")


@pytest.fixture
def reviewer(staff):
    return staff("review.t", "reviewer1")


@pytest.fixture
def person_device(person, officer):
    """The person's account, activated with PORTAL_PASSWORD and the seed KEY: its device."""
    return activate_person(person, officer)


@pytest.fixture
def employer_code(employer, clerk, reviewer):
    """An employer account (user "hr"), created by the clerk and approved: its activation code."""
    created = portal.create_employer_account(clerk, employer, "hr", "人事专员", channel="counter")
    review(reviewer, created.txn, "approve", "ok")
    return created.code


@pytest.fixture
def employer_device(employer, employer_code):
    return portal.activate_with_code(employer_username(employer.uid, "hr"), employer_code, password=PORTAL_PASSWORD,
                                     channel="web", key=KEY)



"""Set-up for the tests of the person's own record in the portal (web/views/portal_record.py, api/me.py).

`me`: the person of tests/conftest.py's `credited` fixture (样例: two paid months of 2024, the year 2024 credited),
with an employment registered with 样例公司 from 2023-06-01, one pension month of 2024 in arrears, and an active
portal account (password PORTAL_PASSWORD, TOTP seed KEY). `other`: tests/portal/conftest.py's `person` (李四), who
has an account too: their name and ID number must never appear in `me`'s answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from sirecords.contributions.models import Contribution
from sirecords.portal import services as portal
from sirecords.registry.models import Employer, Person
from sirecords.users.models import SealedTOTPDevice

from ..conftest import make_credited, outer_transaction, post_entries, staff_factory
from .conftest import KEY, PORTAL_PASSWORD, activate_person, fresh, register_person, totp

ARREARS_MONTH = "2024-03"


@dataclass
class Holder:
    person: Person
    device: SealedTOTPDevice

    @property
    def id_number(self) -> str:
        return self.person.id_number


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> tuple[Holder, Holder]:
    """(me, other), made once per test module in an outer transaction: each test runs in a savepoint of it that is
    rolled back, so the reads it logs and the sessions it opens are its own (tests/conftest.py outer_transaction).
    A test module takes `world` along with `me` and `other`."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            staff = staff_factory()
            officer = staff("officer.t", "query_officer")
            me = make_me(make_credited(staff), officer, post_entries)
            person = register_person(post_entries)
            other = Holder(person, activate_person(person, officer))
        yield me, other


@pytest.fixture
def me(world) -> Holder:
    return world[0]


def make_me(credited, officer, post_txn) -> Holder:
    """`me`'s set-up as a plain function (the credited Person, the officer, tests/conftest.py's post_entries)."""
    person = credited
    employer = Employer.objects.get(name="样例公司")
    post_txn("start_employment", {"person": person.uid, "employer": employer.uid, "start": "2023-06-01"})
    # TEST SET-UP ONLY (a batch row, not a projection, as tests/benefits does): a month due and not paid.
    paid = Contribution.objects.filter(person_id=person.uid).first()
    Contribution.objects.create(batch=paid.batch, row_number=9001, person_id=person.uid, employer_id=employer.uid,
                                period=ARREARS_MONTH, insurance_type="pension", wage_fen=800000, base_fen=800000,
                                employer_fen=128000, individual_fen=64000, account_credit_fen=64000, paid_on="",
                                arrears_fen=192000, rule_version=paid.rule_version)
    device = portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=officer, channel="counter", key=KEY)
    return Holder(person, device)


@pytest.fixture
def other(world) -> Holder:
    return world[1]


def signed_in(holder: Holder, language: str = "en") -> Client:
    """A browser signed in to /my/ as `holder`."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/my/login/", {"id_number": holder.id_number, "password": PORTAL_PASSWORD,
                                          "code": totp(fresh(holder.device))})
    assert response.status_code == 302, response.content
    return client


def api_token(holder: Holder) -> str:
    response = Client().post("/api/me/session", {"id_number": holder.id_number, "password": PORTAL_PASSWORD,
                                                  "code": totp(fresh(holder.device))}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]

"""API test set-up: service accounts with tokens (staff sessions and documents: tests/conftest.py)."""

from datetime import date

import pytest
from django.test import Client

from sirecords.core.identifiers import make_id_number
from sirecords.users.actors import actor_for
from sirecords.users.transactions import SCOPES

from ..conftest import REGION, create_staff_account, issue_approved_token, test_admin

ALL_SCOPES = " ".join(sorted(SCOPES))


@pytest.fixture
def service_token(db):
    """service_token(username, roles=("clerk",), scopes=ALL_SCOPES, days=30) -> the bearer token (shown once)."""

    def issue(username, roles=("clerk",), scopes=ALL_SCOPES, days=30):
        admin = test_admin()
        if actor_for(username) is None:
            create_staff_account(admin, username, *roles, kind="service")
        return issue_approved_token(admin, username, scopes, days=days, region=REGION)

    return issue


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token_client():
    """token_client(token) -> a client that sends `Authorization: Bearer <token>` and no cookies."""

    def make(token):
        return Client(**bearer(token))

    return make


def id_number(seq: int = 7, birth: date = date(1990, 5, 17)) -> str:
    return make_id_number(REGION, birth, seq)


def person_payload(**changes):
    return {"id_number": id_number(), "name": "张三", "phone": "13800138000", "region": REGION, **changes}

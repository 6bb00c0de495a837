"""API test set-up: staff sessions (verified second factor), service accounts with tokens, documents."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from sirecords.demo.documents import scan
from sirecords.registry.identifiers import make_id_number
from sirecords.users import accounts
from sirecords.users.transactions import SCOPES
from sirecords.workflow.actors import actor_for, operator

REGION = "440300"
PASSWORD = "Correct-Horse-2026"
ALL_SCOPES = " ".join(sorted(SCOPES))


def _admin():
    cli = operator("test-operator")
    if actor_for("admin.test") is None:
        accounts.create_account(cli, "admin.test", "Admin", region=REGION, reason="test", channel="cli",
                                roles=("sysadmin",), password=PASSWORD)
    return actor_for("admin.test")


@pytest.fixture
def make_staff(db):
    """make_staff(username, *roles, organisation="") -> the Django user (with a confirmed TOTP device)."""

    def make(username, *roles, organisation=""):
        admin = operator("test-operator") if not roles or "sysadmin" in roles else _admin()
        accounts.create_account(admin, username, username, region=REGION, reason="test", channel="cli", roles=roles,
                                organisation=organisation, password=PASSWORD)
        user = get_user_model().objects.get(username=username)
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        return user

    return make


@pytest.fixture
def staff_client(make_staff):
    """staff_client(username, *roles) -> a new test client signed in with password and second factor."""

    def sign_in(username, *roles, **kwargs):
        user = make_staff(username, *roles, **kwargs)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
        return client

    return sign_in


@pytest.fixture
def service_token(db):
    """service_token(username, roles=("clerk",), scopes=ALL_SCOPES, days=30) -> the bearer token (shown once)."""

    def issue(username, roles=("clerk",), scopes=ALL_SCOPES, days=30):
        admin = _admin()
        if actor_for(username) is None:
            accounts.create_account(operator("t"), username, "Terminal", region=REGION, reason="t", channel="cli",
                                    roles=tuple(roles), kind="service")
        return accounts.issue_token(admin, username, "test token", scopes, days=days, region=REGION, reason="t",
                                    channel="cli")

    return issue


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def token_client():
    """token_client(token) -> a client that sends `Authorization: Bearer <token>` and no cookies."""

    def make(token):
        return Client(**bearer(token))

    return make


@pytest.fixture
def pdf():
    return scan("Resident ID card (test)")


def id_number(seq: int = 7, birth: date = date(1990, 5, 17)) -> str:
    return make_id_number(REGION, birth, seq)


def person_payload(**changes):
    return {"id_number": id_number(), "name": "张三", "phone": "13800138000", "region": REGION, **changes}

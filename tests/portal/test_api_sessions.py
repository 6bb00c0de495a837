"""The portal's API sessions: POST /api/me/session and /api/employer/session answer a short-lived token (only its
SHA-256 stored), a failure is 401 with one generic message, the lockout is 429, DELETE ends the token, an expired
token is refused, a token of one kind is refused (and logged) on the other kind's endpoints, a portal token opens no
staff endpoint, and all of it is in the OpenAPI document."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client

from sirecords.api.portal_auth import token_digest
from sirecords.portal.models import PortalToken

from ..api.conftest import bearer, id_number
from .conftest import ID_NUMBER, PORTAL_PASSWORD, USCC, fresh, totp, wrong

pytestmark = pytest.mark.django_db
JSON = "application/json"


def person_session(device, **changes):
    body = {"id_number": ID_NUMBER, "password": PORTAL_PASSWORD, "code": totp(fresh(device)), **changes}
    return Client().post("/api/me/session", body, content_type=JSON)


def test_a_person_gets_a_short_lived_token_stored_only_as_its_hash(person, person_device):
    before = datetime.now(UTC)
    response = person_session(person_device)
    assert response.status_code == 200
    token, expires_at = response.json()["token"], response.json()["expires_at"]
    expires = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    assert expires.utcoffset() == timedelta(0)
    assert timedelta(seconds=settings.SIRECORDS_PORTAL_TOKEN_SECONDS - 5) <= expires - before <= timedelta(
        seconds=settings.SIRECORDS_PORTAL_TOKEN_SECONDS + 5)
    stored = PortalToken.objects.get()
    assert stored.token_sha256 == token_digest(token) and token not in stored.token_sha256 and stored.kind == "person"
    account = Client(**bearer(token)).get("/api/me/account")
    assert account.status_code == 200
    assert account.json() == {"kind": "person", "state": "active", "masked_id_number": person.masked_id_number}


@pytest.mark.parametrize("what", ["password", "code", "unregistered", "malformed"])
def test_a_failure_is_401_with_one_generic_message(person, person_device, what, caplog):
    changes = {"password": {"password": "Wrong-Password-123"}, "code": {"code": wrong(person_device)},
               "unregistered": {"id_number": id_number(99)}, "malformed": {"id_number": "12345"}}[what]
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        response = person_session(person_device, **changes)
    assert response.status_code == 401
    assert response.json()["detail"] == "sign-in failed: check the identifier, the password and the authenticator code"
    assert not PortalToken.objects.exists()
    assert any("portal sign-in failed" in r.getMessage() for r in caplog.records)


def test_the_lockout_applies_and_is_429(person, person_device):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert person_session(person_device, password="Wrong-Password-123").status_code == 401
    assert person_session(person_device, password="Wrong-Password-123").status_code == 429  # the limit's failure locks
    response = person_session(person_device)  # now even the right credentials
    assert response.status_code == 429 and response["Content-Type"].startswith(JSON)
    assert "locked" in response.json()["detail"]


def test_delete_ends_the_session(person, person_device):
    token = person_session(person_device).json()["token"]
    client = Client(**bearer(token))
    assert client.delete("/api/me/session").status_code == 204
    assert client.get("/api/me/account").status_code == 401
    assert not PortalToken.objects.exists()


def test_an_expired_token_is_refused(person, person_device):
    token = person_session(person_device).json()["token"]
    PortalToken.objects.update(created_at=datetime.now(UTC) - timedelta(hours=1),
                               expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = Client(**bearer(token)).get("/api/me/account")
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_an_employer_user_gets_a_token(employer, employer_device):
    response = Client().post("/api/employer/session", {"uscc": USCC, "username": "HR", "password": PORTAL_PASSWORD,
                                                        "code": totp(fresh(employer_device))}, content_type=JSON)
    assert response.status_code == 200
    account = Client(**bearer(response.json()["token"])).get("/api/employer/account")
    assert account.json() == {"kind": "employer", "state": "active", "employer_name": employer.name, "uscc": USCC,
                              "username": "hr", "display_name": "人事专员"}


def test_a_token_of_one_kind_is_refused_and_logged_on_the_others_endpoints(person, person_device, employer,
                                                                           employer_device, caplog):
    person_token = person_session(person_device).json()["token"]
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        assert Client(**bearer(person_token)).get("/api/employer/account").status_code == 401
        assert Client(**bearer(person_token)).delete("/api/employer/session").status_code == 401
    assert any("a person session token" in r.getMessage() for r in caplog.records)
    assert PortalToken.objects.filter(kind="person").exists()  # not ended by the refused DELETE


def test_a_portal_token_opens_no_staff_endpoint(person, person_device):
    token = person_session(person_device).json()["token"]
    client = Client(**bearer(token))
    for path in ("/api/transactions/mine", "/api/transactions/queue"):
        assert client.get(path).status_code == 401


def test_a_locked_account_loses_its_tokens(person, person_device, officer):
    from sirecords.portal import services as portal
    from sirecords.portal.credentials import person_username

    token = person_session(person_device).json()["token"]
    portal.lock_account(officer, person_username(person.uid), reason="misuse reported", channel="counter")
    assert Client(**bearer(token)).get("/api/me/account").status_code == 401


def test_the_session_endpoints_are_in_the_openapi_document(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert {"post", "delete"} <= set(paths["/api/me/session"]) and {"post", "delete"} <= set(paths["/api/employer/session"])
    assert "get" in paths["/api/me/account"] and "get" in paths["/api/employer/account"]
    assert paths["/api/me/account"]["get"]["security"] == [{"PersonBearer": []}]
    assert paths["/api/employer/session"]["delete"]["security"] == [{"EmployerBearer": []}]
    assert "security" not in paths["/api/me/session"]["post"]  # signing in needs no credential but its body


def test_signing_in_needs_no_csrf_token_and_reads_full_width_digits(person, person_device):
    code = "".join(chr(ord(c) + 0xFEE0) for c in totp(fresh(person_device)))  # ０１２３４５, as an IME types
    response = Client(enforce_csrf_checks=True).post(
        "/api/me/session", {"id_number": ID_NUMBER, "password": PORTAL_PASSWORD, "code": code}, content_type=JSON)
    assert response.status_code == 200


def test_no_staff_endpoint_admits_a_portal_token_or_session(person, person_device):
    """Every guarded staff endpoint of the API permission matrix (tests/api/test_permissions.py), asked with a
    person's bearer token and with a person's signed-in portal session: 401 or 403, never admitted."""
    from sirecords.api.rules import RULES
    from sirecords.users.access import ANONYMOUS

    from ..api.test_permissions import CASES, PORTAL
    from .test_pages import person_login

    token = person_session(person_device).json()["token"]
    session = Client()
    assert person_login(session, person_device).status_code == 302
    asked = 0
    for name, case in sorted(CASES.items()):
        if RULES[name] == ANONYMOUS or name in PORTAL:
            continue
        url = case.url(name, None, "person")
        for client in (Client(**bearer(token)), session):
            for method in case.methods:
                response = case.request(client, method, url)
                assert response.status_code in (401, 403), (name, method, response.status_code)
                asked += 1
    assert asked >= 24

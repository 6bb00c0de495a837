"""Staff API sessions (issue #17, point 6): POST /api/staff/session with username, password and authenticator code
answers a bearer token (its SHA-256 stored only) acting with the account's roles; a wrong code is 401 and counts
toward the lockout (429); DELETE ends it; an ended or expired token opens nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client

from sirecords.users.api_sessions import digest
from sirecords.users.models import SealedTOTPDevice, StaffApiSession

from ..conftest import PASSWORD, make_signed_in_staff
from ..portal.conftest import fresh, totp, wrong
from .conftest import bearer

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def clerk():
    user = make_signed_in_staff("api.clerk", "clerk")
    return SealedTOTPDevice.objects.get(user=user, confirmed=True)


def session(device, **changes):
    body = {"username": "api.clerk", "password": PASSWORD, "code": totp(fresh(device)), **changes}
    return Client().post("/api/staff/session", body, content_type=JSON)


def test_a_clerk_gets_a_token_that_acts_with_their_roles(clerk):
    before = datetime.now(UTC)
    response = session(clerk)
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    expires = datetime.fromisoformat(response.json()["expires_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=settings.SIRECORDS_STAFF_TOKEN_SECONDS - 5) <= expires - before <= timedelta(
        seconds=settings.SIRECORDS_STAFF_TOKEN_SECONDS + 5)
    assert StaffApiSession.objects.get().token_sha256 == digest(token)
    client = Client(**bearer(token))
    assert client.get("/api/transactions/mine").status_code == 200  # a clerk's endpoint, no scope asked
    assert client.get("/api/stats?by=region&measure=persons").status_code == 403  # not a clerk's
    assert client.delete("/api/staff/session").status_code == 204
    assert client.get("/api/transactions/mine").status_code == 401


def test_a_wrong_code_is_401_and_the_lockout_429(clerk):
    assert session(clerk, code=wrong(clerk)).status_code == 401
    assert not StaffApiSession.objects.exists()
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        assert session(clerk, password="Wrong-Password-123").status_code == 401
    assert session(clerk, password="Wrong-Password-123").status_code in (401, 429)  # the failure that locks it
    assert session(clerk).status_code == 429  # the right password and code: locked all the same


def test_an_expired_token_opens_nothing(clerk):
    token = session(clerk).json()["token"]
    now = datetime.now(UTC)
    StaffApiSession.objects.update(created_at=now - timedelta(hours=2), expires_at=now - timedelta(seconds=1))
    assert Client(**bearer(token)).get("/api/transactions/mine").status_code == 401

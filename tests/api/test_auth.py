"""Who gets in: staff sessions with a verified second factor (and CSRF), service tokens that are known,
unexpired, unrevoked and of an active account. A token is never stored or logged."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sirecords.api import auth
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for
from sirecords.users.backends import BACKEND
from sirecords.users.models import ApiToken, SealedTOTPDevice
from sirecords.workflow.services import execute

from .conftest import REGION

MINE = "api:txn_mine"


def test_a_valid_token_is_admitted(service_token, token_client):
    assert token_client(service_token("svc.terminal")).get(reverse(MINE)).status_code == 200


@pytest.mark.parametrize("header", ["Bearer sir_not-a-token", "Bearer ", "Bearer"])
def test_an_unknown_token_is_401(header, db):
    response = Client(HTTP_AUTHORIZATION=header).get(reverse(MINE))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_expired_token_is_401(service_token, token_client, monkeypatch):
    client = token_client(service_token("svc.terminal", days=1))
    monkeypatch.setattr(auth, "_now", lambda: datetime.now(UTC) + timedelta(days=2))
    response = client.get(reverse(MINE))
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_a_revoked_token_is_401(service_token, token_client):
    client = token_client(service_token("svc.terminal"))
    token = ApiToken.objects.get(account_id="svc.terminal")
    execute(actor_for("admin.test"), "revoke_token", {"token": token.uid}, region=REGION, reason="lost", channel="cli")
    response = client.get(reverse(MINE))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_the_token_of_a_deactivated_account_is_401(service_token, token_client):
    client = token_client(service_token("svc.terminal"))
    staff_accounts.deactivate(actor_for("admin.test"), "svc.terminal", reason="retired", channel="cli")
    assert client.get(reverse(MINE)).status_code == 401


def test_the_token_is_neither_stored_nor_logged(service_token, token_client, caplog):
    token = service_token("svc.terminal", scopes="transactions:read")
    with caplog.at_level(logging.DEBUG):
        token_client(token).post(reverse("api:txn_create"), {}, content_type="application/json")  # 403: no scope
        Client(HTTP_AUTHORIZATION=f"Bearer {token}x").get(reverse(MINE))  # 401: unknown
    assert token not in caplog.text
    assert not ApiToken.objects.filter(token_sha256=token).exists()
    assert ApiToken.objects.get(account_id="svc.terminal").token_sha256 != token


def test_a_session_without_the_second_factor_is_401(make_staff, client):
    user = make_staff("clerk.li", "clerk")
    client.force_login(user, backend=BACKEND)
    response = client.get(reverse(MINE))
    assert response.status_code == 401 and "second factor" in response.json()["detail"]


def test_a_session_needs_the_csrf_token_for_writes(staff_client):
    staff_client("clerk.li", "clerk")
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="clerk.li"), backend=BACKEND)
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = SealedTOTPDevice.objects.get(user__username="clerk.li").persistent_id
    session.save()
    body = {"type": "register_person", "region": REGION, "reason": "walk-in", "payload": {"name": "张三"}}
    refused = client.post(reverse("api:txn_create"), body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]

    assert client.get(reverse(MINE)).status_code == 200  # reads need no token
    token = "k" * 32  # as a browser holds it: the csrftoken cookie, echoed in the header
    client.cookies["csrftoken"] = token
    created = client.post(reverse("api:txn_create"), body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201, created.content


def test_a_bearer_client_needs_no_csrf_token(service_token):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {service_token('svc.terminal')}")
    body = {"type": "register_person", "region": REGION, "reason": "walk-in", "payload": {"name": "张三"}}
    assert client.post(reverse("api:txn_create"), body, content_type="application/json").status_code == 201


def test_anonymous_writes_are_401_not_a_csrf_failure(db):
    response = Client(enforce_csrf_checks=True).post(reverse("api:txn_create"), {}, content_type="application/json")
    assert response.status_code == 401

"""Signing in: password, then the TOTP code (or enrolment on the first sign-in); lockout after failures."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_pages_need_a_verified_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_password_then_code_signs_in(client, make_staff):
    user = make_staff("clerk.a", "clerk")
    response = client.post("/login/", {"username": "clerk.a", "password": PASSWORD, "next": "/"})
    assert response.status_code == 302 and response["Location"].startswith("/login/code/")
    assert client.get("/").status_code == 302  # not yet: the second factor is missing
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/login/code/", {"token": code(device), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "clerk.a" in page.content.decode()


def test_first_sign_in_enrols_an_authenticator(client, make_staff):
    user = make_staff("clerk.b", "clerk")
    TOTPDevice.objects.filter(user=user).delete()
    response = client.post("/login/", {"username": "clerk.b", "password": PASSWORD})
    assert response["Location"].startswith("/login/enrol/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/login/enrol/", {"token": "000000"}).status_code == 200  # wrong code: stays
    TOTPDevice.objects.get(pk=device.pk).throttle_reset()  # django-otp delays the next try after a failure
    response = client.post("/login/enrol/", {"token": code(device), "next": "/"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed and client.get("/").status_code == 200


def test_wrong_password_is_refused_and_repeated_failures_lock_the_account(client, make_staff):
    make_staff("clerk.c", "clerk")
    for _ in range(4):
        page = client.post("/login/", {"username": "clerk.c", "password": "wrong-password"})
        assert page.status_code == 200 and "密码".encode() in page.content or b"password" in page.content
    locked = client.post("/login/", {"username": "clerk.c", "password": "wrong-password"})
    assert locked.status_code in (403, 429)
    still_locked = client.post("/login/", {"username": "clerk.c", "password": PASSWORD})
    assert still_locked.status_code in (403, 429)


def test_security_headers_and_csp(client):
    response = client.get("/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_role_rules_refuse_and_explain(signed_in):
    client = signed_in("admin.x", "sysadmin")
    assert client.get("/").status_code == 200
    assert get_user_model().objects.filter(username="admin.x").exists()

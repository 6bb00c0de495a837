"""The portal's pages: activation with the code, sign-in in one form, a generic failure, lockout after
AXES_FAILURE_LIMIT, sign-out, and the separation of portal and staff sessions both ways."""

from __future__ import annotations

import logging
import re

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP

from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username, person_username
from sirecords.portal.models import PersonPortalAccount, PortalState
from sirecords.users.models import SealedTOTPDevice

from ..conftest import sign_in as staff_sign_in
from .conftest import ID_NUMBER, PORTAL_PASSWORD, USCC, fresh, totp, wrong

pytestmark = pytest.mark.django_db
GENERIC = "Sign-in failed"


def en() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def person_login(client, device, *, id_number=ID_NUMBER, password=PORTAL_PASSWORD, code=None):
    return client.post("/my/login/", {"id_number": id_number, "password": password,
                                      "code": code if code is not None else totp(fresh(device))})


def test_a_person_signs_in_and_sees_the_landing_page(person, person_device):
    client = en()
    response = person_login(client, person_device)
    assert response.status_code == 302 and response["Location"] == "/my/"
    page = client.get("/my/")
    assert page.status_code == 200
    html = page.content.decode()
    assert person.masked_id_number in html and person.id_number not in html
    assert 'name="viewport"' in html and 'href="#main"' in html and "activation code" in html
    assert "<script" not in html and "style=" not in html  # the strict CSP: no inline script or style


def test_the_page_is_chinese_first(person, person_device):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")  # the deployed default is zh-hans (settings/base.py)
    person_login(client, person_device)
    html = client.get("/my/").content.decode()
    assert 'lang="zh-Hans"' in html and "上次登录" in html and "忘记密码" in html


def test_the_id_number_is_canonicalised(person, person_device):
    client = en()
    spaced = f"{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}".lower()
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in spaced)  # full-width digits, as an IME types
    assert person_login(client, person_device, id_number=wide).status_code == 302


@pytest.mark.parametrize("what", ["password", "code", "unregistered"])
def test_a_failure_is_generic_and_logged(person, person_device, what, caplog):
    from tests.api.conftest import id_number

    client = en()
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        response = person_login(client, person_device,
                                password="Wrong-Password-123" if what == "password" else PORTAL_PASSWORD,
                                code=wrong(person_device) if what == "code" else None,
                                id_number=id_number(99) if what == "unregistered" else ID_NUMBER)
    assert response.status_code == 200 and GENERIC in response.content.decode()
    assert client.get("/my/").status_code == 302
    assert any("portal sign-in failed" in r.getMessage() for r in caplog.records)
    assert not any(ID_NUMBER in r.getMessage() for r in caplog.records)


def test_the_lockout_after_the_failure_limit_refuses_even_the_right_credentials(person, person_device):
    client = en()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        person_login(client, person_device, password="Wrong-Password-123")
    response = person_login(client, person_device)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert en().get("/my/").status_code == 302
    # Per account: another person is not locked by these failures (the parameter is the username).
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username=person_username(person.uid)).exists()


def test_wrong_codes_count_towards_the_lockout(person, person_device):
    client = en()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        person_login(client, person_device, code=wrong(person_device))
    assert person_login(client, person_device).status_code == 429


def test_sign_out_ends_the_session(person, person_device):
    client = en()
    person_login(client, person_device)
    assert client.post("/my/logout/").status_code == 302
    assert client.get("/my/").status_code == 302


def test_the_session_expires_when_idle():
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE == 30 * 60


def _sample_path(pattern: str) -> str:
    """A path of the URL pattern with a sample value for each parameter (the guard refuses before the view reads it)."""
    samples = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples.get(m.group(1) or "str", "abc"), pattern)


def staff_pages():
    """(URL name, sample path) of every staff page: every web URL whose rule is not anonymous nor a portal rule."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from sirecords.portal.guard import EMPLOYER_PAGE, PERSON_PAGE
    from sirecords.users.access import ANONYMOUS
    from sirecords.web.rules import RULES

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "api":
                    yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name in RULES:
                yield entry.name, prefix + str(entry.pattern)

    return sorted({(name, _sample_path(route)) for name, route in walk(get_resolver().url_patterns)
                   if RULES[name] not in (ANONYMOUS, PERSON_PAGE, EMPLOYER_PAGE)})


def test_a_portal_session_opens_no_staff_page(person, person_device):
    client = en()
    person_login(client, person_device)
    pages = staff_pages()
    assert len(pages) > 20
    for name, path in pages:
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path)
        refused = response.status_code == 403 or (response.status_code == 302 and "/login/" in response["Location"])
        assert refused, f"{name} {path}: {response.status_code}"
    assert client.get("/my/").status_code == 200  # still signed in to the portal: the staff pages refused it
    response = client.get("/api/transactions/mine")
    assert response.status_code in (401, 403)


def test_a_staff_session_opens_no_portal_page(make_staff):
    client = staff_sign_in(en(), make_staff("officer.p", "query_officer"))
    assert client.get("/").status_code == 200  # a staff page: signed in
    for path in ("/my/", "/employer/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


def test_a_person_session_opens_no_employer_page(person, person_device):
    client = en()
    person_login(client, person_device)
    response = client.get("/employer/")
    assert response.status_code == 302 and response["Location"].startswith("/employer/login/")


def test_an_account_locked_by_the_agency_signs_in_no_more(person, person_device, officer):
    client = en()
    person_login(client, person_device)
    portal.lock_account(officer, person_username(person.uid), reason="the person reports a stolen phone",
                        channel="counter")
    assert PersonPortalAccount.objects.get(person_uid=person.uid).state == PortalState.LOCKED
    assert client.get("/my/").status_code == 302  # the session it had ends
    assert person_login(en(), person_device).status_code == 200


def test_a_replaced_password_hash_is_refused_at_sign_in(person, person_device):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    get_user_model().objects.filter(username=person_username(person.uid)).update(
        password=make_password("Planted-By-Someone-1"))
    response = person_login(en(), person_device, password="Planted-By-Someone-1")
    assert response.status_code == 200 and GENERIC in response.content.decode()


def _activation(client, code, *, id_number=ID_NUMBER):
    return client.post("/my/activate/", {"id_number": id_number, "activation_code": code})


def test_a_person_activates_on_the_pages(person, officer):
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    client = en()
    response = _activation(client, code)
    assert response.status_code == 302 and response["Location"] == "/my/activate/enrol/"
    page = client.get("/my/activate/enrol/")
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    secret = re.search(r'<code class="secret">([A-Z2-7=]+)</code>', page.content.decode()).group(1)
    import base64

    key = base64.b32decode(secret)
    code_now = f"{TOTP(key).token():06d}"
    response = client.post("/my/activate/enrol/", {"password1": PORTAL_PASSWORD, "password2": PORTAL_PASSWORD,
                                                   "code": code_now})
    assert response.status_code == 302 and response["Location"] == "/my/login/"
    assert PersonPortalAccount.objects.get(person_uid=person.uid).state == PortalState.ACTIVE
    device = SealedTOTPDevice.objects.get(user__username=person_username(person.uid), confirmed=True)
    assert person_login(en(), device).status_code == 302


def test_a_wrong_activation_code_is_refused_on_the_page(person, officer):
    portal.issue_activation_code(person, actor=officer, channel="counter")
    response = _activation(en(), "AAAA-BBBB-CCCC")
    assert response.status_code == 200 and "cannot be used" in response.content.decode()
    assert en().get("/my/activate/enrol/").status_code == 302


def test_an_employer_user_activates_and_signs_in(employer, employer_code):
    client = en()
    response = client.post("/employer/activate/", {"uscc": USCC, "username": "hr", "activation_code": employer_code})
    assert response.status_code == 302 and response["Location"] == "/employer/activate/enrol/"
    device = portal.start_activation(employer_username(employer.uid, "hr"))
    response = client.post("/employer/activate/enrol/", {"password1": PORTAL_PASSWORD, "password2": PORTAL_PASSWORD,
                                                         "code": totp(device)})
    assert response.status_code == 302
    signed = en()
    response = signed.post("/employer/login/", {"uscc": USCC, "username": "hr", "password": PORTAL_PASSWORD,
                                                "code": totp(fresh(device))})
    assert response.status_code == 302 and response["Location"] == "/employer/"
    html = signed.get("/employer/").content.decode()
    assert employer.name in html and "人事专员" in html
    assert signed.get("/my/").status_code == 302  # an employer session opens no person's page
    assert signed.post("/employer/logout/").status_code == 302 and signed.get("/employer/").status_code == 302


def test_the_portals_signed_in_pages_are_not_kept(person, person_device):
    from ..permissions import kept_by_no_cache

    client = en()
    login = person_login(client, person_device)
    home = client.get("/my/")
    assert home.status_code == 200
    assert kept_by_no_cache(login) and kept_by_no_cache(home)


def test_the_staff_sign_in_refuses_a_portal_account(person, person_device):
    client = en()
    response = client.post("/login/", {"username": person_username(person.uid), "password": PORTAL_PASSWORD, "next": "/"})
    assert response.status_code == 200 and "The username or password is wrong." in response.content.decode()
    assert client.get("/login/code/").status_code == 302  # no sign-in in progress


def test_an_idle_session_expires(person, person_device):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = en()
    person_login(client, person_device)
    assert client.get("/my/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # 30 minutes without a request
    assert client.get("/my/").status_code == 302


def test_a_wrong_activation_code_counts_towards_the_lockout(person, officer):
    code, _ = portal.issue_activation_code(person, actor=officer, channel="counter")
    client = en()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _activation(client, "AAAA-BBBB-CCCC")
    response = _activation(client, code)
    assert response.status_code == 429

"""Nothing personal is kept by a browser or a proxy (issue 9, finding 13): every answer — page, API answer, export,
refusal, error — carries Cache-Control: no-store and Pragma: no-cache, except static files and the health check.

The permission matrices (tests/permissions.py) check the headers on every answer to every URL of the rule tables
they walk (web/rules_desk.py, rules_admin.py, rules_record.py, api/rules.py); this module checks that together
with the URLs asked here they cover the whole URL map, and asks the rest (sign-in steps, language switch, error
answers) itself."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sirecords.api.rules import RULES as API_RULES
from sirecords.web.rules import CORE_RULES
from sirecords.web.rules_admin import RULES as ADMIN_RULES
from sirecords.web.rules_applications import RULES as APPLICATION_RULES
from sirecords.web.rules_certificates import RULES as CERTIFICATE_RULES
from sirecords.web.rules_crosschecks import RULES as CROSSCHECK_RULES
from sirecords.web.rules_desk import RULES as DESK_RULES
from sirecords.web.rules_disputes import RULES as DISPUTE_RULES
from sirecords.web.rules_portal import RULES as PORTAL_RULES
from sirecords.web.rules_record import RULES as RECORD_RULES
from sirecords.web.rules_transfers import RULES as TRANSFER_RULES

from ..permissions import kept_by_no_cache
from ..test_access_rules import url_names
from .upload_support import StreamedMultipart

pytestmark = pytest.mark.django_db

# What the matrices walk: tests/web/test_desk_access.py, test_admin_access.py, test_record_access.py (with two of the
# core pages), test_application_access.py, test_crosscheck_access.py, test_dispute_access.py, test_transfer_access.py
# and tests/api/test_permissions.py.
WALKED_BY_THE_MATRICES = {*DESK_RULES, *ADMIN_RULES, *RECORD_RULES, "home", "password_change", *API_RULES, *APPLICATION_RULES,
                          *CROSSCHECK_RULES,
                          *(name for name in DISPUTE_RULES if name.startswith("desk_")),  # test_dispute_access.py
                          *(name for name in TRANSFER_RULES if name.startswith("desk_")),  # test_transfer_access.py
                          *(set(CERTIFICATE_RULES) - {"my_certificates"})}  # test_certificate_access.py
PORTAL_DISPUTES = {name for name in DISPUTE_RULES if not name.startswith("desk_")}
PORTAL_TRANSFERS = {name for name in TRANSFER_RULES if not name.startswith("desk_")}
ASKED_HERE = {"login", "login_otp", "otp_enrol", "logout", "set_language", "metrics", *PORTAL_RULES,
              "my_certificates", *PORTAL_DISPUTES, *PORTAL_TRANSFERS}  # the portal's: below
EXEMPT = {"healthz"}  # nothing personal; a load balancer asks it every few seconds
PORTAL_KWARGS = {"employer_employee": {"person_uid": "0" * 32}, "my_dispute_evidence": {"uid": "0" * 32},
                 "employer_dispute_evidence": {"uid": "0" * 32}}  # pages addressed by a uid: an unknown one


def test_every_url_is_checked_for_no_store_by_a_matrix_or_here():
    unchecked = sorted(set(url_names()) - WALKED_BY_THE_MATRICES - ASKED_HERE - EXEMPT)
    assert unchecked == [], f"URLs whose answers nobody checks for Cache-Control: no-store: {unchecked}"
    assert set(CORE_RULES) <= WALKED_BY_THE_MATRICES | ASKED_HERE | EXEMPT


@pytest.mark.parametrize("method, name, data", [
    ("get", "login", None),
    ("post", "login", {"username": "nobody", "password": "wrong"}),
    ("get", "login_otp", None),
    ("get", "otp_enrol", None),
    ("post", "logout", {}),
    ("post", "set_language", {"language": "en", "next": "/"}),
    ("get", "metrics", None),  # a scrape from the test client's 127.0.0.1 (or 401 when a token is configured)
])
def test_the_sign_in_steps_and_the_language_switch_are_not_kept(method, name, data):
    client = Client()
    response = getattr(client, method)(reverse(name), data) if data is not None else getattr(client, method)(reverse(name))
    assert response.status_code < 500
    assert kept_by_no_cache(response), dict(response.headers)


@pytest.mark.parametrize("name", sorted({*PORTAL_RULES, "my_certificates", *PORTAL_DISPUTES, *PORTAL_TRANSFERS}))
def test_the_portals_pages_are_not_kept(name):
    """Each portal page as an anonymous visitor meets it (a form, or the redirect to the sign-in); the signed-in
    pages: tests/portal/test_pages.py::test_the_portals_signed_in_pages_are_not_kept."""
    response = Client().get(reverse(name, kwargs=PORTAL_KWARGS.get(name)))
    assert response.status_code in (200, 302, 405)
    assert kept_by_no_cache(response), dict(response.headers)


def test_refusals_and_errors_are_not_kept(signed_in):
    anonymous = Client(enforce_csrf_checks=True)
    answers = {
        "not found": Client().get("/no/such/page/"),
        "api not found": Client().get("/api/no/such/endpoint"),
        "csrf failure": anonymous.post(reverse("login"), {"username": "a", "password": "b"}),
        "too large": Client().generic("POST", reverse("login"), **StreamedMultipart(20 * 1024 * 1024).environ()),
        "api unauthenticated": Client().get(reverse("api:txn_mine")),
    }
    assert [answers[k].status_code for k in answers] == [404, 404, 403, 413, 401]
    assert [k for k, response in answers.items() if not kept_by_no_cache(response)] == []


def test_a_page_with_personal_data_says_no_store_over_a_view_s_own_cache_headers(signed_in):
    """Views that set never_cache themselves and views that set nothing end the same: no-store, private, max-age=0."""
    client = signed_in("clerk.a", "clerk")
    for url in ("/", "/desk/mine/", reverse("api:txn_mine")):
        response = client.get(url)
        assert response.status_code == 200
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "no-cache", "private", "max-age=0", "must-revalidate"} <= directives, (url, directives)
        assert response["Pragma"] == "no-cache" and response.has_header("Expires")


def test_static_files_and_the_health_check_stay_cacheable():
    static = Client().get("/static/web/site.css")
    static.close()  # a streamed file: close it, or it is left open
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "") and not static.has_header("Pragma")
    health = Client().get(reverse("healthz"))  # 200, or 503 when this test's database has no ledger head yet
    assert "ok" in health.json() and "no-store" not in health.get("Cache-Control", "")

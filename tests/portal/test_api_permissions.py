"""The permission matrix of the portal's bearer-only endpoints (api/portal_auth.py): each asked anonymously, by a
staff session, by a staff service token, by a person's token, by an employer user's token, and by an expired
token of the right kind. Only a live token of the endpoint's kind is admitted; everyone else gets 401 (a staff
session is no bearer token; a service token is unknown here; the other kind's token is refused and logged)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from sirecords.api.portal_auth import token_digest
from sirecords.api.rules import EMPLOYER_API, PERSON_API, RULES
from sirecords.portal.models import PortalToken

from ..api.conftest import ALL_SCOPES, bearer
from ..conftest import (
    create_staff_account,
    issue_approved_token,
    make_signed_in_staff,
    outer_transaction,
    post_entries,
    staff_factory,
    test_admin,
)
from ..conftest import sign_in as staff_sign_in
from ..permissions import kept_by_no_cache
from .conftest import (
    ID_NUMBER,
    PORTAL_PASSWORD,
    USCC,
    activate_person,
    employer_account,
    fresh,
    register_employer,
    register_person,
    totp,
)

pytestmark = pytest.mark.django_db
NOWHERE = "0" * 32  # no dispute case has this uid
# How each endpoint is called: (method, path).
CASES = {
    "api:me_account": ("get", "/api/me/account"),
    "api:employer_account": ("get", "/api/employer/account"),
    "api:me_session#delete": ("delete", "/api/me/session"),
    "api:employer_session#delete": ("delete", "/api/employer/session"),
    "api:employer_contributions": ("get", "/api/employer/contributions"),
    "api:employer_employees": ("get", "/api/employer/employees"),
    "api:me_record": ("get", "/api/me/record"),
    "api:me_reads": ("get", "/api/me/reads"),
    "api:me_estimate": ("get", "/api/me/estimate?growth=0.03"),
    # Disputes of the record (api/disputes.py): a POST without a body, or a case that does not exist, is refused after
    # the gate (ADMITTED: 400 for a body that is not there to parse), nothing recorded.
    "api:me_disputes": ("get", "/api/me/disputes"),
    "api:me_disputes#post": ("post", "/api/me/disputes"),
    "api:me_dispute": ("get", f"/api/me/disputes/{NOWHERE}"),
    "api:me_dispute_evidence": ("post", f"/api/me/disputes/{NOWHERE}/evidence"),
    "api:employer_disputes": ("get", "/api/employer/disputes"),
    "api:employer_disputes#post": ("post", "/api/employer/disputes"),
    # Transfers between regions (api/transfers.py): the person's own.
    "api:me_transfers": ("get", "/api/me/transfers"),
}
# What the own kind's token gets where it is not 200 or 204.
ADMITTED = {"api:me_disputes#post": {400, 422}, "api:me_dispute": {404}, "api:me_dispute_evidence": {404, 422},
            "api:employer_disputes#post": {400, 422}}
KIND = {"api:me_account": PERSON_API, "api:employer_account": EMPLOYER_API, "api:me_session#delete": PERSON_API,
        "api:employer_session#delete": EMPLOYER_API, "api:employer_contributions": EMPLOYER_API,
        "api:employer_employees": EMPLOYER_API,
        "api:me_record": PERSON_API, "api:me_reads": PERSON_API, "api:me_estimate": PERSON_API,
        "api:me_disputes": PERSON_API, "api:me_disputes#post": PERSON_API, "api:me_dispute": PERSON_API,
        "api:me_dispute_evidence": PERSON_API, "api:employer_disputes": EMPLOYER_API,
        "api:employer_disputes#post": EMPLOYER_API, "api:me_transfers": PERSON_API}
CALLERS = ("anonymous", "staff session", "service token", "person token", "employer token", "expired token")


def test_every_portal_endpoint_is_in_the_matrix():
    assert {name for name, rule in RULES.items() if rule in (PERSON_API, EMPLOYER_API)} == {
        name for name in CASES if "#" not in name}


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """Every caller's credentials, made once for the module (each test runs in a rolled-back savepoint of the outer
    transaction: an expired token or a logged refusal stays within its test)."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            staff = staff_factory()
            person_device = activate_person(register_person(post_entries), staff("officer.t", "query_officer"))
            employer_device = employer_account(register_employer(post_entries), staff("clerk.t", "clerk"),
                                               staff("review.t", "reviewer1"))
            made = _tokens(person_device, employer_device)
        yield made


def _tokens(person_device, employer_device) -> dict:
    made = {}
    response = Client().post("/api/me/session", {"id_number": ID_NUMBER, "password": PORTAL_PASSWORD,
                                                  "code": totp(fresh(person_device))}, content_type="application/json")
    assert response.status_code == 200, response.content
    made["person token"] = response.json()["token"]
    response = Client().post("/api/employer/session", {"uscc": USCC, "username": "hr", "password": PORTAL_PASSWORD,
                                                        "code": totp(fresh(employer_device))},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    made["employer token"] = response.json()["token"]
    create_staff_account(test_admin(), "svc.portal", "query_officer", kind="service")
    made["service token"] = issue_approved_token(test_admin(), "svc.portal", ALL_SCOPES)
    made["staff user"] = make_signed_in_staff("officer.m", "query_officer")
    return made


def client_of(who: str, kind: str, tokens) -> Client:
    if who == "anonymous":
        return Client()
    if who == "staff session":
        return staff_sign_in(Client(), tokens["staff user"])
    if who == "expired token":
        own = tokens["person token" if kind == PERSON_API else "employer token"]
        PortalToken.objects.filter(token_sha256=token_digest(own)).update(
            created_at=datetime.now(UTC) - timedelta(hours=2), expires_at=datetime.now(UTC) - timedelta(hours=1))
        return Client(**bearer(own))
    return Client(**bearer(tokens[who]))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("who", CALLERS)
def test_access(name, who, tokens):
    method, path = CASES[name]
    kind = KIND[name]
    response = getattr(client_of(who, kind, tokens), method)(path)
    own = "person token" if kind == PERSON_API else "employer token"
    assert kept_by_no_cache(response), dict(response.headers)
    if who == own:
        assert response.status_code in ADMITTED.get(name, (200, 204)), (who, name, response.content)
    else:
        assert response.status_code == 401, (who, name, response.status_code, response.content)

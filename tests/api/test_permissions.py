"""The permission matrix: every API endpoint × every role, anonymous, and service tokens with and
without the endpoint's scope, against the rule table (api/rules.py).

Requests aim at things that do not exist (a transaction uid, an ID number, a USCC) or carry a body
the gate does not look at, so an admitted caller gets 200/404/422 and a refused one 401/403: the
matrix tests the gate, not the use cases (test_lifecycle.py does those).
"""

import pytest
from django.urls import reverse

from sirecords.api.rules import RULES, SCOPES
from sirecords.core.identifiers import make_uscc
from sirecords.users.access import ANONYMOUS, permits
from sirecords.users.roles import ADMIN_ROLES, ROLES
from sirecords.users.transactions import SCOPES as TOKEN_SCOPES

from ..test_access_rules import url_names
from .conftest import ALL_SCOPES, REGION, id_number

NOWHERE = "0" * 32  # no transaction has this uid


def _txn(name, method="post", **request):
    return lambda client: getattr(client, method)(reverse(name, args=[NOWHERE]), **request)


# How to call each endpoint. A new endpoint without an entry here fails test_every_api_endpoint_is_in_the_matrix.
CALLS = {
    "api:api-root": lambda c: c.get(reverse("api:api-root")),
    "api:openapi-json": lambda c: c.get(reverse("api:openapi-json")),
    "api:openapi-view": lambda c: c.get(reverse("api:openapi-view")),
    "api:txn_create": lambda c: c.post(reverse("api:txn_create"), {"type": "register_person", "region": "not-a-region",
                                                                    "reason": "matrix", "payload": {}},
                                       content_type="application/json"),
    "api:txn_mine": lambda c: c.get(reverse("api:txn_mine")),
    "api:txn_queue": lambda c: c.get(reverse("api:txn_queue")),
    "api:txn_detail": _txn("api:txn_detail", "get"),
    "api:txn_amend": _txn("api:txn_amend", "put", data={"payload": {}}, content_type="application/json"),
    "api:txn_attach": _txn("api:txn_attach", data={"kind": "id_card"}),
    "api:txn_submit": _txn("api:txn_submit"),
    "api:txn_review": _txn("api:txn_review", data={"decision": "approve"}, content_type="application/json"),
    "api:txn_withdraw": _txn("api:txn_withdraw", data={"reason": "matrix"}, content_type="application/json"),
    "api:person_lookup": lambda c: c.post(reverse("api:person_lookup") + "?purpose=matrix", {"id_number": id_number(999)},
                                          content_type="application/json"),
    "api:person_record": lambda c: c.post(reverse("api:person_record") + "?purpose=matrix", {"id_number": id_number(999)},
                                          content_type="application/json"),
    "api:employer_lookup": lambda c: c.get(reverse("api:employer_lookup", args=[make_uscc("9", "1", REGION, "MA5G0000")])),
}
GUARDED = sorted(name for name, rule in RULES.items() if rule != ANONYMOUS)


def api_url_names() -> set[str]:
    return {name for name in url_names() if name.startswith("api:")}


def test_every_api_endpoint_is_in_the_matrix():
    assert api_url_names() == set(CALLS), "add the new endpoint to CALLS (and its rule and scope to api/rules.py)"


def test_every_guarded_endpoint_needs_a_known_scope():
    assert set(SCOPES) == set(GUARDED)
    assert set(SCOPES.values()) <= TOKEN_SCOPES


def refused(response, status):
    assert response.status_code == status, response.content
    assert response.json()["detail"]


def admitted(response):
    assert response.status_code not in (401, 403), response.content
    assert response.status_code < 500


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", sorted(CALLS))
def test_staff_session(name, role, staff_client):
    client = staff_client(f"matrix.{role}", role)
    response = CALLS[name](client)
    if permits(RULES[name], {role}):
        admitted(response)
    else:
        refused(response, 403)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_anonymous(name, client, db):
    response = CALLS[name](client)
    if RULES[name] == ANONYMOUS:
        admitted(response)
    else:
        refused(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", GUARDED)
def test_token_with_the_scope(name, service_token, token_client):
    token = service_token("svc.matrix", roles=sorted(RULES[name]), scopes=SCOPES[name])
    admitted(CALLS[name](token_client(token)))


@pytest.mark.parametrize("name", GUARDED)
def test_token_without_the_scope(name, service_token, token_client):
    others = " ".join(sorted(TOKEN_SCOPES - {SCOPES[name]}))
    token = service_token("svc.matrix", roles=sorted(RULES[name]), scopes=others)
    response = CALLS[name](token_client(token))
    refused(response, 403)
    assert SCOPES[name] in response.json()["detail"]


@pytest.mark.parametrize("name", GUARDED)
def test_token_whose_account_lacks_the_role(name, service_token, token_client):
    """Scopes limit a token; they never add to its account's roles."""
    outside = sorted(set(ROLES) - RULES[name] - ADMIN_ROLES) or sorted(ADMIN_ROLES)
    token = service_token("svc.matrix", roles=outside[:1], scopes=ALL_SCOPES)
    refused(CALLS[name](token_client(token)), 403)

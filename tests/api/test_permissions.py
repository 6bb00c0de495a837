"""The permission matrix of the API (tests/permissions.py): every endpoint of api/rules.py asked anonymously,
by a staff session of every role, by a service token of every role holding every scope, and by tokens of
an account with the endpoint's roles holding only its scope and all but its scope; the expected outcome
is the rule's (admitted, 401 with a Bearer challenge, 403 naming the roles or the missing scope).

Requests aim at things that do not exist (a transaction uid, an ID number, a USCC) or carry a body
the gate does not look at, so an admitted caller gets 200/404/422 and a refused one 401/403: the
matrix tests the gate, not the use cases (test_lifecycle.py does those).
"""

from sirecords.api.rules import EMPLOYER_API, PERSON_API, RULES, SCOPES
from sirecords.core.identifiers import make_uscc
from sirecords.users.transactions import SCOPES as TOKEN_SCOPES

from ..permissions import ApiMatrix, Case, json
from ..test_access_rules import url_names
from .conftest import REGION, id_number

NOWHERE = "0" * 32  # no transaction has this uid
# What an admitted caller gets: the gate let the request through to the operation.
OK, NOT_FOUND, INVALID = frozenset({"200"}), frozenset({"404"}), frozenset({"422"})


def _txn(method="post", admitted=NOT_FOUND, **request) -> Case:
    return Case(args=(NOWHERE,), methods=(method,), admitted=admitted, **request)


# How to call each endpoint. An endpoint with a rule but no entry here fails its test_access case.
CASES = {
    "api:api-root": Case(admitted=NOT_FOUND),  # ninja's root has no page of its own; nobody is refused it
    "api:openapi-json": Case(admitted=OK),
    "api:openapi-view": Case(admitted=OK),
    "api:txn_create": Case(methods=("post",), admitted=INVALID, **json({"type": "register_person", "region": "not-a-region",
                                                                        "reason": "matrix", "payload": {}})),
    "api:txn_mine": Case(admitted=OK),
    "api:txn_queue": Case(admitted=OK),
    "api:txn_detail": _txn("get"),
    "api:txn_amend": _txn("put", **json({"payload": {}})),
    "api:txn_attach": _txn(admitted=INVALID, data={"kind": "id_card"}),  # no file: refused by the schema, after the gate
    "api:txn_submit": _txn(),
    "api:txn_review": _txn(**json({"decision": "approve"})),
    "api:txn_withdraw": _txn(**json({"reason": "matrix"})),
    "api:person_lookup": Case(methods=("post",), query="purpose=counter&purpose_detail=matrix+check", admitted=NOT_FOUND,
                              **json({"id_number": id_number(999)})),
    "api:person_record": Case(methods=("post",), query="purpose=counter&purpose_detail=matrix+check", admitted=NOT_FOUND,
                              **json({"id_number": id_number(999)})),
    "api:employer_lookup": Case(args=(make_uscc("9", "1", REGION, "MA5G0000"),), admitted=NOT_FOUND),
    # The portal's sign-in (POST) is open to anyone; a body without the password is refused after the gate.
    "api:me_session": Case(methods=("post",), admitted=INVALID, **json({"id_number": id_number(999)})),
    "api:employer_session": Case(methods=("post",), admitted=INVALID, **json({"uscc": "x"})),
    # A staff API session (api/staff_session.py): open to anyone; a body without the password and code is refused.
    "api:staff_session": Case(methods=("post",), admitted=INVALID, **json({"username": "x"})),
    # De-identified statistics (api/stats.py): an unknown measure is refused after the gate, nothing computed.
    "api:stats": Case(query="by=region&measure=matrix", admitted=INVALID),
    # A department's feed (api/feeds.py): a JSON body is refused after the gate (415), nothing read or recorded. Its
    # scope is one of the family feed:<kind>: the matrix asks with the kind in the URL, feed:person_events.
    "api:feed_receive": Case(args=("person_events",), methods=("post",), query="reason=matrix",
                             admitted=frozenset({"415"}), **json({})),
    # Disputes of the record (api/disputes.py): the list answers (the caller's regions' cases); a step on a case that
    # does not exist is 404 after the gate, nothing recorded.
    "api:disputes": Case(query="state=received", admitted=OK),
    "api:dispute_examine": _txn(),
    "api:dispute_refuse": _txn(**json({"reason": "matrix"})),
    "api:dispute_correct": _txn(**json({"type": "correct_contributions", "payload": {}})),
    "api:dispute_refer": _txn(**json({"region": "110105"})),
    # Transfers between regions (api/transfers.py): the list answers (the caller's regions' transfers).
    "api:transfers": Case(query="state=requested&overdue=true", admitted=OK),
}
# The portal's bearer-only endpoints: their own matrix of callers (tests/portal/test_api_permissions.py).
PORTAL = {name for name, rule in RULES.items() if rule in (PERSON_API, EMPLOYER_API)}

MATRIX = ApiMatrix({name: rule for name, rule in RULES.items() if name not in PORTAL}, CASES,
                   {**SCOPES, "api:feed_receive": "feed:person_events"}, token_scopes=TOKEN_SCOPES)
GUARDED = MATRIX.guarded()  # the endpoints that need a role (and a token scope); test_docs.py reads it
callers = MATRIX.fixture()


@MATRIX.parametrize
def test_access(name, callers, db):
    MATRIX.check(name, callers)


def test_every_api_endpoint_is_in_the_matrix():
    api_url_names = {name for name in url_names() if name.startswith("api:")}
    assert api_url_names == set(CASES) | PORTAL, "add the new endpoint to CASES (and its rule and scope to api/rules.py)"


def test_every_guarded_endpoint_needs_a_known_scope():
    assert set(SCOPES) == set(GUARDED)
    families = {scope for scope in SCOPES.values() if scope.endswith(":")}  # feed:<kind>
    assert set(SCOPES.values()) - families <= TOKEN_SCOPES
    assert all(any(token.startswith(family) for token in TOKEN_SCOPES) for family in families)


def test_the_feed_scopes_are_the_feeds():
    from sirecords.crosschecks.feeds import FORMATS
    from sirecords.users.transactions import FEED_SCOPES

    assert FEED_SCOPES == {f"feed:{kind}" for kind in FORMATS}

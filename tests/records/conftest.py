"""Readers in one pooling region or another, for the tests of region, purpose and read limits (records/reads.py)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from sirecords.users.actors import actor_for

from ..api.conftest import ALL_SCOPES, bearer, id_number, person_payload
from ..conftest import REGION, create_staff_account, issue_approved_token, make_signed_in_staff, sign_in, test_admin

OTHER_REGION = "110100"  # Beijing: the officer and clerk granted only here must not read or act on 440300's persons
PURPOSE = {"purpose": "counter", "purpose_detail": "counter query by the insured person"}
JSON = "application/json"


@pytest.fixture
def person(db, post_txn):
    """A person registered in 440300 (the test context's region): the uid."""
    return post_txn("register_person", person_payload())[0].payload["person"]


@pytest.fixture
def client_in(db):
    """client_in(username, *roles, region=REGION) -> a client signed in (second factor verified) as a new staff member
    holding `roles` in `region` only."""

    def make(username, *roles, region=REGION):
        return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), make_signed_in_staff(username, *roles, region=region))

    return make


@pytest.fixture
def token_in(db):
    """token_in(username, roles, region=REGION) -> a client sending a new token of a service account holding `roles`
    in `region`."""

    def make(username, roles=("query_officer",), region=REGION):
        admin = test_admin()
        if actor_for(username) is None:
            create_staff_account(admin, username, *roles, region=region, kind="service")
        return Client(HTTP_ACCEPT_LANGUAGE="en", **bearer(issue_approved_token(admin, username, ALL_SCOPES, region=REGION)))

    return make


def api_read(client, name: str, number: str, purpose: dict | None = None):
    """POST /api/persons/<lookup|record> for `number` with `purpose` (a counter enquiry by default)."""
    query = urlencode(PURPOSE if purpose is None else purpose)
    return client.post(f"{reverse(f'api:{name}')}?{query}", {"id_number": number}, content_type=JSON)


__all__ = ["JSON", "OTHER_REGION", "PURPOSE", "api_read", "id_number", "person_payload"]

"""The insured person's own record over the API (api/me.py): GET /api/me/record, /api/me/reads, /api/me/estimate.

The matrix of callers (anonymous, staff session, service token, the other kind's token, an expired token) is in
test_api_permissions.py; here: a person's token gets that person's data and nothing of another's, whatever the
query parameters (a parameter naming someone is refused with 422 and logged), every answer is in the access log,
and the estimate's bad growth or category is a 422 naming the field."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from sirecords.records import reads
from sirecords.records.estimate import categories_for
from sirecords.records.limits import REFUSED
from sirecords.records.models import AccessEvent
from sirecords.records.purposes import implied

from ..api.conftest import bearer
from .record_setup import api_token, me, other, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
ENDPOINTS = {"record": "/api/me/record", "reads": "/api/me/reads", "estimate": "/api/me/estimate"}


@pytest.fixture(scope="module")
def tokens(world, django_db_blocker):  # noqa: F811
    """A token each, made once (in the outer transaction of the module's `world`)."""
    with django_db_blocker.unblock():
        made = {"me": api_token(world[0]), "other": api_token(world[1])}
    yield made


def api_reads(person, what=None):
    rows = AccessEvent.objects.filter(actor=f"person:{person.uid}", subject=f"person:{person.uid}", channel="api")
    return rows.filter(what=what) if what else rows


@pytest.fixture
def clients(tokens):
    return {holder: Client(**bearer(token)) for holder, token in tokens.items()}


def test_the_record_is_the_token_holders_in_the_self_scope(me, other, clients):  # noqa: F811
    response = clients["me"].get("/api/me/record")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person"]["uid"] == me.person.uid and body["person"]["name"] == "样例"
    assert body["person"]["id_number"] == me.person.masked_id_number
    assert {row["period"] for row in body["contributions"]} == {"2024-01", "2024-02", "2024-03"}
    assert [row["year"] for row in body["account_years"]] == [2024]
    assert body["contribution_years"]["actual_months"] == 2 and body["pension"] is None
    assert body["scope"]["kind"] == "self" and body["scope"]["all_time"] is True
    text = response.content.decode()
    assert other.person.uid not in text and "李四" not in text and me.person.id_number not in text


@pytest.mark.parametrize("what", sorted(ENDPOINTS))
def test_another_persons_token_reaches_only_that_persons_data(me, other, clients, what):  # noqa: F811
    response = clients["other"].get(ENDPOINTS[what])
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert me.person.uid not in text and "样例" not in text
    if what == "record":
        assert response.json()["person"]["uid"] == other.person.uid
    assert not AccessEvent.objects.filter(actor=f"person:{other.person.uid}", subject=f"person:{me.person.uid}").exists()
    assert api_reads(other.person, what).count() == 1


@pytest.mark.parametrize("what", sorted(ENDPOINTS))
@pytest.mark.parametrize("parameter", ["person", "id_number", "uid"])
def test_a_parameter_naming_another_person_is_refused_and_logged(me, other, clients, what, parameter, caplog):  # noqa: F811
    value = other.id_number if parameter == "id_number" else other.person.uid
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        response = clients["me"].get(ENDPOINTS[what], {parameter: value})
    assert response.status_code == 422, response.content
    assert parameter in response.json()["errors"]
    text = response.content.decode()
    assert "李四" not in text and other.person.uid not in text and other.id_number not in text
    assert any("query parameters" in r.getMessage() and parameter in r.getMessage() for r in caplog.records)
    assert not any(other.id_number in r.getMessage() for r in caplog.records)  # the value is not logged
    refused = AccessEvent.objects.filter(actor=f"person:{me.person.uid}", what__startswith=REFUSED)
    assert refused.count() == 1 and parameter in refused.get().what
    assert refused.get().subject == f"person:{me.person.uid}"
    assert not AccessEvent.objects.filter(subject=f"person:{other.person.uid}", actor=f"person:{me.person.uid}").exists()
    assert not api_reads(me.person).exclude(what__startswith=REFUSED).exists()  # nothing was read
    # Without the parameter the same token gets its holder's own answer.
    again = clients["me"].get(ENDPOINTS[what])
    assert again.status_code == 200 and "李四" not in again.content.decode()


def test_every_own_read_lands_in_the_access_log(me, clients):  # noqa: F811
    for what, path in ENDPOINTS.items():
        assert clients["me"].get(path).status_code == 200
        assert api_reads(me.person, what).count() == 1, what
    event = api_reads(me.person, "record").get()
    assert event.purpose.startswith("self:")


def test_the_reads_list_a_staff_read_and_not_the_own_ones(me, clients, staff):  # noqa: F811
    officer = staff("query.api", "query_officer")
    reads.read(reads.Reader(officer, "counter"), f"person:{me.person.uid}", "person.record",
               implied("counter", "counter query by the insured person"))
    clients["me"].get("/api/me/record")
    rows = Client(HTTP_ACCEPT_LANGUAGE="en", **clients["me"].defaults).get("/api/me/reads").json()
    assert len(rows) == 1
    [row] = rows
    assert row["channel"] == "service counter" and "counter query by the insured person" in row["purpose"]
    assert "query.api" not in str(row) and set(row) == {"at", "date", "organisation", "role", "channel", "purpose", "what"}


@pytest.mark.parametrize("growth", ["lots", "3", "40%", "0,03"])
def test_a_bad_growth_is_a_422_naming_growth(me, clients, growth):  # noqa: F811
    response = clients["me"].get("/api/me/estimate", {"growth": growth})
    assert response.status_code == 422, response.content
    assert set(response.json()["errors"]) == {"growth"}
    assert not api_reads(me.person, "estimate").exists()


def test_a_category_that_does_not_fit_is_a_422_naming_category(me, clients):  # noqa: F811
    unfit = next(code for code in ("male", "female55", "female50") if code not in categories_for(me.person))
    response = clients["me"].get("/api/me/estimate", {"category": unfit})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"category"}


def test_the_estimate_defaults_the_growth(me, clients):  # noqa: F811
    body = clients["me"].get("/api/me/estimate").json()
    assert body["growth"] == "0.03" and body["category"] in categories_for(me.person)
    assert body["status"] in ("estimate", "unavailable")  # no parameter set is loaded for today in this set-up


def test_the_openapi_document_names_the_record_keys():
    schema = Client().get("/api/openapi.json").json()
    for path in ENDPOINTS.values():
        assert path in schema["paths"]
    record = schema["components"]["schemas"]["RecordOut"]["properties"]
    assert {"person", "timeline", "contributions", "account_years", "contribution_years", "pension", "scope"} <= set(record)

"""Look-ups of a person (only with a purpose, always access-logged: 第二十一条) and of an employer."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from sirecords.records.models import AccessEvent

from .conftest import REGION, id_number, person_payload

USCC = "91350100M000100Y43"
JSON = "application/json"


@pytest.fixture
def person(db, post_txn):
    uid = post_txn("register_person", person_payload())[0].payload["person"]
    employer = post_txn("register_employer", {"uscc": USCC, "name": "某某科技有限公司", "region": REGION})[0].payload["employer"]
    post_txn("start_employment", {"person": uid, "employer": employer, "start": "2012-03-01"})
    return uid


PURPOSE = {"purpose": "counter", "purpose_detail": "counter query by the insured person"}


def lookup(client, number, purpose=PURPOSE):
    url = reverse("api:person_lookup") + (f"?{urlencode(purpose)}" if purpose is not None else "")
    return client.post(url, {"id_number": number}, content_type=JSON)


def test_a_person_look_up_answers_masked_and_is_logged(person, staff_client):
    client = staff_client("query.chen", "query_officer")
    response = lookup(client, id_number())
    assert response.status_code == 200, response.content
    found = response.json()
    assert found["uid"] == person and found["name"] == "张三" and found["sex"] == "M"
    assert found["id_number"] == id_number()[:6] + "************"
    assert found["birth_date"] == "1990-05-17" and found["region"] == REGION and found["pooling_region"] == REGION
    assert found["employments"] == [{"employer_uscc": USCC, "employer_name": "某某科技有限公司", "start": "2012-03-01",
                                     "end": None}]
    event = AccessEvent.objects.get()
    assert (event.actor, event.subject, event.what, event.channel, event.purpose) == (
        "query.chen", f"person:{person}", "person.detail", "api", "counter: counter query by the insured person")


def test_a_token_look_up_is_logged_under_the_service_account(person, service_token, token_client):
    client = token_client(service_token("svc.terminal", roles=("query_officer",), scopes="persons:read"))
    assert lookup(client, id_number(), purpose={"purpose": "counter", "purpose_detail": "self-service terminal"}).status_code == 200
    assert AccessEvent.objects.get().actor == "svc.terminal"


@pytest.mark.parametrize(("purpose", "field"), [
    (None, "purpose"), ({"purpose": ""}, "purpose"), ({"purpose": "   "}, "purpose"),
    ({"purpose": "counter"}, "purpose_detail"), ({"purpose": "counter", "purpose_detail": "."}, "purpose_detail"),
    ({"purpose": "case", "purpose_detail": "court enquiry"}, "purpose_reference")])
def test_a_person_look_up_needs_a_purpose(person, staff_client, purpose, field):
    response = lookup(staff_client("query.chen", "query_officer"), id_number(), purpose=purpose)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not AccessEvent.objects.exists()


def test_an_invalid_id_number_is_422_naming_the_field_and_logged_as_a_probe(staff_client, db):
    response = lookup(staff_client("query.chen", "query_officer"), "440300199005170000")
    assert response.status_code == 422
    assert "check" in response.json()["errors"]["id_number"]
    event = AccessEvent.objects.get()
    assert event.subject.startswith("idx:") and event.what == "look-up: invalid ID number"


def test_an_unknown_person_is_404_and_logged_as_a_probe(staff_client, db):
    assert lookup(staff_client("query.chen", "query_officer"), id_number(seq=11)).status_code == 404
    event = AccessEvent.objects.get()
    assert event.subject.startswith("idx:") and event.what == "look-up: nobody registered with this ID number"


def test_employer_look_up(person, staff_client):
    client = staff_client("clerk.li", "clerk")
    found = client.get(reverse("api:employer_lookup", args=[USCC.lower()]))
    assert found.status_code == 200 and found.json()["name"] == "某某科技有限公司"
    bad = client.get(reverse("api:employer_lookup", args=["91350100M000100Y44"]))
    assert bad.status_code == 422 and "uscc" in bad.json()["errors"]
    assert client.get(reverse("api:employer_lookup", args=["91440300MA5G00000R"])).status_code == 404

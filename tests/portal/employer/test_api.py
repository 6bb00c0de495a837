"""The employer's record endpoints (api/portal_employer.py): GET /api/employer/contributions and
/api/employer/employees — the unit's own rows, each employee within their time with it, every employee answered
access-logged (channel "api"), in the OpenAPI document with their schemas, and only for the unit's own live token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from sirecords.api.portal_auth import token_digest
from sirecords.portal.models import PortalToken
from sirecords.records.models import AccessEvent

from ...api.conftest import ALL_SCOPES, bearer
from ...conftest import create_staff_account, issue_approved_token, make_signed_in_staff, post_entries, staff_factory, test_admin
from ...conftest import sign_in as staff_sign_in
from ..conftest import ID_NUMBER, PORTAL_PASSWORD, activate_person, fresh, register_person, totp
from .conftest import FIRST_NAME, FIRST_USCC, LATER_USCC, employer_token
from .test_pages import assert_nothing_later

pytestmark = pytest.mark.django_db
ENDPOINTS = ("/api/employer/contributions", "/api/employer/employees")


def api(token: str) -> Client:
    return Client(**bearer(token))


def reads_of(person) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(subject=f"person:{person.uid}").order_by("seq"))


def test_contributions_all_months_and_one_month(unit):
    client = api(employer_token(unit.first_device, FIRST_USCC))
    answer = client.get("/api/employer/contributions").json()
    assert answer["employer"] == {"uid": unit.first.uid, "uscc": FIRST_USCC, "name": FIRST_NAME}
    assert [(m["period"], m["insurance_type"], m["persons"]) for m in answer["months"]] == [
        ("2022-05", "pension", 2), ("2022-06", "pension", 2)]
    assert answer["months"][1]["arrears"] != "0.00" and answer["months"][0]["arrears"] == "0.00"
    assert answer["totals"]["arrears"] == answer["months"][1]["arrears"]
    one = client.get("/api/employer/contributions", {"month": "２０２２-０６"}).json()  # canonicalised
    assert one["month"] == "2022-06" and [m["period"] for m in one["months"]] == ["2022-06"]
    assert_nothing_later(unit, json.dumps(answer, ensure_ascii=False))


@pytest.mark.parametrize("month", ["2022-13", "22-06", "june", "2022-06-01"])
def test_a_bad_month_is_422_naming_month(unit, month):
    response = api(employer_token(unit.first_device, FIRST_USCC)).get("/api/employer/contributions", {"month": month})
    assert response.status_code == 422 and "month" in response.json()["errors"], response.content


def test_employees_with_their_scoped_records_each_logged(unit):
    client = api(employer_token(unit.first_device, FIRST_USCC))
    response = client.get("/api/employer/employees")
    assert response.status_code == 200
    answer = response.json()
    assert answer["total"] == 2 and answer["pages"] == 1
    by_uid = {e["uid"]: e for e in answer["employees"]}
    former, current = by_uid[unit.former.uid], by_uid[unit.current.uid]
    assert former["id_number"] == unit.former.masked_id_number and unit.former.id_number not in response.content.decode()
    assert former["periods"] == [{"start": "2022-01-01", "end": "2022-06-30"}]
    assert current["periods"] == [{"start": "2022-03-01", "end": None}]
    assert [c["period"] for c in former["record"]["contributions"]] == ["2022-05", "2022-06"]
    assert {c["employer_uid"] for c in former["record"]["contributions"]} == {unit.first.uid}
    for absent in ("account_years", "contribution_years", "pension", "deemed_service"):
        assert absent not in former["record"]
    assert_nothing_later(unit, response.content.decode())
    for person in (unit.former, unit.current):
        assert [(e.actor, e.channel, e.what) for e in reads_of(person)] == [
            (f"employer:{unit.first.uid}:hr", "api", "employer.employees")]


def test_employees_are_paged(unit):
    client = api(employer_token(unit.first_device, FIRST_USCC))
    first = client.get("/api/employer/employees", {"limit": 1}).json()
    second = client.get("/api/employer/employees", {"limit": 1, "page": 2}).json()
    beyond = client.get("/api/employer/employees", {"limit": 1, "page": 3}).json()
    assert (first["pages"], len(first["employees"]), len(second["employees"]), beyond["employees"]) == (2, 1, 1, [])
    assert {first["employees"][0]["uid"], second["employees"][0]["uid"]} == {unit.former.uid, unit.current.uid}
    assert len(reads_of(unit.former)) == len(reads_of(unit.current)) == 1  # each logged on its own page only
    for bad in ({"limit": 0}, {"limit": 1000}, {"page": 0}, {"page": "x"}):
        response = client.get("/api/employer/employees", bad)
        assert response.status_code == 422 and set(response.json()["errors"]) & {"limit", "page"}, bad


def test_the_later_employer_sees_its_months_of_the_former_employee_only(unit):
    answer = api(employer_token(unit.later_device, LATER_USCC)).get("/api/employer/employees").json()
    assert [e["uid"] for e in answer["employees"]] == [unit.former.uid]  # never the first unit's current employee
    record = answer["employees"][0]["record"]
    assert [c["period"] for c in record["contributions"]] == ["2022-07", "2022-08"]
    text = json.dumps(answer, ensure_ascii=False)
    assert FIRST_NAME not in text and FIRST_USCC not in text and unit.first.uid not in text


def test_no_parameter_names_another_unit(unit):
    """The unit is the token's: parameters naming another unit are not read (the answer is the token's unit's)."""
    client = api(employer_token(unit.first_device, FIRST_USCC))
    for path in ENDPOINTS:
        plain = client.get(path).json()
        crafted = client.get(path, {"employer": unit.later.uid, "uscc": LATER_USCC, "employer_uid": unit.later.uid})
        assert crafted.status_code == 200
        assert crafted.json() == plain


def test_in_the_openapi_document_with_schemas(unit):
    document = Client().get("/api/openapi.json").json()
    for path in ENDPOINTS:
        operation = document["paths"][path]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in schema, (path, schema)
        assert {"401", "422"} <= set(operation["responses"])
        assert operation["security"] == [{"EmployerBearer": []}]
    contributions = document["components"]["schemas"]["EmployerContributionsOut"]
    assert {"employer", "months", "totals"} <= set(contributions["properties"])
    assert {"period", "arrears", "persons"} <= set(document["components"]["schemas"]["ContributionMonth"]["properties"])
    assert {"uid", "id_number", "periods", "record"} <= set(document["components"]["schemas"]["EmployeeOut"]["properties"])


# Every endpoint × every kind of caller: only the unit's own live employer token is answered; another unit's
# token is answered with that unit's own data (tested above), never this unit's.
CALLERS = ("anonymous", "employer token", "other employer's token", "person token", "staff session", "service token",
           "expired token")


@pytest.fixture(scope="module")
def callers(unit, django_db_blocker):
    """Every caller's credentials, made once (in the outer transaction of the module's `unit`)."""
    with django_db_blocker.unblock():
        person_device = activate_person(register_person(post_entries), staff_factory()("officer.t", "query_officer"))
        made = _callers(unit, person_device)
    yield made


def _callers(unit, person_device) -> dict:
    made = {"employer token": employer_token(unit.first_device, FIRST_USCC),
            "other employer's token": employer_token(unit.later_device, LATER_USCC)}
    response = Client().post("/api/me/session", {"id_number": ID_NUMBER, "password": PORTAL_PASSWORD,
                                                  "code": totp(fresh(person_device))}, content_type="application/json")
    made["person token"] = response.json()["token"]
    create_staff_account(test_admin(), "svc.emp", "query_officer", kind="service")
    made["service token"] = issue_approved_token(test_admin(), "svc.emp", ALL_SCOPES)
    made["staff user"] = make_signed_in_staff("officer.e", "query_officer")
    expired = employer_token(unit.first_device, FIRST_USCC)
    PortalToken.objects.filter(token_sha256=token_digest(expired)).update(
        created_at=datetime.now(UTC) - timedelta(hours=2), expires_at=datetime.now(UTC) - timedelta(hours=1))
    made["expired token"] = expired
    return made


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("who", CALLERS)
def test_every_endpoint_for_every_caller(unit, callers, path, who):
    if who == "anonymous":
        client = Client()
    elif who == "staff session":
        client = staff_sign_in(Client(), callers["staff user"])
    else:
        client = api(callers[who])
    response = client.get(path)
    text = response.content.decode()
    own = FIRST_USCC if path.endswith("contributions") else unit.current.uid  # only the first unit's answer holds it
    if who == "employer token":
        assert response.status_code == 200 and own in text
    elif who == "other employer's token":
        assert response.status_code == 200 and FIRST_USCC not in text and unit.current.uid not in text
        assert FIRST_NAME not in text
    else:
        assert response.status_code == 401, (who, response.status_code, text)
        assert unit.former.uid not in text and FIRST_NAME not in text
    if who not in ("employer token", "other employer's token"):
        assert reads_of(unit.former) == reads_of(unit.current) == []


@pytest.mark.parametrize("who", CALLERS)
def test_the_disputes_endpoint_for_every_caller(unit, callers, who):
    """POST and GET /api/employer/disputes (api/disputes.py): the unit's own token files about its employee's month
    and lists its cases; another unit's token is refused that employee (422 naming `person`) and lists none of them;
    everyone else gets 401 and nothing is recorded."""
    from sirecords.disputes.models import Case

    from .conftest import CURRENT_ID

    if who == "anonymous":
        client = Client()
    elif who == "staff session":
        client = staff_sign_in(Client(), callers["staff user"])
    else:
        client = api(callers[who])
    filed = client.post("/api/employer/disputes", {"item": "contribution", "period": "2022-05", "claim": "申报工资有误",
                                                   "id_number": CURRENT_ID}, content_type="application/json")
    listed = client.get("/api/employer/disputes")
    if who == "employer token":
        assert filed.status_code == 201, filed.content
        assert [c["case"] for c in listed.json()] == [filed.json()["case"]]
        assert Case.objects.get().employer == unit.first.uid
    elif who == "other employer's token":
        assert filed.status_code == 422 and "person" in filed.json()["errors"], filed.content
        assert listed.status_code == 200 and listed.json() == []
    else:
        assert (filed.status_code, listed.status_code) == (401, 401), (who, filed.content, listed.content)
    if who != "employer token":
        assert not Case.objects.exists()
    assert CURRENT_ID not in filed.content.decode() + listed.content.decode()

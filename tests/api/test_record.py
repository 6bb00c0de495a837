"""POST /api/persons/record: the person's record as JSON (ID number in the body, a purpose required,
every read access-logged); the figures are the recorded ones (account-year rows, contribution_years())."""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from sirecords.accounts.years import contribution_years
from sirecords.core.identifiers import make_id_number
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.records.models import AccessEvent
from sirecords.records.personal import current_account_years
from sirecords.registry.models import Person

from ..conftest import module_credited

pytestmark = pytest.mark.django_db
credited = module_credited()  # made once for the module; each test in a rolled-back savepoint

NUMBER = make_id_number("440305", date(1984, 4, 4), 404)  # the person post_sample_batch registers
JSON = "application/json"


PURPOSE = {"purpose": "counter", "purpose_detail": "counter query by the insured person"}


def record(client, number=NUMBER, purpose=PURPOSE):
    url = reverse("api:person_record") + (f"?{urlencode(purpose)}" if purpose is not None else "")
    return client.post(url, {"id_number": number}, content_type=JSON)


def test_the_record_answers_the_recorded_figures_and_is_logged(credited, staff_client):
    response = record(staff_client("query.chen", "query_officer"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person"]["uid"] == credited.uid and body["person"]["id_number"] == credited.masked_id_number
    assert NUMBER not in response.content.decode()
    assert [event["kind"] for event in body["timeline"]][0] == "person.registered"
    assert [row["period"] for row in body["contributions"]] == ["2024-01", "2024-02"]
    assert body["contributions"][0]["base"] == "8000.00"
    [row] = current_account_years(credited.uid)
    assert body["account_years"] == [{
        "year": 2024, "opening": yuan(row.opening_fen), "credits": yuan(row.credits_fen),
        "interest_on_prior": yuan(row.interest_on_prior_fen), "interest_on_credits": yuan(row.interest_on_credits_fen),
        "closing": yuan(row.closing_fen), "months": row.months, "rate": row.rate, "rate_status": row.rate_status,
        "method": row.method, "rule_version": row.rule_version}]
    result = contribution_years(credited.uid)
    years = body["contribution_years"]
    assert (years["actual_months"], years["deemed_months"], years["total_months"]) == (
        result.value.actual_months, result.value.deemed_months, result.value.contribution_months)
    assert years["trace"] == result.trace.as_dict()
    assert body["pension"] is None or isinstance(body["pension"], dict)
    # The summary (issue #17, point 6): an insured worker, the 2024 year-end balance, nothing open after it.
    assert body["summary"] == {"region": credited.pooling_region, "name": credited.name, "status": "active",
                               "contribution_months": result.value.actual_months, "deemed_months": result.value.deemed_months,
                               "account_balance": yuan(row.closing_fen), "transferred_to": None, "account_type": "basic",
                               "pension": None}
    event = AccessEvent.objects.get(actor="query.chen")
    assert (event.subject, event.what, event.channel, event.purpose) == (
        f"person:{credited.uid}", "person.record", "api", "counter: counter query by the insured person")


@pytest.mark.parametrize(("purpose", "field"), [(None, "purpose"), ({"purpose": ""}, "purpose"),
                                               ({"purpose": "counter", "purpose_detail": "..."}, "purpose_detail")])
def test_the_record_needs_a_purpose(credited, staff_client, purpose, field):
    response = record(staff_client("query.chen", "query_officer"), purpose=purpose)
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not AccessEvent.objects.filter(actor="query.chen").exists()


def test_unknown_and_invalid_numbers(credited, staff_client):
    client = staff_client("query.chen", "query_officer")
    assert record(client, make_id_number("440305", date(1990, 1, 1), 999)).status_code == 404
    assert record(client, "440300199005170000").status_code == 422


def test_an_account_clerk_without_the_role_is_refused(credited, staff_client):
    assert record(staff_client("sys.t", "sysadmin")).status_code == 403


def test_a_retirees_record_has_deemed_service_the_pension_its_adjustments_payments_and_subsidies(staff, staff_client,
                                                                                                   post_fresh):
    from sirecords.benefits.models import Award
    from sirecords.demo.sample_benefits import post_sample_award

    award = Award.objects.get(uid=post_sample_award(staff))
    post_fresh("adjust_pensions", {"region": "440300", "year": 2025})
    post_fresh("pay_pensions", {"month": "2025-01"})
    post_fresh("grant_subsidy", {"person": award.person_id, "scheme": "employment_difficulty", "start": "2023-01",
                                 "end": "2023-03"})
    person = Person.objects.get(uid=award.person_id)
    response = record(staff_client("query.chen", "query_officer"), number=person.id_number)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["deemed_service"] == [{"start": "1982-01", "end": "1992-07", "months": 127, "work_unit": "样例国营工厂"}]
    assert body["contribution_years"]["deemed_months"] == 127 and body["contribution_years"]["total_months"] == 60 + 127
    pension, award = body["pension"], Award.objects.get(uid=award.uid)
    assert pension["awarded"] == yuan(award.awarded_fen) and pension["total"] == yuan(award.total_fen) != pension["awarded"]
    assert pension["account_at_retirement"]["year"] == 2024 and pension["account_at_retirement"]["months"] == 6
    [adjustment] = pension["adjustments"]
    assert (adjustment["year"], adjustment["before"], adjustment["after"]) == (2025, pension["awarded"], pension["total"])
    assert pension["payments"] == [{"month": "2025-01", "amount": pension["total"], "back_pay": "0.00"}]
    assert pension["payments_made"] == 1
    assert [(s["period"], s["insurance_type"]) for s in body["subsidies"]] == [
        ("2023-01", "pension"), ("2023-02", "pension"), ("2023-03", "pension")]
    kinds = [event["kind"] for event in body["timeline"]]
    assert {"deemed_service.recognised", "eligibility.approved", "subsidy.granted"} <= set(kinds)

"""/my/pension/ and GET /api/me/estimate with real figures: a retiree sees the award and "why is my pension this
amount" (its trace); a younger person sees the estimate at the growth they chose, with its trace."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from sirecords.benefits.models import Award
from sirecords.core.money import fen_to_yuan
from sirecords.portal import services as portal
from sirecords.registry.models import Person

from ..api.conftest import bearer
from ..benefits.conftest import person_with_months  # noqa: F401  (the fixture: paid months and a credited 2023)
from ..conftest import module_params
from .conftest import KEY, PORTAL_PASSWORD
from .record_setup import Holder, api_token, signed_in

pytestmark = pytest.mark.django_db
_parameters = module_params(range(2000, 2027))


@pytest.fixture
def holder_of(officer):
    def make(uid: str) -> Holder:
        person = Person.objects.get(uid=uid)
        device = portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=officer, channel="counter", key=KEY)
        return Holder(person, device)

    return make


def test_a_retiree_sees_the_award_and_why_it_is_this_amount(person_with_months, post_fresh, holder_of):  # noqa: F811
    uid = person_with_months(200)
    post_fresh("approve_retirement", {"person": uid, "category": "male", "retirement_month": "2024-06", "flexible": False})
    award = Award.objects.get(person_id=uid)
    holder = holder_of(uid)
    html = signed_in(holder).get("/my/pension/").content.decode()
    assert fen_to_yuan(award.total_fen) in html and fen_to_yuan(award.basic_fen) in html
    assert fen_to_yuan(award.account_fen) in html and "2024-07" in html and "Your retirement was approved on" in html
    why = html.split('id="why-h"')[1].split("</section>")[0]
    assert why.count("<li>") >= 3  # the trace's steps, each with its rule and figures
    assert 'name="growth"' not in html  # no estimate for a retiree
    summary = signed_in(holder).get("/my/").content.decode()
    assert f"{fen_to_yuan(award.total_fen)} yuan a month since 2024-07" in summary
    body = Client(**bearer(api_token(holder))).get("/api/me/record").json()
    assert body["pension"]["total"] == fen_to_yuan(award.total_fen) and body["pension"]["trace_lines"]
    estimate = Client(**bearer(api_token(holder))).get("/api/me/estimate").json()
    assert estimate["status"] == "awarded" and estimate["pension"]["awarded"] == fen_to_yuan(award.awarded_fen)


def test_a_younger_person_gets_the_estimate_at_the_growth_chosen(person_with_months, holder_of):  # noqa: F811
    holder = holder_of(person_with_months(60, birth=date(1975, 3, 1), last="2024-05"))
    client = signed_in(holder)
    html = client.get("/my/pension/?growth=2%25").content.decode()
    assert 'value="2%"' in html and "Estimated monthly pension" in html and "How the estimate is made" in html
    api = Client(**bearer(api_token(holder)))
    at_two = api.get("/api/me/estimate", {"growth": "0.02"}).json()
    at_five = api.get("/api/me/estimate", {"growth": "0.05"}).json()
    assert at_two["status"] == "estimate" and at_two["growth"] == "0.02"
    total = at_two["estimate"]["pension"]["total"]
    assert total in html and at_two["estimate"]["retirement_month"] in html
    assert at_five["estimate"]["pension"]["total"] != total  # the growth chosen matters
    assert at_two["trace_lines"] and at_two["trace_lines"][0].split()[0] in html

"""The person's record page (第二条; issue 4 §6): header, timeline, monthly contributions by year, the
account statement (the current account-year rows), contribution years (as contribution_years() gives
them), every view access-logged; who reaches the pages (web/rules_record.py × every role); Chinese."""

import json
from datetime import date

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from sirecords.accounts.years import contribution_years
from sirecords.core.identifiers import make_id_number
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.ledger.models import Entry
from sirecords.records.models import AccessEvent
from sirecords.records.personal import current_account_years
from sirecords.users.access import permits
from sirecords.users.roles import ROLES
from sirecords.web.rules_record import RULES

from ..conftest import module_credited, sign_in

pytestmark = pytest.mark.django_db
credited = module_credited()  # made once for the module; each test in a rolled-back savepoint

NUMBER = make_id_number("440305", date(1984, 4, 4), 404)  # the person post_sample_batch registers
PURPOSE = {"purpose": "counter", "purpose_detail": "核对缴费记录"}


def stated(client, uid):
    """`client` after stating the purpose on the record page of `uid` (the session remembers it)."""
    response = client.post(reverse("record_person", args=[uid]), PURPOSE)
    assert response.status_code == 302, response.content
    return client


def test_search_redirects_to_the_record_without_the_number_in_the_url(credited, signed_in):
    client = signed_in("rec.clerk", "clerk")
    response = client.post(reverse("record_search"), {"id_number": NUMBER, **PURPOSE})
    assert response.status_code == 302
    assert response["Location"] == reverse("record_person", args=[credited.uid])
    assert NUMBER not in response["Location"]


def test_the_record_shows_the_computed_figures_and_is_access_logged(credited, signed_in):
    client = stated(signed_in("rec.query", "query_officer"), credited.uid)
    before = AccessEvent.objects.filter(subject=f"person:{credited.uid}").count()
    page = client.get(reverse("record_person", args=[credited.uid])).content.decode()
    assert credited.masked_id_number in page and NUMBER not in page and credited.name in page
    # timeline: the registration
    assert "Registered" in page
    # monthly contributions of 2024
    assert "2024-01" in page and "2024-02" in page and "8000.00" in page
    # the account statement equals the current account-year rows
    [row] = current_account_years(credited.uid)
    assert row.year == 2024 and row.credits_fen > 0
    statement = page.split('id="account"')[1].split("</section>")[0]
    for fen in (row.opening_fen, row.credits_fen, row.interest_on_prior_fen, row.interest_on_credits_fen, row.closing_fen):
        assert f">{yuan(fen)}<" in statement
    assert row.rate in statement
    # contribution years equal contribution_years()
    years = contribution_years(credited.uid).value
    section = page.split('id="contribution-years"')[1].split("</section>")[0]
    assert f"<td>{years.actual_months}</td>" in section and f"<td>{years.contribution_months}</td>" in section
    assert years.actual_months == 2
    after = AccessEvent.objects.filter(subject=f"person:{credited.uid}", actor="rec.query")
    assert after.count() == 1 and before + 1 == AccessEvent.objects.filter(subject=f"person:{credited.uid}").count()
    assert after.get().channel == "web" and after.get().purpose == "counter: 核对缴费记录"


def test_contributions_page_by_year(credited, signed_in):
    client = stated(signed_in("rec.sup", "supervisor"), credited.uid)
    url = reverse("record_person", args=[credited.uid])
    assert "2024-01" in client.get(url + "?year=2024").content.decode()
    assert client.get(url + "?year=notayear").status_code == 200


def test_unknown_person_and_bad_number(signed_in):
    client = signed_in("rec.clerk2", "clerk")
    assert client.get(reverse("record_person", args=["0" * 32])).status_code == 404
    response = client.post(reverse("record_search"), {"id_number": make_id_number("440305", date(1990, 1, 1), 999), **PURPOSE})
    assert response.status_code == 200 and "No insured person" in response.content.decode()


@override_settings(LANGUAGE_CODE="zh-hans")
def test_the_record_is_chinese(credited, signed_in):
    page = stated(signed_in("rec.clerk3", "clerk"), credited.uid).get(reverse("record_person", args=[credited.uid])).content.decode()
    assert "<h1>个人权益记录</h1>" in page
    assert "个人账户对账单" in page and "缴费年限" in page and "年末储存额" in page and "基本养老保险" in page
    assert "Individual account statement" not in page


@pytest.mark.parametrize("name", sorted(RULES))
def test_who_reaches_the_record_pages(name, credited, make_staff):
    args = [credited.uid] if name == "record_person" else []
    url = reverse(name, args=args)
    assert Client().get(url)["Location"].startswith("/login/")
    for role in sorted(ROLES):
        client = sign_in(Client(), make_staff(f"m.{name[:10]}.{role}"[:40], role))
        status = client.get(url).status_code
        expected = 200 if permits(RULES[name], {role}) else 403
        assert status == expected, (name, role, status)


def test_no_pension_section_without_an_award(credited, signed_in):
    page = stated(signed_in("rec.clerk4", "clerk"), credited.uid).get(reverse("record_person", args=[credited.uid])).content.decode()
    assert 'id="pension"' not in page


def test_the_pension_with_its_trace(staff, signed_in):
    from sirecords.benefits.models import Award
    from sirecords.demo.sample_benefits import post_sample_award

    award = Award.objects.get(uid=post_sample_award(staff))
    page = stated(signed_in("rec.clerk5", "clerk"), award.person_id).get(reverse("record_person", args=[award.person_id]))
    page = page.content.decode()
    section = page.split('id="pension"')[1].split("</section>")[0]
    assert f">{yuan(award.total_fen)}<" in section and f">{yuan(award.basic_fen)}<" in section
    assert "Why the pension is this amount" in section and "rule version" in section
    # The retirement year 2024 (January–May) credited as a part year at the approval, shown with the balance it gave.
    part = json.loads(Entry.objects.get(subject=f"award:{award.uid}", kind="pension.awarded").payload)["account_year"]
    assert (part["year"], part["months"]) == (2024, 6)  # 2024-01 … 06: the retirement month counts
    assert "Account in the retirement year (part year)" in section and f">{yuan(part['closing_fen'])}<" in section

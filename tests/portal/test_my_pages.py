"""The insured person's record pages under /my/ (web/views/portal_record.py): each renders for the signed-in person
with the real figures of their record, nothing of another person, every read in the access log; who read my record
with a staff read shown and a 第十八条-withheld one kept back; the estimate form's bad input next to its field."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.test import Client

from sirecords.records import reads
from sirecords.records.estimate import categories_for
from sirecords.records.models import AccessEvent
from sirecords.records.purposes import implied

from .record_setup import ARREARS_MONTH, me, other, signed_in, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
PAGES = ("/my/", "/my/contributions/", "/my/account/", "/my/pension/", "/my/reads/")
WHAT = {"/my/": "record", "/my/contributions/": "record.contributions", "/my/account/": "record.account",
        "/my/pension/": "record.pension", "/my/reads/": "reads"}


def own_reads(person, what=None):
    rows = AccessEvent.objects.filter(actor=f"person:{person.uid}", subject=f"person:{person.uid}", channel="portal")
    return rows.filter(what=what) if what else rows


@pytest.mark.parametrize("path", PAGES)
def test_each_page_renders_for_the_person_and_is_logged(me, other, path):  # noqa: F811
    client = signed_in(me)
    before = own_reads(me.person, WHAT[path]).count()
    response = client.get(path)
    assert response.status_code == 200, response.content
    html = response.content.decode()
    assert me.person.masked_id_number in html
    # Nothing of the other person, and never a whole ID number.
    assert other.person.name not in html and other.person.masked_id_number not in html
    assert me.person.id_number not in html and other.person.id_number not in html
    assert "<script" not in html and "style=" not in html and "|safe" not in html
    assert '<nav aria-label="My record"' in html and 'aria-current="page"' in html
    assert re.search(r"<caption>|<h1>", html)
    assert own_reads(me.person, WHAT[path]).count() == before + 1
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_pages_need_a_person_session(me):  # noqa: F811
    for path in PAGES:
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/my/login/"), path


def test_the_summary_shows_registration_employment_totals_and_arrears(me):  # noqa: F811
    html = signed_in(me).get("/my/").content.decode()
    assert "样例" in html and "样例公司" in html and "2023-06-01" in html and "still employed" in html
    assert "2 months" in html  # two paid months of 2024
    assert "Individual account balance" in html and "What your individual pension account holds" in html
    assert "You are not retired yet" in html


def test_the_contributions_page_shows_a_year_per_month_and_the_arrears(me):  # noqa: F811
    client = signed_in(me)
    html = client.get("/my/contributions/?year=2024").content.decode()
    assert "2024-01" in html and "2024-02" in html and "8000.00" in html and "Pension insurance" in html
    arrears = html.split('id="arrears-h"')[1]
    assert ARREARS_MONTH in arrears and "2024-01" not in arrears and "in arrears" in html
    bad = client.get("/my/contributions/?year=abc").content.decode()
    assert 'id="year-error"' in bad and 'aria-invalid="true"' in bad
    missing = client.get("/my/contributions/?year=1999").content.decode()
    assert "no contributions in your record for the year 1999" in missing


def test_the_account_page_shows_the_statement_both_charts_and_years(me):  # noqa: F811
    html = signed_in(me).get("/my/account/").content.decode()
    statement = html.split('id="statement-h"')[1].split("</section>")[0]
    assert "<th scope=\"row\">2024</th>" in statement
    assert html.count('src="data:image/svg+xml;base64,') == 2  # both charts, as images (the CSP allows data:)
    assert "Individual account, year by year" in html and "Contributions paid per year" in html
    assert "Deemed months" in html


def test_the_page_is_chinese_first(me):  # noqa: F811
    html = signed_in(me, "zh-CN").get("/my/account/").content.decode()
    assert 'lang="zh-Hans"' in html and "个人账户储存额" in html and "谁查询了我的记录" in html


def test_a_person_parameter_is_ignored_the_page_is_still_the_holders(me, other):  # noqa: F811
    client = signed_in(me)
    for query in (f"?person={other.person.uid}", f"?id_number={other.id_number}", f"?uid={other.person.uid}"):
        for path in PAGES:
            html = client.get(path + query).content.decode()
            assert me.person.masked_id_number in html and other.person.name not in html, (path, query)
            assert other.person.masked_id_number not in html
    assert not AccessEvent.objects.filter(actor=f"person:{me.person.uid}", subject=f"person:{other.person.uid}").exists()


def test_who_read_my_record_lists_a_staff_read_and_hides_a_withheld_one(me, staff, post_txn):  # noqa: F811
    officer = staff("query.zhang", "query_officer")
    clerk = staff("clerk.liu", "clerk")
    subject = f"person:{me.person.uid}"
    reads.read(reads.Reader(officer, "counter"), subject, "person.record",
               implied("counter", "counter query by the insured person"))
    reference = "(2026)粤0304刑初9号"
    reads.read(reads.Reader(clerk, "web"), subject, "person.record", implied("case", "court enquiry into assets", reference))
    post_txn("withhold_read_disclosure", {"person": me.person.uid, "reference": reference, "authority": "深圳市福田区人民法院",
                                          "disclose_on": (date.today() + timedelta(days=30)).isoformat()})
    client = signed_in(me)
    client.get("/my/")  # the person's own read: logged, not listed back
    html = client.get("/my/reads/").content.decode()
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "service counter" in table and "counter query by the insured person" in table
    assert "court enquiry" not in html and reference not in html
    assert "query.zhang" not in html and "clerk.liu" not in html  # the role and organisation, never the name
    assert "online service" not in table  # own reads are not listed
    assert "Article 18" in html


def test_the_pension_page_of_a_non_retiree_offers_the_estimate_form_and_shows_bad_input(me):  # noqa: F811
    client = signed_in(me)
    html = client.get("/my/pension/").content.decode()
    assert 'name="growth"' in html and 'for="growth"' in html and "An estimate is not a decision" in html
    estimated = own_reads(me.person, "estimate").count()
    assert estimated == 1  # the default rate's estimate (or why none can be made) was shown and logged
    bad = client.get("/my/pension/?growth=lots").content.decode()
    error = bad.split('id="growth-error"')[1].split("</p>")[0]
    assert "0.03" in error and 'aria-invalid="true"' in bad
    too_high = client.get("/my/pension/?growth=40%25").content.decode()
    assert 'id="growth-error"' in too_high
    unfit = next(code for code in ("male", "female55", "female50") if code not in categories_for(me.person))
    wrong_category = client.get(f"/my/pension/?category={unfit}").content.decode()
    assert 'id="category-error"' in wrong_category
    assert own_reads(me.person, "estimate").count() == estimated  # nothing was estimated on bad input

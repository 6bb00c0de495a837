"""The portal in a real browser (issue 10): a retiree signs in on a phone's screen with ID number, password and
authenticator code, reads the record in plain words, sees the account chart and who read the record; an employer
signs in and cannot reach a former employee's later periods with another employer by any URL or parameter."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from sirecords.benefits.models import Award
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.demo.sample_benefits import post_sample_award
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username
from sirecords.records import reads
from sirecords.records.purposes import implied
from sirecords.registry.models import Person
from sirecords.workflow.services import review

from ..portal.conftest import KEY, PORTAL_PASSWORD, fresh, totp
from ..queries.conftest import FIRST_USCC, LATER_NAME, LATER_USCC, LATER_WAGE, two_employers  # noqa: F401 (a fixture)
from .conftest import shot

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(server, browser):
    """A page in its own browser context the size of a phone's screen, Chinese first."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def wide(server, browser):
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_retiree_signs_in_reads_the_record_the_chart_and_who_read_it(phone, staff, post_fresh):
    award = Award.objects.get(uid=post_sample_award(staff))
    post_fresh("pay_pensions", {"month": "2025-01"})
    person = Person.objects.get(uid=award.person_id)
    officer = staff("query.tt", "query_officer")
    device = portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=officer, channel="counter", key=KEY)
    reads.read(reads.Reader(officer, "counter"), f"person:{person.uid}", "person.record",
               implied("counter", "本人到窗口查询养老金"))

    phone.goto(reverse("my_home"))
    phone.wait_for_url(re.compile(r"/my/login/"))  # signed out: the sign-in page first
    phone.locator("#id_id_number").fill(person.id_number)
    phone.locator("#id_password").fill(PORTAL_PASSWORD)
    phone.locator("#id_code").fill(totp(fresh(device)))
    shot(phone, "40-portal-person-login-phone")
    phone.locator("form.portal-form button.primary").click()
    phone.wait_for_url(re.compile(r"/my/$"))
    summary = phone.locator("main").inner_text()
    assert person.masked_id_number in summary and person.id_number not in summary
    shot(phone, "41-portal-person-summary-phone")

    phone.goto(reverse("my_pension"))
    text = phone.locator("main").inner_text()
    assert yuan(award.awarded_fen) in text and "基础养老金" in text  # the award and why it is this amount
    shot(phone, "42-portal-person-pension-phone")

    phone.goto(reverse("my_account"))
    chart = phone.locator("img[src^='data:image/svg+xml']").first
    assert chart.is_visible() and chart.get_attribute("alt")
    assert phone.evaluate("img => img.naturalWidth", chart.element_handle()) > 0  # the SVG renders under the CSP
    shot(phone, "43-portal-person-account-chart-phone")

    phone.goto(reverse("my_reads"))
    listed = phone.locator("main").inner_text()
    assert "查询员" in listed and "query.tt" not in listed and "服务窗口" in listed
    shot(phone, "44-portal-person-who-read-phone")

    phone.goto(reverse("my_contributions"))
    assert phone.locator("main table").count() >= 1
    shot(phone, "45-portal-person-contributions-phone")


def test_an_employer_cannot_reach_a_former_employees_later_periods(wide, staff, two_employers):  # noqa: F811
    clerk, reviewer = staff("clerk.tt", "clerk"), staff("review.tt", "reviewer1")
    created = portal.create_employer_account(clerk, two_employers.first, "hr", "人事专员", channel="counter")
    review(reviewer, created.txn, "approve", "ok")
    device = portal.activate_with_code(employer_username(two_employers.first.uid, "hr"), created.code,
                                       password=PORTAL_PASSWORD, channel="web", key=KEY)
    person, later = two_employers.person, two_employers.later

    wide.goto(reverse("employer_login"))
    wide.locator("#id_uscc").fill(FIRST_USCC)
    wide.locator("#id_username").fill("hr")
    wide.locator("#id_password").fill(PORTAL_PASSWORD)
    wide.locator("#id_code").fill(totp(fresh(device)))
    wide.locator("form.portal-form button.primary").click()
    wide.wait_for_url(re.compile(r"/employer/$"))
    shot(wide, "46-portal-employer-home")

    wide.goto(reverse("employer_employees"))
    assert person.name in wide.locator("main").inner_text()
    shot(wide, "47-portal-employer-employees")
    employee = reverse("employer_employee", args=[person.uid])
    wide.goto(employee)
    shot(wide, "48-portal-employer-former-employee")
    markers = (LATER_NAME, LATER_USCC, yuan(LATER_WAGE), "2022-07", "2022-08", later.uid)
    tries = [employee, f"{employee}?month=2022-07", f"{employee}?year=2022", f"{employee}?employer={later.uid}",
             f"{employee}?uscc={LATER_USCC}", f"/employer/employees/{person.uid}/?start=2022-07&end=2022-12",
             f"{reverse('employer_contributions')}?month=2022-07", f"{reverse('employer_contributions')}?employer={later.uid}",
             reverse("employer_contributions_csv"), f"{reverse('employer_employees')}?employer={later.uid}",
             f"/employer/employees/{later.uid}/", "/api/employer/employees", "/api/employer/contributions?month=2022-07"]
    assert person.name in wide.context.request.get(employee).text()  # the requests below carry the employer's session
    for url in tries:
        body = wide.context.request.get(url).text()  # the browser's own session (its cookies); the CSV too
        body = body.replace(url.replace("&", "&amp;"), "").replace(url, "")  # the language switch echoes the address
        for value in parse_qs(urlsplit(url).query).values():
            body = body.replace(f'value="{value[0]}"', "")  # and a filter's field what was typed in it
        # The unit's own contributions page may name the month it was asked for (it has no rows then); the
        # employee's page must not name the later months at all.
        sought = [m for m in markers if not ("contributions" in url and m.startswith("2022-"))]
        found = [(marker, body[max(0, body.find(marker) - 80):body.find(marker) + 40]) for marker in sought if marker in body]
        assert found == [], f"{url} shows {found}"

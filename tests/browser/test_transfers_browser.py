"""A transfer's progress in a real browser (第十条, issue #19 point 5), Chinese first: the person's request to the region
they left is approved; signed in to the portal, the person opens 我的转移接续 from the menu and follows it — 申请转移 with
its date, 转出地办理 in progress with its due date (15 working days, public holidays skipped). The region left answers
in writing why not (transfer_close): the person sees the transfer 已终止 with the reasons; asked again, the record
arrives (transfer_in) and the person sees what moved. At the desk the supervisor finds it on the
list of overdue transfers once its due date has passed, the subject masked; the unit that employs the person sees its
progress, name and ID number masked."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from sirecords.demo.sample_contributions import post_sample_batch
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username
from sirecords.registry.models import Employer, Person
from sirecords.transfers import progress

from ..conftest import make_signed_in_staff, post_entries, sign_in
from ..portal.conftest import KEY, PORTAL_PASSWORD, fresh, totp
from ..transfers.progress_setup import OLD, OLD_NAME, close, receive, register_region, request
from .conftest import shot

pytestmark = [pytest.mark.browser]
REFUSAL = "经核查，该人员在我区2019年3月至6月的缴费尚欠缴，补缴结清后再申请转移。"


def context_page(browser, server):
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def staff_page(browser, server, username: str, *roles: str):
    """A page signed in as a new staff account (password and second factor, as the login pages make a session)."""
    client = sign_in(Client(), make_signed_in_staff(username, *roles))
    page = context_page(browser, server)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    return page


@pytest.fixture
def person_page(server, browser, staff):
    """(the page of the person 样例 signed in to the portal, the Person): two paid months of 2024 here, employed by 样例公司."""
    post_sample_batch(staff, year=2024)
    person = Person.objects.get()
    device = portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=staff("tb.officer", "query_officer"),
                                            channel="counter", key=KEY)
    page = context_page(browser, server)
    page.goto(reverse("my_login"))
    page.locator("#id_id_number").fill(person.id_number)
    page.locator("#id_password").fill(PORTAL_PASSWORD)
    page.locator("#id_code").fill(totp(fresh(device)))
    page.locator("form.portal-form button.primary").click()
    page.wait_for_url(re.compile(r"/my/$"))
    yield page, person
    page.context.close()


def test_a_person_follows_their_transfer_from_the_request_to_the_refusal(person_page, browser, server, monkeypatch):
    me, person = person_page
    register_region()
    transfer = request(person.uid)
    today, due = date.today().isoformat(), progress.due_date(transfer)

    me.locator("nav.portal-nav a[href='/my/transfers/']").click()
    me.wait_for_url("**/my/transfers/")
    assert "我的转移接续" in me.locator("h1").inner_text()
    card = me.locator(f"#transfer-{transfer.uid}")
    assert f"从{OLD_NAME}转入" in card.locator("h2").inner_text()
    steps = card.locator("ol.transfer-steps li")
    assert steps.count() == 3
    first, second = steps.nth(0).inner_text(), steps.nth(1).inner_text()
    assert "申请转移" in first and today in first and "已完成" in first
    assert "转出地办理" in second and "办理中" in second and due in second
    assert steps.nth(1).get_attribute("aria-current") == "step"
    assert "待办理" in steps.nth(2).inner_text()
    assert due in card.locator(".transfer-due").inner_text() and "15个工作日" in me.locator("main").inner_text()
    shot(me, "transfers-01-portal-requested")

    # The region left answers in writing why not (its refusal, recorded here): the transfer ends, closed.
    close(transfer, REFUSAL)
    me.reload()
    card = me.locator(f"#transfer-{transfer.uid}")
    assert "已终止" in card.locator(".transfer-state").inner_text()
    last = card.locator("ol.transfer-steps li").nth(2).inner_text()
    assert "已终止" in last and today in last
    assert REFUSAL in card.locator(".transfer-refusal").inner_text()
    assert card.locator(".transfer-due").count() == 0 and "办理中" not in card.inner_text()
    shot(me, "transfers-02-portal-closed")

    # Asked again once the reason is resolved, the record and the funds arrive (transfer_in): what moved is shown.
    again = receive(request(person.uid), [("2019-03", 600000), ("2019-04", 600000), ("2019-05", 600000)])
    me.reload()
    card = me.locator(f"#transfer-{again.uid}")
    assert "已转入" in card.locator(".transfer-state").inner_text()
    figures = card.locator("table.transfer-figures").inner_text()
    assert "1440.00" in figures and "2160.00" in figures  # 8 % and 12 % of 3 × 6,000
    assert me.locator("article.transfer").count() == 2
    shot(me, "transfers-06-portal-received")


def test_the_supervisor_sees_an_overdue_transfer_and_the_unit_its_progress(person_page, browser, server, monkeypatch):
    me, person = person_page
    register_region()
    transfer = request(person.uid)
    day = date.fromisoformat(progress.due_date(transfer)) + timedelta(days=1)
    monkeypatch.setattr(progress, "current_day", lambda: day)  # the day after the due date

    supervisor = staff_page(browser, server, "tb.sup", "supervisor")
    supervisor.goto("/")
    supervisor.locator("a[href='/desk/transfers/overdue/']").click()
    supervisor.wait_for_url("**/desk/transfers/overdue/")
    row = supervisor.locator(f"#transfer-{transfer.uid}")
    text = row.inner_text()
    assert person.masked_id_number in text and OLD_NAME in text and "已逾期" in text
    assert person.id_number not in supervisor.content() and person.name not in supervisor.content()
    shot(supervisor, "transfers-03-desk-overdue")
    supervisor.context.close()

    clerk = staff_page(browser, server, "tb.clerk", "clerk")
    clerk.goto("/desk/transfers/")
    assert OLD in clerk.locator(f"#transfer-{transfer.uid}").inner_text()
    clerk.locator("#id_state").select_option("all")
    clerk.locator("#transfer-filter button").click()
    clerk.wait_for_url("**/desk/transfers/?state=all*")
    assert clerk.locator(f"#transfer-{transfer.uid}").count() == 1
    shot(clerk, "transfers-04-desk-list")
    clerk.context.close()

    # The unit that employs the person: a user opened by a clerk, approved by a reviewer, signed in.
    unit = Employer.objects.get(name="样例公司")
    post_entries("start_employment", {"person": person.uid, "employer": unit.uid, "start": "2023-06-01"})
    from sirecords.users.actors import actor_for
    from sirecords.workflow.services import review

    make_signed_in_staff("tb.eclerk", "clerk")
    make_signed_in_staff("tb.erev", "reviewer1")
    created = portal.create_employer_account(actor_for("tb.eclerk"), unit, "hr", "人事专员", channel="counter")
    review(actor_for("tb.erev"), created.txn, "approve", "ok")
    device = portal.activate_with_code(employer_username(unit.uid, "hr"), created.code, password=PORTAL_PASSWORD,
                                       channel="web", key=KEY)
    hr = context_page(browser, server)
    hr.goto(reverse("employer_login"))
    hr.locator("#id_uscc").fill(unit.uscc)
    hr.locator("#id_username").fill("hr")
    hr.locator("#id_password").fill(PORTAL_PASSWORD)
    hr.locator("#id_code").fill(totp(fresh(device)))
    hr.locator("form.portal-form button.primary").click()
    hr.wait_for_url(re.compile(r"/employer/$"))
    hr.locator("a[href='/employer/transfers/']").click()
    hr.wait_for_url("**/employer/transfers/")
    row = hr.locator(f"#transfer-{transfer.uid}").inner_text()
    assert person.masked_id_number in row and "样*" in row and "已逾期" in row and person.id_number not in hr.content()
    shot(hr, "transfers-05-employer")
    hr.context.close()

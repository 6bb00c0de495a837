"""Disputes of the record in a real browser (第十六条), Chinese first: a person files a dispute about a month with a
payslip scan; a reviewer who did not post that month corrects the wage on the case page and the correction is approved
in four stages on the review queue's pages, each by its own reviewer; the
person sees the case corrected (已更正) and the month's new wage on their record. And a refusal shows its reasons and
the right to administrative review (行政复议) on the person's page."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from sirecords.contributions.models import Contribution
from sirecords.demo.sample_contributions import post_sample_batch
from sirecords.disputes import services
from sirecords.disputes.models import Case
from sirecords.portal import services as portal
from sirecords.portal.services import holder
from sirecords.registry.models import Person
from sirecords.workflow.models import BusinessTransaction

from ..conftest import make_signed_in_staff, sign_in
from ..portal.conftest import KEY, PORTAL_PASSWORD, fresh, totp
from .conftest import shot

pytestmark = [pytest.mark.browser]
MONTH = "2024-02"


def payslip() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), "white").save(out, "PNG")
    return out.getvalue()


def staff_page(browser, server, username: str, *roles: str):
    """A page signed in as a new staff account (its session made as the login pages make one: password and second
    factor), in its own browser context, Chinese first."""
    client = sign_in(Client(), make_signed_in_staff(username, *roles))
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def person_page(server, browser, staff):
    """(the page of the person 样例 signed in to the portal, the Person): two months of 2024 at 8000 yuan, posted by the
    sample crew (sample.clerk and its reviewers)."""
    post_sample_batch(staff, year=2024)
    person = Person.objects.get()
    device = portal.activate_person_account(person, password=PORTAL_PASSWORD, actor=staff("dq.officer", "query_officer"),
                                            channel="counter", key=KEY)
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(reverse("my_login"))
    page.locator("#id_id_number").fill(person.id_number)
    page.locator("#id_password").fill(PORTAL_PASSWORD)
    page.locator("#id_code").fill(totp(fresh(device)))
    page.locator("form.portal-form button.primary").click()
    page.wait_for_url(re.compile(r"/my/$"))
    yield page, person
    context.close()


def test_a_month_disputed_with_a_payslip_is_corrected_through_the_four_stages(person_page, browser, server, staff):
    me, person = person_page
    me.locator("nav.portal-nav a[href='/my/disputes/']").click()
    me.wait_for_url("**/my/disputes/")
    assert "我的异议" in me.locator("h1").inner_text()
    me.locator("#id_item").select_option("contribution")
    me.locator("#id_period").fill(MONTH)
    me.locator("#id_claim").fill("2024年2月实发工资9000元，记录为8000元，附工资条。")
    me.locator("#id_evidence").set_input_files({"name": "工资条.png", "mimeType": "image/png", "buffer": payslip()})
    me.locator("#dispute-submit").click()
    me.wait_for_url("**/my/disputes/")
    case = Case.objects.get()
    listed = me.locator(f"#case-{case.uid}").inner_text()
    assert "已受理" in listed and case.due_on in listed and "某月缴费记录" in listed
    shot(me, "disputes-01-portal-filed")

    examiner = staff_page(browser, server, "dq.exam", "reviewer1")  # posted nothing of the month
    examiner.goto("/desk/disputes/")
    assert person.id_number not in examiner.content() and person.masked_id_number in examiner.content()
    examiner.locator(f"#disputes a[href='/desk/disputes/{case.uid}/']").click()
    examiner.wait_for_url(f"**/desk/disputes/{case.uid}/")
    row = Contribution.objects.get(person_id=person.uid, period=MONTH)
    assert "8000.00" in examiner.locator("#dispute-month").inner_text()
    examiner.locator("#id_type").select_option("correct_contributions")
    examiner.locator("#id_method").fill("按工资条核实，实发工资9000元")
    examiner.locator(f"#id_wage_{row.batch_id}_{row.row_number}").fill("9000")
    shot(examiner, "disputes-02-desk-case")
    examiner.locator("#correct-submit").click()
    examiner.wait_for_url(re.compile(r"/desk/t/[0-9a-f]{32}/$"))
    uid = examiner.url.rstrip("/").split("/")[-1]
    assert BusinessTransaction.objects.get(pk=uid).type == "correct_dispute"
    examiner.context.close()

    # The four stages on the review queue's pages, each by a reviewer of its own (初审, 审核, 复核, 审批).
    for stage, username, role in (("review1", "dq.r1", "reviewer1"), ("review2", "dq.r2", "reviewer2"),
                                  ("review3", "dq.r3", "reviewer3"), ("approval", "dq.ap", "approver")):
        reviewer = staff_page(browser, server, username, role)
        reviewer.goto("/desk/queue/")
        reviewer.locator(f"#queue-{stage} a[href='/desk/t/{uid}/']").click()
        reviewer.wait_for_url(f"**/desk/t/{uid}/")
        reviewer.locator("#id_opinion").fill("与工资条一致")
        reviewer.locator("#approve").click()
        reviewer.wait_for_url("**/desk/queue/")
        reviewer.context.close()
    assert BusinessTransaction.objects.get(pk=uid).state == "posted"

    me.goto("/my/disputes/")
    listed = me.locator(f"#case-{case.uid}").inner_text()
    assert "已更正" in listed and "处理结果" in listed
    shot(me, "disputes-03-portal-corrected")
    me.goto(f"{reverse('my_contributions')}?year=2024")
    assert "9000.00" in me.locator("main").inner_text()


def test_a_refusal_shows_its_reasons_and_the_right_to_review(person_page, browser, server):
    me, person = person_page
    case = services.file(holder(f"person:{person.uid}"), person=person.uid, item="contribution", period=MONTH,
                         claim="2月缴费基数有误", channel="web")
    examiner = staff_page(browser, server, "dq.exam", "reviewer2")
    examiner.goto(f"/desk/disputes/{case.uid}/")
    examiner.locator("#id_reason").fill("经核对单位工资申报表与银行代发记录，2月工资为8000元，记录无误。")
    examiner.locator("#refuse-submit").click()
    examiner.wait_for_url(f"**/desk/disputes/{case.uid}/")
    assert "不予更正" in examiner.locator("#dispute-state").inner_text()
    examiner.context.close()

    me.goto("/my/disputes/")
    outcome = me.locator(f"#case-{case.uid} .dispute-outcome").inner_text()
    assert "记录无误" in outcome and "行政复议" in outcome and "行政诉讼" in outcome
    shot(me, "disputes-04-portal-refused")

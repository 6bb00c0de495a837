"""The front desk in a real browser: a clerk signs in through the login form (password, then the TOTP
code), registers a person with a document upload and submits; four reviewers approve in turn; the clerk
then finds the person. And: a reviewer holding two stage roles is refused the second stage, with the
explanation on the page. Mostly keyboard: the focus starts on the first field and Tab follows the form."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django_otp.oath import TOTP

from sirecords.core.identifiers import make_id_number
from sirecords.demo import accounts
from sirecords.demo.documents import scan
from sirecords.registry.models import Person
from sirecords.users.models import SealedTOTPDevice
from sirecords.workflow import services
from sirecords.workflow.models import BusinessTransaction

from .conftest import shot

pytestmark = [pytest.mark.browser]

ID = make_id_number("440305", date(1988, 8, 8), 271)
NAME = "陈晓明"


def code_for(username: str) -> str:
    device = SealedTOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def expect_focus(page, element_id: str) -> None:
    """The field has the keyboard focus. Autofocus lands a moment after the load event under a busy CPU,
    so wait for it (up to the page's timeout) rather than read it once."""
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=element_id)


def sign_in(page, username: str, screenshot: str = "") -> None:
    """Through the real login form: password step, then the authenticator code."""
    page.goto("/login/")
    expect_focus(page, "id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(accounts.DEMO_PASSWORD)
    if screenshot:
        shot(page, screenshot)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/login/code/"))
    page.locator("#id_token").fill(code_for(username))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    assert username in page.locator("header .who").inner_text()


def approve(page, uid: str, stage: str, screenshot_queue: str = "", screenshot_review: str = "") -> None:
    page.goto("/desk/queue/")
    section = page.locator(f"#queue-{stage}")
    link = section.locator(f"a[href='/desk/t/{uid}/']")
    assert link.count() == 1, f"the transaction is not in the {stage} queue"
    if screenshot_queue:
        shot(page, screenshot_queue)
    link.click()
    page.wait_for_url(f"**/desk/t/{uid}/")
    assert page.locator("#changes tr.changed").count() >= 5
    page.locator("#id_opinion").fill("材料齐全，信息与原件一致 / documents match")
    if screenshot_review:
        shot(page, screenshot_review)
    page.locator("#approve").click()
    page.wait_for_url("**/desk/queue/")
    assert page.locator(".messages .success").count() == 1


def test_register_a_person_through_four_reviewers_then_find_them(desk):
    accounts.create_staff()
    clerk = desk("clerk.li")
    sign_in(clerk, "clerk.li", screenshot="01-login")

    clerk.locator("nav a[href='/desk/new/']").click()
    clerk.locator("a[href='/desk/new/register_person/']").click()
    expect_focus(clerk, "id_id_number")  # the first field has the focus
    for value in (ID, NAME, "13912345678", "广东省深圳市福田区深南大道1号", "440304"):
        clerk.keyboard.type(value)
        clerk.keyboard.press("Tab")  # the region field is prefilled: tabbing in selects it, typing replaces it
    clerk.locator("#id_reason").fill("本人持身份证原件申请参保登记 / applicant in person with ID card")
    shot(clerk, "02-clerk-form")
    clerk.locator("#transaction-form button[type=submit]").click()
    clerk.wait_for_url(re.compile(r"/desk/t/[0-9a-f]{32}/$"))
    uid = clerk.url.rstrip("/").split("/")[-1]
    assert clerk.locator("#required-documents li.missing").count() == 1

    clerk.locator("#id_file").set_input_files(files=[{"name": "id-card.pdf", "mimeType": "application/pdf",
                                                      "buffer": scan("resident ID card, front and back")}])
    clerk.locator("#attach-form button[type=submit]").click()
    clerk.wait_for_url(f"**/desk/t/{uid}/")
    assert clerk.locator("#required-documents li.present").count() == 1
    assert clerk.locator("#documents a").count() == 1
    shot(clerk, "03-clerk-transaction")
    clerk.locator("#submit-form button").click()
    clerk.wait_for_url(f"**/desk/t/{uid}/")
    assert clerk.locator("#state.state-submitted").count() == 1

    for stage, username in accounts.REVIEWERS.items():
        reviewer = desk(username)
        sign_in(reviewer, username)
        first = stage == "review1"
        approve(reviewer, uid, stage, screenshot_queue="04-queue" if first else "",
                screenshot_review="05-review-before-after" if first else "")
        reviewer.context.close()

    assert BusinessTransaction.objects.get(pk=uid).state == "posted"
    clerk.goto(f"/desk/t/{uid}/")
    assert clerk.locator("#state.state-posted").count() == 1
    assert clerk.locator("ol.stages li.stage-done").count() == 4

    clerk.locator("nav a[href='/desk/persons/']").click()
    expect_focus(clerk, "id_id_number")
    clerk.keyboard.type(ID)
    clerk.fill("#id_purpose_detail", "办理增员")  # the purpose: a counter enquiry (chosen), and the business
    clerk.keyboard.press("Enter")
    result = clerk.locator("#person-result")
    result.wait_for()
    person = Person.objects.get()
    assert NAME in result.inner_text() and person.masked_id_number in result.inner_text()
    assert ID not in clerk.content(), "the full ID number is on the page"
    shot(clerk, "06-person-found")


def test_a_reviewer_with_two_stage_roles_is_refused_the_second_stage(desk):
    accounts.create_staff()
    clerk = accounts.actor("clerk.chen")
    txn = services.open_transaction(clerk, "register_person", {"id_number": ID, "name": NAME, "region": "440304"},
                                    region=accounts.REGION, reason="本人申请", channel="counter")
    services.attach(clerk, txn, "id_card", scan("resident ID card"), "id-card.pdf")
    services.submit(clerk, txn)

    multi = desk("review.multi")
    sign_in(multi, "review.multi")
    approve(multi, txn.uid, "review1")
    multi.goto("/desk/queue/")
    row = multi.locator("#queue-review2 tr", has=multi.locator(f"a[href='/desk/t/{txn.uid}/']"))
    assert row.count() == 1
    row.locator("a").click()
    multi.wait_for_url(f"**/desk/t/{txn.uid}/")
    multi.locator("#id_opinion").fill("审核通过")
    multi.locator("#approve").click()
    refusal = multi.locator("#refusal")
    refusal.wait_for()
    # The browser asks for Chinese (locale zh-CN): the refusal is explained in Chinese.
    assert "同一人只能办理其中一个环节" in refusal.inner_text() and "第七条" in refusal.inner_text()
    assert multi.locator("#trail tr.action-refused").count() == 1
    shot(multi, "07-refusal")
    txn.refresh_from_db()
    assert (txn.state, txn.due_stage) == ("submitted", "review2")

"""Written applications in a real browser (第十八条–第二十条): the query officer registers a unit's application with
its credentials, the first reviewer and the approver approve it on the review queue, and the officer prints the
answer, which holds only the approved items and months; and a refusal: the first reviewer refuses another
application with the reason, and the refusal notice says it."""

from __future__ import annotations

import re

import pytest

from sirecords.applications.models import Decision
from sirecords.demo import accounts
from sirecords.demo.documents import scan
from sirecords.workflow.models import BusinessTransaction

from ..queries.conftest import FIRST_NAME, LATER_NAME, LATER_USCC, PERSON_ID, two_employers  # noqa: F401 (a fixture)
from .conftest import shot
from .test_desk_browser import approve, sign_in

pytestmark = [pytest.mark.browser]

UNIT = "某商业银行深圳分行"
AGREED_USE = "仅用于本次贷款审查，不得向第三方提供"


def register(page, legal_basis: str) -> str:
    """Through the form, from the navigation: the application's uid."""
    page.locator("nav a[href='/desk/applications/']").click()
    page.locator("#new-application").click()
    page.wait_for_url("**/desk/applications/new/")
    page.locator("#id_applicant_kind_1").check()  # another unit (第十九条)
    page.locator("#id_organisation").fill(UNIT)
    page.locator("#id_credentials").set_input_files(files=[{"name": "licence.pdf", "mimeType": "application/pdf",
                                                            "buffer": scan("business licence and letter")}])
    page.locator("#id_contact").fill("王经理 0755-12345678")
    page.locator("#id_purpose").fill("核实贷款申请人的缴费情况")
    page.locator("#id_legal_basis").fill(legal_basis)
    page.locator("#id_persons").fill(PERSON_ID)
    page.locator("#id_items_1").check()  # 第二条（二） contributions
    page.locator("#id_months_start").fill("2022-05")
    page.locator("#id_months_end").fill("2022-06")
    page.locator("#id_agreed_use").fill(AGREED_USE)
    page.locator("#application-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/desk/applications/[0-9a-f]{32}/$"))
    return page.url.rstrip("/").split("/")[-1]


def test_an_application_from_registration_to_answer(desk, two_employers):  # noqa: F811 (the fixture imported above)
    accounts.create_staff()
    officer = desk("query.he")
    sign_in(officer, "query.he")
    officer.locator("nav a[href='/desk/applications/']").click()
    officer.locator("#new-application").click()
    shot(officer, "application-01-form")
    officer.goto("/")
    uid = register(officer, "《商业银行法》第三十五条及本人书面同意")
    assert PERSON_ID not in officer.content(), "the persons are masked"
    shot(officer, "application-02-registered")

    for stage in ("review1", "approval"):
        reviewer = desk(accounts.REVIEWERS[stage])
        sign_in(reviewer, accounts.REVIEWERS[stage])
        approve(reviewer, uid, stage, screenshot_review="application-03-review" if stage == "review1" else "")
        reviewer.context.close()
    assert BusinessTransaction.objects.get(pk=uid).state == "posted"

    officer.goto(f"/desk/applications/{uid}/")
    officer.locator("#answer-link").click()
    officer.wait_for_url(f"**/desk/applications/{uid}/answer/")
    answer = officer.locator("#application-answer").inner_text()
    assert "2022-05" in answer and "2022-06" in answer and FIRST_NAME in answer and AGREED_USE in answer
    for marker in (LATER_NAME, LATER_USCC, "2022-07", "2022-08", "1988-08-08"):
        assert marker not in officer.content(), marker
    shot(officer, "application-04-answer")

    supervisor = desk("super.lin")
    sign_in(supervisor, "super.lin")
    supervisor.goto("/desk/recipients/")
    assert UNIT in supervisor.content() and AGREED_USE in supervisor.content()
    shot(supervisor, "application-05-recipients")


def test_an_application_refused_with_the_reason(desk, two_employers):  # noqa: F811 (the fixture imported above)
    accounts.create_staff()
    officer = desk("query.he")
    sign_in(officer, "query.he")
    uid = register(officer, "商业合作需要")

    reviewer = desk("review1.zhang")
    sign_in(reviewer, "review1.zhang")
    reviewer.goto("/desk/queue/")  # from the review queue, as every transaction, to the application's own page
    reviewer.locator(f"#queue-review1 a[href='/desk/t/{uid}/']").click()
    reviewer.wait_for_url(f"**/desk/t/{uid}/")
    reviewer.locator("#application-page a").click()
    reviewer.wait_for_url(f"**/desk/applications/{uid}/")
    reviewer.locator("#id_reason").fill("申请无法律依据：商业合作不是查询个人权益记录的法定事由")
    shot(reviewer, "application-06-refuse")
    reviewer.locator("#refuse-form button[type=submit]").click()
    reviewer.wait_for_url(f"**/desk/applications/{uid}/refusal/")
    notice = reviewer.locator("#refusal-notice").inner_text()
    assert "商业合作不是查询个人权益记录的法定事由" in notice and UNIT in notice and "第二十条" in notice
    shot(reviewer, "application-07-refusal-notice")
    assert Decision.objects.get(uid=uid).decision == "refused"

    officer.goto(f"/desk/applications/{uid}/")
    assert officer.locator("#refusal-link").count() == 1 and officer.locator("#answer-link").count() == 0

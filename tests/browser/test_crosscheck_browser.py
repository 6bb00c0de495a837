"""The cross-check queue in a real browser (第五条): public security's report of a changed ID number is queued; the
clerk opens it from the queue and resolves it, the four reviewers approve the fix on the review queue, and the
discrepancy shows resolved, with its transaction posted and the old number still finding the person."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.services import receive
from sirecords.demo import accounts
from sirecords.registry.queries import find_person_by_id_number
from sirecords.users.actors import actor_for
from sirecords.workflow.models import BusinessTransaction

from ..conftest import post_entries
from .conftest import shot
from .test_desk_browser import sign_in

pytestmark = [pytest.mark.browser]

OLD = make_id_number("440305", date(1970, 2, 2), 21)
NEW = make_id_number("440305", date(1970, 2, 2), 23)


def test_a_clerk_resolves_a_discrepancy_from_the_queue_and_sees_it_posted(desk):
    accounts.create_staff()
    person = post_entries("register_person", {"id_number": OLD, "name": "变更甲", "region": "440305"})[0].payload["person"]
    report = f"old_id_number,new_id_number,changed_on,reference\n{OLD},{NEW},2025-03-01,GA-2025-77\n".encode()
    receive(actor_for("clerk.li"), "id_changes", report, file_name="ids.csv", reason="公安变更通知", channel="cli")
    discrepancy = Discrepancy.objects.get()

    clerk = desk("clerk.li")
    sign_in(clerk, "clerk.li")
    clerk.locator("nav a[href='/desk/crosschecks/']").click()
    clerk.wait_for_url("**/desk/crosschecks/")
    assert clerk.locator("#count-open").inner_text() == "1" and "部门比对核查" in clerk.locator("h1").inner_text()
    assert OLD not in clerk.content() and NEW not in clerk.content(), "numbers are masked"
    shot(clerk, "crosscheck-01-queue")
    clerk.locator(f"#crosschecks a[href='/desk/crosschecks/{discrepancy.id}/']").click()
    clerk.wait_for_url(f"**/desk/crosschecks/{discrepancy.id}/")
    assert "新号码已参保登记\t否" in clerk.locator("#crosscheck-detail").inner_text()
    clerk.locator("#id_action_0").check()
    clerk.locator("#id_reason").fill("公安机关变更通知，核实无误")
    shot(clerk, "crosscheck-02-settle")
    clerk.locator("#settle-submit").click()
    clerk.wait_for_url(re.compile(r"/desk/t/[0-9a-f]{32}/$"))
    uid = clerk.url.rstrip("/").split("/")[-1]
    assert BusinessTransaction.objects.get(pk=uid).type == "resolve_discrepancy"

    for stage in ("review1", "review2", "review3", "approval"):
        reviewer = desk(accounts.REVIEWERS[stage])
        sign_in(reviewer, accounts.REVIEWERS[stage])
        reviewer.goto("/desk/queue/")
        reviewer.locator(f"#queue-{stage} a[href='/desk/t/{uid}/']").click()
        reviewer.wait_for_url(f"**/desk/t/{uid}/")
        reviewer.locator("#id_opinion").fill("与公安变更通知一致 / matches the report")
        if stage == "review1":
            shot(reviewer, "crosscheck-03-review")
        reviewer.locator("#approve").click()
        reviewer.wait_for_url("**/desk/queue/")
        reviewer.context.close()
    assert BusinessTransaction.objects.get(pk=uid).state == "posted"

    clerk.goto(f"/desk/crosschecks/{discrepancy.id}/")
    assert clerk.locator("#crosscheck-state").inner_text() == "已处理"
    assert clerk.locator("#crosscheck-transaction").inner_text() == uid
    shot(clerk, "crosscheck-04-resolved")
    assert find_person_by_id_number(OLD).uid == find_person_by_id_number(NEW).uid == person


def test_a_collectors_discrepancy_reads_in_words_and_asks_how_to_resolve_it(desk):
    """The collector's report differs from a posted month: the page shows the insurance type and both sides' amounts in
    Chinese, and the resolve form asks whether it is a correction or arrears (the other fields only where they apply)."""
    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.registry.models import Employer, Person

    from ..conftest import staff_factory

    accounts.create_staff()
    post_sample_batch(staff_factory())
    person, unit = Person.objects.get(birth_month="1984-04"), Employer.objects.get(name="样例公司")  # the sample's
    report = ("id_number,uscc,period,insurance_type,employer_amount,individual_amount,paid_on,reference\n"
              f"{person.id_number},{unit.uscc},2024-01,pension,1280.00,700.00,2024-02-10,SW-1\n"
              f"{person.id_number},{unit.uscc},2024-02,pension,1280.00,640.00,2024-03-10,SW-2\n").encode()
    receive(actor_for("clerk.li"), "tax_paid", report, file_name="tax.csv", reason="税务数据比对", channel="cli",
            period="2024-01:2024-02")
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.kind == "amount_differs"

    clerk = desk("clerk.li")
    sign_in(clerk, "clerk.li")
    clerk.goto(f"/desk/crosschecks/{discrepancy.id}/")
    facts = clerk.locator("#crosscheck-detail").inner_text()
    assert "基本养老保险" in facts and "征收机构已收: 单位缴费 1280.00 个人缴费 700.00" in facts, facts
    assert "记录中: 单位缴费 1280.00 个人缴费 640.00" in facts and "pension" not in facts
    assert clerk.locator("#id_as_").count() == 1 and clerk.locator("#id_received_by").count() == 0
    shot(clerk, "crosscheck-05-collector")

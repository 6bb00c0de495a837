"""A retiree's record in a real browser: the clerk finds the person by ID number and reads the pension —
the parts, the retirement part year, the yearly adjustment with its back pay, the payments — and the
subsidies and deemed service, in Chinese."""

from __future__ import annotations

import re

import pytest

from sirecords.benefits.models import Award
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.demo import accounts
from sirecords.demo.sample_benefits import post_sample_award
from sirecords.registry.models import Person

from .conftest import shot
from .test_desk_browser import sign_in

pytestmark = [pytest.mark.browser]


def test_a_clerk_reads_a_retirees_record_with_why_the_pension_is_this_amount(desk, staff, post_fresh):
    accounts.create_staff()
    award = Award.objects.get(uid=post_sample_award(staff))  # retired 2024-06, deemed service 1982–1992
    for month in ("2025-01", "2025-02"):
        post_fresh("pay_pensions", {"month": month})
    post_fresh("adjust_pensions", {"region": "440300", "year": 2025})  # published late: two months paid back
    post_fresh("pay_pensions", {"month": "2025-03"})
    post_fresh("grant_subsidy", {"person": award.person_id, "scheme": "employment_difficulty", "start": "2023-01",
                                 "end": "2023-02"})
    award.refresh_from_db()
    person = Person.objects.get(uid=award.person_id)

    clerk = desk("clerk.li")
    sign_in(clerk, "clerk.li")
    clerk.goto("/record/")
    clerk.locator("#id_id_number").fill(person.id_number)
    clerk.locator("#id_purpose").select_option("counter")
    clerk.locator("#id_purpose_detail").fill("本人查询养老金")
    clerk.locator("#record-search button[type=submit]").click()
    clerk.wait_for_url(re.compile(rf"/record/p/{person.uid}/"))
    pension = clerk.locator("#pension")
    text = pension.inner_text()
    assert yuan(award.total_fen) in text and yuan(award.awarded_fen) in text
    assert "养老金计算说明" in text and "基础养老金" in text  # the trace, in Chinese
    assert "退休当年个人账户" in text and "年度调整" in text and "补发" in text
    assert yuan(2 * (award.total_fen - award.awarded_fen)) in text  # March's run paid January and February back
    assert "视同缴费年限" in clerk.locator("#contribution-years").inner_text()
    assert clerk.locator("#subsidies tbody tr").count() == 2
    shot(clerk, "20-record-retiree")


def test_the_record_page_asks_for_the_purpose_first_and_remembers_it(desk, staff, post_fresh):
    """Opened by its address (no search), the record page shows nothing of the person until a purpose is stated;
    a poor one is refused next to its field; then the record shows, with the purpose, and another year's page does
    not ask again. Each view is in the access log with the purpose."""
    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.records.models import AccessEvent

    accounts.create_staff()
    post_sample_batch(staff, year=2024)
    person = Person.objects.get()
    clerk = desk("clerk.li")
    sign_in(clerk, "clerk.li")
    clerk.goto(f"/record/p/{person.uid}/")
    form = clerk.locator("#record-purpose")
    assert form.is_visible() and person.name not in clerk.content()
    shot(clerk, "21-record-purpose-step")
    clerk.locator("#id_purpose").select_option("case")
    clerk.locator("#id_purpose_detail").fill(".")
    form.locator("button[type=submit]").click()
    assert clerk.locator("#id_purpose_reference_error").is_visible() and clerk.locator("#id_purpose_detail_error").is_visible()
    shot(clerk, "22-record-purpose-refused")
    assert not AccessEvent.objects.filter(subject=f"person:{person.uid}").exists()
    clerk.locator("#id_purpose_reference").fill("（2026）粤0305民初123号")
    clerk.locator("#id_purpose_detail").fill("法院调取缴费记录")
    clerk.locator("#record-purpose button[type=submit]").click()
    clerk.wait_for_selector("#record-header")
    assert "法院调取缴费记录" in clerk.locator("#read-purpose").inner_text()
    shot(clerk, "23-record-with-purpose")
    clerk.goto(f"/record/p/{person.uid}/?year=2024")
    clerk.wait_for_selector("#record-header")
    purposes = list(AccessEvent.objects.filter(subject=f"person:{person.uid}").values_list("purpose", flat=True))
    assert purposes == ["case [(2026)粤0305民初123号]: 法院调取缴费记录"] * 2

"""correct_account_year (issue #12 point 8): a reviewed correction recomputes one person's account years from the
record — the year named and every later credited year — as new one-account runs whose rows supersede the old ones
(never an update), shows the reviewers the difference, and writes the maintenance log."""

from __future__ import annotations

import json
from datetime import date

import pytest

from sirecords.accounts import corrections
from sirecords.accounts.kinds import ACCOUNT_YEAR_CORRECTED, ACCOUNT_YEARS_CREDITED
from sirecords.accounts.models import AccountYear
from sirecords.accounts.services import approve, open_correction
from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.ledger.models import Entry
from sirecords.registry.maintenance_log import maintenance_log
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.models import State

from .test_crediting import current, verify

pytestmark = pytest.mark.django_db

STAGES = ("reviewer1", "reviewer2", "reviewer3", "approver")


@pytest.fixture
def person(post_fresh, add_contributions, run_year):
    """A registered person with 2024 and 2025 credited: 1,000.00 a month paid on time, but June 2024's 1,000.00
    from a second employer reached the record only after both years were credited."""
    number = make_id_number("440305", date(1980, 3, 4), 215)
    uid = post_fresh("register_person", {"id_number": number, "name": "赵六", "region": "440305"})[0].payload["person"]
    add_contributions([(uid, "e1", f"{y}-{m:02d}", 100000) for y in (2024, 2025) for m in range(1, 13)])
    run_year(2024)
    run_year(2025)
    add_contributions([(uid, "e2", "2024-06", 100000, "2024-06-20")])
    return uid


@pytest.fixture
def desk(staff):
    return {"maintainer": staff("maint.c", "maintainer"), "clerk": staff("clerk.c", "clerk"),
            "reviewers": [staff(f"{role}.c", role) for role in STAGES]}


def correct(desk, person, year, opener="maintainer"):
    return open_correction(desk[opener], person, year, region="440300", method="依据补录的缴费记录重算个人账户",
                           reason="参保人书面核查申请", evidence=scan("evidence"))


def test_the_correction_recomputes_the_year_and_the_later_ones_and_is_logged(person, desk):
    old_24, old_25 = current(person, 2024), current(person, 2025)
    # 2024 as credited: 12 × 1,000.00, credit-months 1,000.00 × 78 = 78,000.00 × 2.62% / 12 = 170.30
    assert old_24 == (0, 1200000, 0, 17030, 1217030)
    txn = correct(desk, person, 2024)
    assert txn.state == State.SUBMITTED and txn.stage_list == ["review1", "review2", "review3", "approval"]
    shown = {row["field"]: (row["before"], row["after"]) for row in corrections.describe(
        corrections.correction_payload("440300", person, 2024, "x"))}
    # June's 1,000.00 arrived in June: 7 months, 1,000.00 × 2.62% × 7 / 12 = 15.28 (15.283…)
    assert shown["2024.credits_fen"] == ("12000.00", "13000.00")
    assert shown["2024.interest_on_credits_fen"] == ("170.30", "185.58")
    assert shown["2024.closing_fen"] == ("12170.30", "13185.58")
    assert shown["2025.opening_fen"] == ("12170.30", "13185.58")
    assert "2025.credits_fen" not in shown  # what does not change is not shown
    approve(txn, desk["reviewers"])
    new_24, new_25 = current(person, 2024), current(person, 2025)
    assert new_24 == (0, 1300000, 0, 18558, 1318558)
    # 2025: the opening 13,185.58 × 2.62% = 345.46 (345.4622); the credits as before
    assert new_25 == (1318558, 1200000, 34546, old_25[3], 1318558 + 34546 + 1200000 + old_25[3])
    # superseded, never updated: the old rows stay, the correction's rows are the latest runs'
    for year, old in ((2024, old_24), (2025, old_25)):
        rows = list(AccountYear.objects.filter(person_id=person, year=year).order_by("run_seq"))
        assert len(rows) == 2 and (rows[0].opening_fen, rows[0].credits_fen, rows[0].interest_on_prior_fen,
                                   rows[0].interest_on_credits_fen, rows[0].closing_fen) == old
    runs = Entry.objects.filter(kind=ACCOUNT_YEARS_CREDITED, txn=txn.uid).order_by("seq")
    assert [json.loads(e.payload)["year"] for e in runs] == [2024, 2025]
    assert all(json.loads(e.payload)["correction"] == person and json.loads(e.payload)["row_count"] == 1 for e in runs)
    assert Entry.objects.filter(kind=ACCOUNT_YEAR_CORRECTED, txn=txn.uid).count() == 2
    log = [record for record in maintenance_log() if record.target == "account_year"]
    assert [(r.uid, r.kind, r.method, r.responsible) for r in log] == [
        (f"{person}/2025", "修正", "依据补录的缴费记录重算个人账户", "maint.c"),
        (f"{person}/2024", "修正", "依据补录的缴费记录重算个人账户", "maint.c")]
    changes = {c.field: (c.before, c.after) for c in log[1].changes}
    assert changes["closing_fen"] == ("1217030", "1318558") and changes["credits_fen"] == ("1200000", "1300000")
    assert log[1].reviewers == ["初审 reviewer1.c", "审核 reviewer2.c", "复核 reviewer3.c", "审批 approver.c"]
    assert verify().ok
    # the annual runs now agree with the corrected years: nothing to credit
    from sirecords.accounts.crediting import plan_year

    assert plan_year("440300", 2024).row_count == 0 and plan_year("440300", 2025).row_count == 0


def test_a_clerk_may_open_it_and_it_needs_the_evidence(person, desk):
    from sirecords.accounts.corrections import TYPE, correction_payload
    from sirecords.workflow import services

    assert correct(desk, person, 2024, opener="clerk").state == State.SUBMITTED
    txn = services.open_transaction(desk["maintainer"], TYPE, correction_payload("440300", person, 2024, "重算"),
                                    region="440300", reason="核查", channel="counter")
    with pytest.raises(InvalidTransaction, match=r"original documents are missing: 更正或补充的依据材料 \(evidence\)"):
        services.submit(desk["maintainer"], txn)


def test_nothing_to_correct_or_a_year_never_credited_is_refused(person, desk, run_year):
    with pytest.raises(InvalidTransaction, match="no credited year 2023"):
        correct(desk, person, 2023)
    run_year(2024)
    run_year(2025)  # the annual runs took the late row in
    with pytest.raises(InvalidTransaction, match="already agree with the record: nothing to correct"):
        correct(desk, person, 2024)


def test_figures_changed_after_review_are_refused(person, desk, add_contributions):
    txn = correct(desk, person, 2024)
    add_contributions([(person, "e3", "2024-09", 5000, "2024-09-15")])
    with pytest.raises(InvalidTransaction, match="changed since the correction was prepared"):
        approve(txn, desk["reviewers"])
    assert AccountYear.objects.filter(person_id=person, year=2024).count() == 1


@pytest.mark.parametrize(("language", "titles"), [
    ("zh-hans", ("个人账户年度记账", "个人账户记账更正", "视同缴费年限认定")),
    ("en", ("Annual crediting of individual accounts", "Correct a person's individual account years",
            "Recognise deemed contribution service"))])
def test_the_accounts_titles_are_translated_through_the_catalogue(language, titles):
    from django.utils import translation

    from sirecords.transactions.posting import transaction_types

    kinds = transaction_types()
    with translation.override(language):
        assert tuple(str(kinds[name].title) for name in ("credit_accounts", corrections.TYPE, "recognise_deemed_service")) == titles


def test_a_payload_naming_another_region_is_refused_at_posting(person, desk):
    """The prepare hook fills the region at the desk and the API; the posting itself refuses a payload that names a
    pooling region other than the transaction's (its accounts would be recomputed under another region's rules)."""
    from sirecords.ledger.context import WriteContext
    from sirecords.transactions.posting import transaction_types

    payload = corrections.correction_payload("440300", person, 2024, "核查")
    build = transaction_types()[corrections.TYPE].build
    with pytest.raises(InvalidTransaction) as refused:
        build({**payload, "region": "110000"}, WriteContext(actor="maint", reason="r", channel="counter", region="440300"))
    assert refused.value.errors["region"] == "must be the transaction's pooling region 440300, not 110000"

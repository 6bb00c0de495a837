"""The correction of a person's account years (个人账户记账更正) opened at the desk and through the JSON API: the
request names the person and the first wrong year; the figures the reviewers approve are recomputed from the record
(accounts/corrections.prepare), never typed; a bad person or year, or a wrong figure, opens nothing."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from sirecords.accounts import corrections
from sirecords.accounts.services import approve, prepare
from sirecords.core.identifiers import make_id_number
from sirecords.demo.documents import scan
from sirecords.transactions.posting import transaction_type_named
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import payload_of

from ..accounts.conftest import _add_contributions
from ..conftest import module_params
from .test_desk_support import error_next_to, page_text, signer

pytestmark = pytest.mark.django_db
REGION = "440300"
ID = make_id_number("440305", date(1980, 3, 4), 215)
OTHER = make_id_number("440305", date(1981, 5, 6), 311)  # valid, but nobody is registered with it
METHOD = "依据补录的缴费记录重算个人账户"

_parameters = module_params(range(2023, 2027))


@pytest.fixture
def person(post_fresh, staff):
    """2024 and 2025 credited with 1,000.00 a month paid on time; June 2024's 1,000.00 from a second employer reached
    the record only after both years were credited (tests/accounts/test_corrections.py's case)."""
    uid = post_fresh("register_person", {"id_number": ID, "name": "赵六", "region": "440305"})[0].payload["person"]
    _add_contributions([(uid, "e1", f"{y}-{m:02d}", 100000) for y in (2024, 2025) for m in range(1, 13)])
    maintainer, reviewers = staff("maint.acct", "maintainer"), [staff("rev1.acct", "reviewer1"), staff("appr.acct", "approver")]
    for year in (2024, 2025):
        approve(prepare(maintainer, year, region=REGION, reason="annual crediting (test)").txn, reviewers)
    _add_contributions([(uid, "e2", "2024-06", 100000, "2024-06-20")])
    return uid


@pytest.fixture
def clerk(make_staff):
    return signer(make_staff)("clerk.acct", "clerk")


def mine(username="clerk.acct"):
    return BusinessTransaction.objects.filter(created_by=username)


def form(**fields):
    return {"person_id_number": ID, "year": "2024", "method": METHOD, "txn_region": REGION,
            "reason": "参保人书面核查申请 / written request", **fields}


def test_the_clerk_opens_the_correction_and_the_reviewers_see_each_years_figures(clerk, person, make_staff):
    assert "Correct a person's individual account years" in page_text(clerk.get("/desk/new/"))
    done = clerk.post("/desk/new/correct_account_year/", form())
    assert done.status_code == 302, page_text(done)
    txn = mine().get()
    payload = payload_of(txn)
    assert payload == corrections.correction_payload(REGION, person, 2024, METHOD)
    assert {k: payload[k] for k in ("person", "year", "region", "method")} == {
        "person": person, "year": 2024, "region": REGION, "method": METHOD}
    # 2024: June's 1,000.00 arrived in June, 7 months of interest: credits 12,000.00 → 13,000.00, interest on the
    # credits 170.30 → 185.58, closing 12,170.30 → 13,185.58; 2025 opens with the new closing (345.46 of interest).
    [y2024, y2025] = payload["years"]
    assert (y2024["year"], y2024["before"]["credits_fen"], y2024["after"]["credits_fen"]) == (2024, 1200000, 1300000)
    assert (y2024["before"]["closing_fen"], y2024["after"]["closing_fen"]) == (1217030, 1318558)
    assert (y2025["year"], y2025["before"]["opening_fen"], y2025["after"]["opening_fen"]) == (2025, 1217030, 1318558)
    assert y2025["after"]["interest_on_prior_fen"] == 34546
    # the evidence on the next page, then submitted to the four stages
    assert clerk.post(f"/desk/t/{txn.uid}/attach/", {"kind": "evidence", "file": _upload()}).status_code == 302
    assert clerk.post(f"/desk/t/{txn.uid}/submit/").status_code == 302
    txn.refresh_from_db()
    assert txn.state == State.SUBMITTED and txn.stage_list == ["review1", "review2", "review3", "approval"]
    reviewer = signer(make_staff)("rev1.desk", "reviewer1")
    text = page_text(reviewer.get(f"/desk/t/{txn.uid}/"))
    for shown in ("2024 当年记账额 credits", "12000.00", "13000.00", "2024 年末储存额 closing", "12170.30", "13185.58",
                  "2025 上年末储存额 opening", "345.46"):
        assert shown in text, shown
    assert "2025 当年记账额 credits" not in text  # what does not change is not shown


def test_the_reviewers_page_reads_in_chinese(person, staff):
    rows = corrections.describe(corrections.correction_payload(REGION, person, 2024, METHOD))
    with translation.override("zh-hans"):
        assert str(transaction_type_named(corrections.TYPE).title) == "个人账户记账更正"
    shown = {row["label"]: (row["before"], row["after"]) for row in rows}
    assert shown["2024 当年记账额 credits"] == ("12000.00", "13000.00")
    assert shown["2024 当年记账额利息 interest on the credits"] == ("170.30", "185.58")
    assert shown["2025 上年末储存额 opening"] == ("12170.30", "13185.58")


def test_a_bad_person_or_year_is_shown_next_to_its_field_and_opens_nothing(clerk, person):
    error_next_to(clerk.post("/desk/new/correct_account_year/", form(person_id_number=OTHER)), "person_id_number",
                  "No insured person is registered with this ID number.")
    error_next_to(clerk.post("/desk/new/correct_account_year/", form(year="2023")), "year",
                  "has no credited year 2023")
    error_next_to(clerk.post("/desk/new/correct_account_year/", form(year="二〇二四")), "year", "Enter a whole number.")
    assert not mine().exists()


def test_nothing_to_correct_is_refused_at_the_desk(clerk, person, staff):
    maintainer, reviewers = staff("maint.again", "maintainer"), [staff("rev1.again", "reviewer1"), staff("appr.again", "approver")]
    for year in (2024, 2025):  # the annual runs take the late row in
        approve(prepare(maintainer, year, region=REGION, reason="annual crediting again").txn, reviewers)
    error_next_to(clerk.post("/desk/new/correct_account_year/", form()), "year", "nothing to correct")
    assert not mine().exists()


def test_amending_fills_the_form_as_it_was_and_recomputes_the_figures(clerk, person):
    from sirecords.web.forms_accounts import CorrectAccountYearForm

    assert clerk.post("/desk/new/correct_account_year/", form()).status_code == 302
    txn = mine().get()
    opened = payload_of(txn)
    assert CorrectAccountYearForm.initial_from(opened) == {"person_id_number": ID, "year": 2024, "method": METHOD}
    # September 2024's 50.00 arrives late too; the amended correction's figures take it in (4 months of interest)
    _add_contributions([(person, "e3", "2024-09", 5000, "2024-09-15")])
    assert clerk.post(f"/desk/t/{txn.uid}/amend/", form(method="补录两笔缴费后重算")).status_code == 302
    txn.refresh_from_db()
    amended = payload_of(txn)
    assert amended == corrections.correction_payload(REGION, person, 2024, "补录两笔缴费后重算")
    assert amended["years"][0]["after"]["credits_fen"] == opened["years"][0]["after"]["credits_fen"] + 5000 == 1305000


def test_a_maintainer_opens_it_at_the_desk_and_follows_it_from_the_maintenance_page(person, make_staff):
    maintainer = signer(make_staff)("maint.desk", "maintainer")
    home = page_text(maintainer.get("/maintenance/"))
    assert 'href="/desk/new/correct_account_year/"' in home
    listed = page_text(maintainer.get("/desk/new/"))
    assert "Correct a person's individual account years" in listed and "register_person" not in listed
    assert maintainer.get("/desk/new/register_person/").status_code == 404  # not a maintainer's type
    done = maintainer.post("/desk/new/correct_account_year/", form())
    assert done.status_code == 302, page_text(done)
    txn = mine("maint.desk").get()
    assert payload_of(txn) == corrections.correction_payload(REGION, person, 2024, METHOD)
    assert "amend-link" not in page_text(maintainer.get(done["Location"]))  # amending is the clerks' page
    assert f"参保人员 {person} · account years from 2024" in page_text(maintainer.get("/maintenance/"))


def test_the_chinese_form_and_new_page(clerk, person):
    clerk.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert "个人账户记账更正" in page_text(clerk.get("/desk/new/"))
    text = page_text(clerk.get("/desk/new/correct_account_year/"))
    assert "个人账户记账更正" in text and "更正起始年度（其后已记账的年度一并重算）" in text
    refused = page_text(clerk.post("/desk/new/correct_account_year/", form(year="2023")))
    assert "没有 2023 年度的记账" in refused


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("evidence.pdf", scan("核查结论 evidence"), content_type="application/pdf")


# --- the JSON API: the same request, the same computed payload ------------------------------------------------------


def _create(client, payload):
    return client.post(reverse("api:txn_create"), {"type": corrections.TYPE, "region": REGION, "reason": "核查申请",
                                                   "payload": payload}, content_type="application/json")


def test_the_api_opens_it_from_the_request_with_the_computed_figures(person, staff_client):
    api = staff_client("maint.api", "maintainer")
    created = _create(api, {"person": person, "year": 2024, "method": METHOD})
    assert created.status_code == 201, created.content
    uid = created.json()["uid"]
    assert payload_of(BusinessTransaction.objects.get(pk=uid)) == corrections.correction_payload(REGION, person, 2024, METHOD)
    attached = api.post(reverse("api:txn_attach", args=[uid]), {"kind": "evidence", "file": _upload()})
    assert attached.status_code == 201, attached.content
    submitted = api.post(reverse("api:txn_submit", args=[uid]))
    assert submitted.status_code == 200 and submitted.json()["due_stage"] == "review1", submitted.content
    # the figures given as computed are accepted as they are
    again = _create(api, corrections.correction_payload(REGION, person, 2024, METHOD))
    assert again.status_code == 201, again.content


def test_the_api_refuses_a_wrong_figure_or_region_and_opens_nothing(person, staff_client):
    api = staff_client("maint.api", "maintainer")
    payload = corrections.correction_payload(REGION, person, 2024, METHOD)
    payload["years"][0]["after"]["closing_fen"] += 100  # 13,186.58 instead of 13,185.58
    refused = _create(api, payload)
    assert refused.status_code == 422, refused.content
    assert "are not the figures recomputed from the record" in refused.json()["errors"]["years"]
    elsewhere = _create(api, {"person": person, "year": 2024, "method": METHOD, "region": "110100"})
    assert elsewhere.status_code == 422 and "region" in elsewhere.json()["errors"], elsewhere.content
    never = _create(api, {"person": person, "year": 2023, "method": METHOD})
    assert never.status_code == 422 and "no credited year 2023" in never.json()["errors"]["year"], never.content
    assert not mine("maint.api").exists()

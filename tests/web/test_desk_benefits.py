"""The clerk opens the benefit and subsidy transactions at the desk: deemed service, retirement approval,
suspension, resumption, death, subsidy grant. The person is found by ID number; the engine's refusals are
shown before anything is opened; the clerk types no figure."""

from datetime import date

import pytest
from django.utils import translation

from sirecords.core.identifiers import make_id_number
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.services import payload_of

from .test_desk_support import error_next_to, page_text, signer

pytestmark = pytest.mark.django_db
ID = make_id_number("440305", date(1965, 3, 3), 301)  # a man of 60 in 2025


@pytest.fixture(autouse=True)
def _latest_parameters(params_loaded):
    params_loaded([2026])  # retirement ages, deemed-service and subsidy rules: the latest set, loaded


@pytest.fixture(autouse=True)
def _language_reset():
    """A page asked for in Chinese leaves Chinese active in the thread: back to the default after each test."""
    yield
    translation.deactivate()


def test_without_the_parameter_set_in_the_ledger_nothing_is_computed(clerk, person):
    from sirecords.parameters.models import RuleParameterSet

    RuleParameterSet.objects.all()._raw_delete(RuleParameterSet.objects.db)  # as if never loaded (test only)
    page = page_text(clerk.post("/desk/new/recognise_deemed_service/", form(start="1990-01", end="1992-07", work_unit="厂")))
    assert "is not loaded: a maintainer loads it first" in page and not mine()


@pytest.fixture
def clerk(make_staff):
    return signer(make_staff)("clerk.bene", "clerk")


@pytest.fixture
def person(post_fresh):
    return post_fresh("register_person", {"id_number": ID, "name": "张伟", "region": "440305"})[0].payload["person"]


def mine():
    return BusinessTransaction.objects.filter(created_by="clerk.bene")


def form(**fields):
    return {"person_id_number": ID, "txn_region": "440300", "reason": "参保人申请 / the insured person's application", **fields}


TITLES = {"视同缴费年限认定": "Recognise deemed contribution service", "退休审批及基本养老金核定": "Retirement approval and pension award",
          "暂停发放养老金": "Suspend a pension", "恢复发放养老金": "Resume a pension",
          "死亡登记": "Record a death: the pension ends, or the account closes", "社会保险补贴核定": "Social insurance subsidy"}


def test_the_new_transaction_page_lists_the_benefit_and_subsidy_types(clerk):
    # each title in the reader's language only, translated through the catalogue (never both at once)
    text = page_text(clerk.get("/desk/new/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    for chinese, english in TITLES.items():
        assert chinese in text and english not in text
    assert "重新核定基本养老金" in text and "更正基本养老金核定" in text
    text = page_text(clerk.get("/desk/new/", HTTP_ACCEPT_LANGUAGE="en"))
    for chinese, english in TITLES.items():
        assert english in text and chinese not in text
    assert clerk.get("/desk/new/pay_pensions/").status_code == 404  # the maintainer's run, not the clerk's


def test_deemed_service_is_checked_against_the_regions_rules_next_to_the_field(clerk, person):
    page = clerk.post("/desk/new/recognise_deemed_service/", form(start="1990-01", end="1993-01", work_unit="国营电子厂"))
    error_next_to(page, "end", "individual-contribution system began")
    error_next_to(clerk.post("/desk/new/recognise_deemed_service/", form(start="1990-13", end="1991-01", work_unit="x")),
                  "start", "YYYY-MM")
    assert not mine()
    done = clerk.post("/desk/new/recognise_deemed_service/", form(start="1990-01", end="1992-07", work_unit="国营电子厂"))
    assert done.status_code == 302
    assert payload_of(mine().get()) == {"person": person, "start": "1990-01", "end": "1992-07", "work_unit": "国营电子厂"}
    assert "人事档案" in page_text(clerk.get(done["Location"])) or "Personnel archive" in page_text(clerk.get(done["Location"]))


def test_a_retirement_without_enough_months_is_refused_before_it_is_opened(clerk, person):
    page = page_text(clerk.post("/desk/new/approve_retirement/", form(category="male", retirement_month="2050-01")))
    assert "not the statutory retirement month" in page
    statutory = clerk.post("/desk/new/approve_retirement/", form(category="female50", retirement_month="2050-01"))
    assert "does not fit the person's registered sex" in page_text(statutory)
    assert not mine()


def test_suspension_needs_an_active_award_and_the_subsidy_form_offers_the_regions_schemes(clerk, person):
    page = page_text(clerk.post("/desk/new/suspend_benefit/", form(why="未按时完成资格认证")))
    assert "has no active pension award" in page and not mine()
    subsidy = page_text(clerk.get("/desk/new/grant_subsidy/"))
    assert "employment_difficulty" in subsidy and "flexible_employment" in subsidy
    refused = page_text(clerk.post("/desk/new/grant_subsidy/", form(scheme="employment_difficulty", start="2024-01",
                                                                      end="2024-02")))
    assert "2024-01: no paid contribution of a covered type" in refused and not mine()


def test_the_death_form_names_the_three_documents_any_one_of_which_suffices(clerk):
    text = page_text(clerk.get("/desk/new/record_death/"))
    assert "Medical certificate of death or Cremation certificate or Proof of household registration cancelled" in text
    assert "Grounds for suspending the pension" in page_text(clerk.get("/desk/new/suspend_benefit/"))
    chinese = page_text(clerk.get("/desk/new/record_death/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "死亡医学证明或火化证明或户籍注销证明" in chinese

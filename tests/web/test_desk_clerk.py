"""The clerk's pages: find a person, open each registry transaction by ID number / credit code, attach
the original documents, submit, follow, amend after a return, withdraw. Bad input is refused next to the
field at fault, and a refusal leaves nothing half-written."""

from datetime import date

import pytest
from django.test import override_settings

from sirecords.core.home import attachments_dir
from sirecords.core.identifiers import make_id_number, make_uscc
from sirecords.records.models import AccessEvent
from sirecords.registry.models import Person
from sirecords.workflow.models import Action, Attachment, BusinessTransaction
from sirecords.workflow.services import payload_of

from ..conftest import make_signed_in_staff, outer_transaction
from .test_desk_support import (
    ID,
    USCC,
    attach,
    client_for,
    error_next_to,
    exe,
    field_block,
    open_person,
    page_text,
    pdf,
    person_form,
    png,
    review,
    signer,
    submit,
    submitted_person,
)

pytestmark = pytest.mark.django_db


COUNTER = {"purpose": "counter", "purpose_detail": "办理增员"}  # why the clerk looks the applicant up


@pytest.fixture
def staff(make_staff):
    return signer(make_staff)


@pytest.fixture(scope="module")
def clerk_account(django_db_setup, django_db_blocker):
    """The clerk's account, made once for the module (outer_transaction); each test signs it in on a fresh client and
    runs in a rolled-back savepoint."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            user = make_signed_in_staff("clerk.wang", "clerk")
        yield user


@pytest.fixture
def clerk(clerk_account):
    return client_for("clerk.wang", clerk_account)


@pytest.fixture
def registered(post_txn):
    """A person and an employer already in the registry, and an open employment between them."""
    person = post_txn("register_person", {"id_number": ID, "name": "张伟", "phone": "13812345678", "region": "440305"})
    employer = post_txn("register_employer", {"uscc": USCC, "name": "某某科技有限公司", "region": "440305"})
    person, employer = person[0].payload["person"], employer[0].payload["employer"]
    job = post_txn("start_employment", {"person": person, "employer": employer, "start": "2010-03-01"})[0].payload["employment"]
    return {"person": person, "employer": employer, "employment": job}


def mine():
    return BusinessTransaction.objects.filter(created_by="clerk.wang")


def stored_files() -> set:
    folder = attachments_dir()
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


# --- finding a person ------------------------------------------------------------------------------


def test_person_search_shows_masked_id_name_region_and_employment_and_logs_the_access(clerk, registered):
    page = clerk.get("/desk/persons/")
    assert page.status_code == 200 and "autofocus" in field_block(page, "id_number")
    before = AccessEvent.objects.count()
    found = clerk.post("/desk/persons/", {"id_number": ID.lower(), **COUNTER})
    text = page_text(found)
    assert found.status_code == 200
    assert Person.objects.get().masked_id_number in text and ID not in text, "the full ID number is shown"
    assert "张伟" in text and "440305" in text and "某某科技有限公司" in text and "2010-03-01" in text
    event = AccessEvent.objects.get(seq=before + 1)
    assert (event.actor, event.subject, event.channel, event.purpose) == (
        "clerk.wang", f"person:{registered['person']}", "web", "counter: 办理增员")


def test_person_search_explains_a_bad_or_unknown_id_number_next_to_the_field(clerk):
    error_next_to(clerk.post("/desk/persons/", {"id_number": "44030519850615123X", **COUNTER}), "id_number", "check character")
    error_next_to(clerk.post("/desk/persons/", {"id_number": "12345", **COUNTER}), "id_number", "must have 18 characters")
    unknown = make_id_number("110105", date(1970, 1, 1), 2)
    error_next_to(clerk.post("/desk/persons/", {"id_number": unknown, **COUNTER}), "id_number", "No insured person is registered")
    # Only the look-up of a valid number nobody is registered with reached the registry: a probe, logged by its index.
    assert list(AccessEvent.objects.filter(actor="clerk.wang").values_list("what", flat=True)) == [
        "look-up: nobody registered with this ID number"]


def test_person_search_needs_the_purpose_of_the_look_up(clerk, registered):
    """The counter's look-up is a read like any other (第二十一条): the business the applicant came for is stated."""
    refused = clerk.post("/desk/persons/", {"id_number": ID, "purpose": "counter", "purpose_detail": "."})
    error_next_to(refused, "purpose_detail", "at least 4 letters or digits")
    assert "张伟" not in page_text(refused) and not AccessEvent.objects.filter(actor="clerk.wang").exists()


# --- opening, documents, submission -----------------------------------------------------------------


def test_new_transaction_page_lists_the_registry_types_a_clerk_opens(clerk):
    text = page_text(clerk.get("/desk/new/"))
    for title in ("参保人员登记", "个人信息变更", "用人单位登记", "用人单位信息变更", "参保人员增员", "参保人员减员"):
        assert title in text
    assert "个人权益记录修正" not in text and "新增用户" not in text  # maintainers' and administrators' types
    assert clerk.get("/desk/new/correction/").status_code == 404
    assert clerk.get("/desk/new/create_user/").status_code == 404


def test_register_a_person_open_attach_submit(clerk):
    form = clerk.get("/desk/new/register_person/")
    assert "autofocus" in field_block(form, "id_number")
    txn = open_person(clerk, id_number=" ".join([ID[:6], ID[6:14], ID[14:]]).lower())  # typed in groups
    assert (txn.state, txn.created_by, txn.region, txn.channel) == ("draft", "clerk.wang", "440300", "counter")
    assert payload_of(txn) == {"id_number": ID, "name": "张伟", "phone": "13812345678",
                               "address": "广东省深圳市南山区科技园路18号", "region": "440305"}
    page = clerk.get(f"/desk/t/{txn.uid}/")
    text = page_text(page)
    assert "missing: Resident ID card" in text and 'id="attach-form"' in text
    assert '<option value="id_card">' in text and "business_licence" not in text  # only the type's documents
    assert attach(clerk, txn, pdf()).status_code == 302
    assert "attached: Resident ID card" in page_text(clerk.get(f"/desk/t/{txn.uid}/"))
    assert submit(clerk, txn).status_code == 302
    txn.refresh_from_db()
    assert (txn.state, txn.due_stage) == ("submitted", "review1")
    mine = page_text(clerk.get("/desk/mine/"))
    assert txn.summary in mine and "Under review" in mine and "First review" in mine
    assert ID not in mine


@pytest.mark.parametrize("changes, field, message", [
    ({"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, "id_number", "check character"),
    ({"id_number": "44030519850230123X"}, "id_number", "not a real date"),
    ({"name": ""}, "name", "This field is required"),
    ({"phone": "12345"}, "phone", "mobile number"),
    ({"region": "44030"}, "region", "6-digit"),
    ({"registered_on": "2999-01-01"}, "registered_on", "in the future"),
    ({"reason": ""}, "reason", "This field is required"),
])
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(clerk, changes, field, message):
    page = clerk.post("/desk/new/register_person/", person_form(**changes))
    assert page.status_code == 200
    error_next_to(page, field, message)
    assert 'autofocus' in field_block(page, field), "the first field at fault should have the focus"
    assert not mine() and not Action.objects.filter(actor="clerk.wang").exists()


def test_an_id_number_already_registered_is_refused_before_anything_is_opened(clerk, registered):
    page = clerk.post("/desk/new/register_person/", person_form(name="李四"))
    error_next_to(page, "id_number", "already registered")
    assert not mine()


def test_submit_without_the_documents_says_which_are_missing(clerk):
    txn = open_person(clerk)
    page = submit(clerk, txn)
    assert page.status_code == 200
    assert "the original documents are missing: 居民身份证 (id_card)" in page_text(page)
    txn.refresh_from_db()
    assert txn.state == "draft" and not txn.actions.filter(kind="submit").exists()


@override_settings(SIRECORDS_MAX_ATTACHMENT_BYTES=300)
def test_an_oversize_file_is_refused_and_not_stored(clerk):
    txn = open_person(clerk)
    files = stored_files()
    page = attach(clerk, txn, pdf())
    assert page.status_code == 200
    error_next_to(page, "file", "at most 300 are accepted")
    assert Attachment.objects.count() == 0 and stored_files() == files
    assert not txn.actions.filter(kind="attach").exists()


@pytest.mark.parametrize("data, name, message", [
    (png(), "id-card.pdf", "its content is PNG, not PDF"),
    (pdf(), "id-card.jpg", "its content is PDF, not JPEG"),
    (exe(), "id-card.pdf", "file “id-card.pdf”: only PDF, JPEG or PNG scans are accepted; its content is a Windows program"),
    ("身份证号 440305198506151233".encode(), "id-card.pdf", "not a recognised document format"),
    (b"", "id-card.pdf", "The submitted file is empty"),
], ids=["png-as-pdf", "pdf-as-jpg", "exe-as-pdf", "text-as-pdf", "empty"])
def test_a_disguised_file_is_refused_with_a_clear_message_and_nothing_is_stored(clerk, data, name, message):
    txn = open_person(clerk)
    files = stored_files()
    page = attach(clerk, txn, data, name)
    assert page.status_code == 200
    error_next_to(page, "file", message)
    assert Attachment.objects.count() == 0 and stored_files() == files
    assert not txn.actions.filter(kind="attach").exists()


def test_a_png_scan_named_png_is_accepted(clerk):
    txn = open_person(clerk)
    assert attach(clerk, txn, png(), "id-card.png").status_code == 302
    assert Attachment.objects.get().content_type == "image/png"


def test_only_the_documents_the_type_requires_can_be_attached(clerk):
    txn = open_person(clerk)
    page = attach(clerk, txn, pdf(), kind="business_licence")
    error_next_to(page, "kind", "Select a valid choice")
    assert Attachment.objects.count() == 0


def test_the_same_file_twice_is_refused(clerk):
    txn = open_person(clerk)
    attach(clerk, txn, pdf())
    error_next_to(attach(clerk, txn, pdf()), "file", "already attached")
    assert Attachment.objects.count() == 1


# --- returned, amended, resubmitted; withdrawn --------------------------------------------------------


def test_a_returned_transaction_shows_the_opinion_is_amended_from_a_prefilled_form_and_resubmitted(clerk, staff):
    txn = submitted_person(clerk)
    reviewer = staff("review1.a", "reviewer1")
    assert review(reviewer, txn, "reject", "").status_code == 200  # an opinion is required to return it
    txn.refresh_from_db()
    assert txn.state == "submitted"
    assert review(reviewer, txn, "reject", "电话号码有误，请核对 / wrong phone").status_code == 302
    txn.refresh_from_db()
    assert txn.state == "returned"
    mine = page_text(clerk.get("/desk/mine/"))
    assert "Returned for amendment" in mine and "电话号码有误" in mine and "review1.a" in mine
    assert "电话号码有误" in page_text(clerk.get(f"/desk/t/{txn.uid}/"))
    form = clerk.get(f"/desk/t/{txn.uid}/amend/")
    assert form.status_code == 200
    assert 'value="13812345678"' in field_block(form, "phone") and 'value="张伟"' in field_block(form, "name")
    assert 'name="reason"' not in page_text(form) and 'name="txn_region"' not in page_text(form)  # fixed when opened
    bad = clerk.post(f"/desk/t/{txn.uid}/amend/", {**person_form(phone="139"), "reason": ""})
    error_next_to(bad, "phone", "mobile number")
    assert payload_of(BusinessTransaction.objects.get(pk=txn.uid))["phone"] == "13812345678"
    assert clerk.post(f"/desk/t/{txn.uid}/amend/", person_form(phone="13900000000")).status_code == 302
    txn.refresh_from_db()
    assert txn.state == "draft" and payload_of(txn)["phone"] == "13900000000"
    assert submit(clerk, txn).status_code == 302
    txn.refresh_from_db()
    assert (txn.state, txn.due_stage) == ("submitted", "review1")


def test_withdraw_needs_a_reason_and_closes_the_transaction(clerk):
    txn = open_person(clerk)
    page = clerk.post(f"/desk/t/{txn.uid}/withdraw/", {"reason": ""})
    error_next_to(page, "reason", "This field is required")
    txn.refresh_from_db()
    assert txn.state == "draft"
    done = clerk.post(f"/desk/t/{txn.uid}/withdraw/", {"reason": "申请人撤回申请 / applicant withdrew"}, follow=True)
    assert "The transaction is withdrawn." in page_text(done)
    txn.refresh_from_db()
    assert txn.state == "withdrawn"
    assert clerk.get(f"/desk/t/{txn.uid}/amend/").status_code == 302  # nothing to amend any more
    assert txn.summary not in page_text(clerk.get("/desk/mine/"))  # the open ones only, by default
    assert "Withdrawn" in page_text(clerk.get("/desk/mine/?show=all"))
    refused = submit(clerk, txn)
    assert refused.status_code == 403 and "it must be a draft or returned for amendment" in page_text(refused)


def test_a_submitted_transaction_cannot_be_amended_or_given_documents(clerk):
    txn = submitted_person(clerk)
    page = clerk.get(f"/desk/t/{txn.uid}/")
    assert 'id="attach-form"' not in page_text(page) and 'id="amend-link"' not in page_text(page)
    refused = clerk.post(f"/desk/t/{txn.uid}/amend/", person_form(phone="13900000000"))
    assert refused.status_code == 403 and "it must be a draft or returned for amendment" in page_text(refused)
    assert payload_of(BusinessTransaction.objects.get(pk=txn.uid))["phone"] == "13812345678"


# --- the other registry types: people and employers chosen by ID number and credit code ----------


def test_change_person_details_finds_the_person_by_id_number(clerk, registered):
    form = clerk.get(f"/desk/new/change_person_details/?person={registered['person']}")
    assert f'value="{ID}"' in field_block(form, "person_id_number")  # prefilled from the person search link
    assert AccessEvent.objects.filter(subject=f"person:{registered['person']}", actor="clerk.wang").exists()
    data = {"person_id_number": ID, "phone": "13900000000", "txn_region": "440300", "reason": "本人申请"}
    nothing = clerk.post("/desk/new/change_person_details/", {**data, "phone": ""})
    assert "names no field to change" in page_text(nothing)
    unknown = make_id_number("110105", date(1970, 1, 1), 2)
    error_next_to(clerk.post("/desk/new/change_person_details/", {**data, "person_id_number": unknown}),
                  "person_id_number", "No insured person is registered")
    assert not mine()
    assert clerk.post("/desk/new/change_person_details/", data).status_code == 302
    assert payload_of(mine().get()) == {"person": registered["person"], "phone": "13900000000"}


def test_register_employer_checks_the_credit_code_next_to_the_field(clerk):
    data = {"uscc": "91350100M000100Y44", "name": "新单位有限公司", "region": "440305", "txn_region": "440300", "reason": "新办"}
    error_next_to(clerk.post("/desk/new/register_employer/", data), "uscc", "override")
    assert not mine()
    assert clerk.post("/desk/new/register_employer/", {**data, "uscc": USCC.lower()}).status_code == 302
    assert payload_of(mine().get())["uscc"] == USCC


def test_change_employer_details_by_credit_code(clerk, registered):
    data = {"employer_uscc": USCC, "status": "suspended", "txn_region": "440300", "reason": "单位申请"}
    unknown = make_uscc("9", "1", "440300", "MA5D1234")
    error_next_to(clerk.post("/desk/new/change_employer_details/", {**data, "employer_uscc": unknown}),
                  "employer_uscc", "No employer is registered")
    error_next_to(clerk.post("/desk/new/change_employer_details/", {**data, "employer_uscc": unknown[:-1] + "0"}),
                  "employer_uscc", "check character")
    assert clerk.post("/desk/new/change_employer_details/", data).status_code == 302
    assert payload_of(mine().get()) == {"employer": registered["employer"], "status": "suspended"}


def test_start_employment_by_id_number_and_credit_code(clerk, registered):
    data = {"person_id_number": ID, "employer_uscc": USCC, "start": "2011-01-01", "txn_region": "440300", "reason": "增员"}
    error_next_to(clerk.post("/desk/new/start_employment/", data), "start", "already employed by this employer")
    error_next_to(clerk.post("/desk/new/start_employment/", {**data, "employer_uscc": "123"}), "employer_uscc", "18 characters")
    assert not mine()


def test_end_employment_finds_the_open_period(clerk, registered):
    form = clerk.get(f"/desk/new/end_employment/?employment={registered['employment']}")
    assert f'value="{USCC}"' in field_block(form, "employer_uscc")
    data = {"person_id_number": ID, "employer_uscc": USCC, "end": "2009-01-01", "txn_region": "440300", "reason": "减员"}
    error_next_to(clerk.post("/desk/new/end_employment/", data), "end", "before the start")
    assert clerk.post("/desk/new/end_employment/", {**data, "end": "2015-12-31"}).status_code == 302
    txn = mine().get()
    assert payload_of(txn) == {"employment": registered["employment"], "end": "2015-12-31"}
    amend = clerk.get(f"/desk/t/{txn.uid}/amend/")
    assert 'value="2015-12-31"' in field_block(amend, "end") and f'value="{ID}"' in field_block(amend, "person_id_number")

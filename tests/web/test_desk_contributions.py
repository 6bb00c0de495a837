"""The clerk records arrears paid late, a refund and a correction at the desk; the reviewers see the months, amounts
and late fees before approving; the refusals are shown before anything is opened."""

from datetime import date

import pytest

from sirecords.contributions.models import Contribution
from sirecords.contributions.services import import_file, review_all
from sirecords.core.identifiers import make_id_number
from sirecords.demo.sample_contributions import collection_csv
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.services import payload_of

from .test_desk_support import error_next_to, page_text, signer

pytestmark = pytest.mark.django_db
ID = make_id_number("440305", date(1988, 8, 8), 802)


@pytest.fixture
def person(post_fresh, params_loaded, staff):
    """A flexible worker whose 2024-01 and 2024-02 pension came in arrears, 2024-03 paid."""
    params_loaded([2024])
    uid = post_fresh("register_person", {"id_number": ID, "name": "李娜", "region": "440305"})[0].payload["person"]
    rows = [(ID, "", f"2024-0{m}", "pension", 300_000, "" if m < 3 else "2024-03-20") for m in (1, 2, 3)]
    outcome = import_file(staff("clerk.imp", "clerk"), collection_csv(rows, "440300"), reason="r", region="440300")
    review_all(outcome.txn, staff("rev.one", "reviewer1"), staff("rev.two", "reviewer2"))
    return uid


@pytest.fixture
def clerk(make_staff):
    return signer(make_staff)("clerk.contrib", "clerk")


def mine():
    return BusinessTransaction.objects.filter(created_by="clerk.contrib")


def form(**fields):
    return {"person_id_number": ID, "txn_region": "440300", "reason": "参保人持缴费凭证办理 / receipt presented", **fields}


def test_the_clerk_records_arrears_paid_late_and_the_page_shows_the_late_fees(clerk, person):
    assert "欠费补缴" in page_text(clerk.get("/desk/new/"))
    refused = clerk.post("/desk/new/pay_arrears/", form(first="2024-01", last="2024-03", paid_on="2024-06-15"))
    error_next_to(refused, "first", "not in arrears (nothing unpaid to pay, or paid already): 2024-03")
    assert not mine()
    done = clerk.post("/desk/new/pay_arrears/", form(first="2024-01", last="2024-02", paid_on="2024-06-15"))
    assert done.status_code == 302, page_text(done)
    assert payload_of(mine().get()) == {"person": person, "from": "2024-01", "to": "2024-02", "paid_on": "2024-06-15"}
    text = page_text(clerk.get(done["Location"]))
    # 1,214.76 in arrears each month: 136 days late (2024-01) → 82.60; 107 days (2024-02) → 64.99.
    assert "滞纳金 late fee 82.60, 136 天 days from 2024-01-31" in text and "滞纳金 late fee 64.99, 107 天 days" in text
    assert "欠费 arrears 2429.52 + 滞纳金 late fees 147.59 = 2577.11" in text


def test_the_clerk_opens_a_refund_and_a_correction_naming_the_month(clerk, person):
    paid = Contribution.objects.get(period="2024-03")
    done = clerk.post("/desk/new/refund_contributions/", form(first="2024-03", last="2024-03", insurance_type="pension",
                                                              uscc="", ground="duplicate", why="同月已由单位缴纳"))
    assert done.status_code == 302, page_text(done)
    assert payload_of(mine().get())["rows"] == [f"{paid.batch_id}:{paid.row_number}"]
    assert "退费 refunded" in page_text(clerk.get(done["Location"]))
    from sirecords.web.forms_contributions import RefundContributionsForm

    assert RefundContributionsForm.initial_from(payload_of(mine().get())) == {  # amending: the form as it was filled
        "person_id_number": ID, "ground": "duplicate", "why": "同月已由单位缴纳", "first": "2024-03", "last": "2024-03",
        "insurance_type": "pension", "uscc": ""}
    nothing = clerk.post("/desk/new/refund_contributions/", form(first="2024-01", last="2024-01", insurance_type="pension",
                                                                 uscc="", ground="wrong", why="x"))
    error_next_to(nothing, "first", "No contribution row of these months")
    corrected = clerk.post("/desk/new/correct_contributions/", form(first="2024-03", last="2024-03", insurance_type="pension",
                                                                    uscc="", wage="9000.00", method="依据收入证明更正"))
    assert corrected.status_code == 302, page_text(corrected)
    text = page_text(clerk.get(corrected["Location"]))
    assert "wage_fen" in text and "3000.00" in text and "9000.00" in text


def test_the_record_shows_the_month_paid_late_with_its_late_fee(person, staff, signed_in):
    from django.urls import reverse

    from sirecords.demo.crew import approve_stages
    from sirecords.demo.documents import scan
    from sirecords.workflow.services import attach, open_transaction, submit

    from .test_record import stated

    desk = staff("clerk.late", "clerk")
    txn = open_transaction(desk, "pay_arrears", {"person": person, "from": "2024-01", "to": "2024-01", "paid_on": "2024-06-15"},
                           region="440300", reason="r", channel="counter")
    attach(desk, txn, "payment_receipt", scan("receipt"), "receipt.pdf")
    approve_stages(submit(desk, txn), {"review1": staff("rev.late1", "reviewer1"), "review2": staff("rev.late2", "reviewer2")})
    client = stated(signed_in("rec.late", "query_officer"), person)
    page = client.get(reverse("record_person", args=[person])).content.decode()
    rows = page.split('id="contributions"')[1].split("</section>")[0].split("<tr>")
    january = [row for row in rows if "2024-01" in row]
    assert any("2024-06-15 · paid late · late fee 82.60" in row for row in january), january
    assert any("paid later" in row for row in january), january  # the assessment that was in arrears
    assert any("in arrears" in row for row in rows if "2024-02" in row)

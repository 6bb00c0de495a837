"""The reviewers' pages: queues per stage, the transaction page (before/after, documents, trail), the
decision, and separation of duties as the pages show it: the creator never reviews, one person acts on
one stage only, stages strictly in order, only the reviewers of the transaction's region."""

import pytest

from sirecords.records.models import AccessEvent
from sirecords.registry.models import Person
from sirecords.registry.subjects import id_number_subject
from sirecords.workflow.models import Action, BusinessTransaction

from ..conftest import make_signed_in_staff, outer_transaction
from .test_desk_support import (
    ID,
    USCC,
    another_id,
    attach,
    client_for,
    error_next_to,
    open_person,
    page_text,
    pdf,
    png,
    review,
    signer,
    staff_in_region,
    submit,
    submitted_person,
)

pytestmark = pytest.mark.django_db

REVIEWERS = {"review1": ("rev1.zhang", "reviewer1"), "review2": ("rev2.liu", "reviewer2"),
             "review3": ("rev3.huang", "reviewer3"), "approval": ("appr.zhou", "approver")}


@pytest.fixture
def staff(make_staff):
    return signer(make_staff)


@pytest.fixture(scope="module")
def accounts(django_db_setup, django_db_blocker):
    """The clerk's and the reviewers' accounts, made once for the module (outer_transaction); each test signs them in
    on fresh clients and runs in a rolled-back savepoint."""
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            made = {"clerk.wang": make_signed_in_staff("clerk.wang", "clerk"),
                    **{name: make_signed_in_staff(name, role) for name, role in REVIEWERS.values()}}
        yield made


@pytest.fixture
def clerk(accounts):
    return client_for("clerk.wang", accounts["clerk.wang"])


@pytest.fixture
def reviewers(accounts):
    return {stage: client_for(name, accounts[name]) for stage, (name, _role) in REVIEWERS.items()}


def state(txn):
    txn.refresh_from_db()
    return txn.state, txn.due_stage


def refusals(txn):
    return list(Action.objects.filter(txn=txn, kind="refused").values_list("actor", "opinion"))


def test_the_whole_chain_through_the_pages_posts_the_person(clerk, reviewers):
    txn = submitted_person(clerk)
    for stage in ("review1", "review2", "review3", "approval"):
        assert state(txn) == ("submitted", stage)
        done = review(reviewers[stage], txn, "approve", f"{stage} 材料齐全")
        assert done.status_code == 302 and done["Location"] == "/desk/queue/"
    assert state(txn) == ("posted", None)
    person = Person.objects.get()
    assert (person.id_number, person.name) == (ID, "张伟")
    page = page_text(clerk.get(f"/desk/t/{txn.uid}/"))
    assert "In effect" in page and page.count('class="stage-done"') == 4
    for name, _role in REVIEWERS.values():
        assert name in page
    assert 'class="action-post"' in page
    found = page_text(clerk.post("/desk/persons/", {"id_number": ID, "purpose": "counter", "purpose_detail": "办理增员"}))
    assert person.masked_id_number in found and "张伟" in found


def test_queues_list_what_is_due_at_each_stage_of_the_reviewers_regions(clerk, reviewers, staff):
    first = submitted_person(clerk)
    second = submitted_person(clerk, id_number=another_id(1), name="李娜")
    draft = open_person(clerk, id_number=another_id(2), name="王五")
    assert review(reviewers["review1"], second, "approve").status_code == 302
    queue1 = page_text(reviewers["review1"].get("/desk/queue/"))
    assert first.summary in queue1 and second.summary not in queue1 and draft.summary not in queue1
    queue2 = page_text(reviewers["review2"].get("/desk/queue/"))
    assert second.summary in queue2 and first.summary not in queue2
    assert "1 waiting" in queue2
    assert ID not in queue1, "queues show masked summaries only"
    elsewhere = staff_in_region("rev1.bj", "reviewer1", "110100")
    assert first.summary not in page_text(elsewhere.get("/desk/queue/"))


def test_the_review_page_shows_what_changes_the_documents_and_the_trail_and_logs_the_access(clerk, reviewers, post_txn):
    uid = post_txn("register_person", {"id_number": ID, "name": "张伟", "phone": "13812345678", "region": "440305"})[0]
    person = uid.payload["person"]
    created = clerk.post("/desk/new/change_person_details/", {"person_id_number": ID, "phone": "13900000000",
                                                              "txn_region": "440300", "reason": "本人申请"})
    txn = BusinessTransaction.objects.get(pk=created["Location"].rstrip("/").split("/")[-1])
    attach(clerk, txn, pdf("change application"), "application.pdf", kind="change_application")
    submit(clerk, txn)
    before = AccessEvent.objects.count()
    page = reviewers["review1"].get(f"/desk/t/{txn.uid}/")
    text = page_text(page)
    assert page.status_code == 200
    assert '<tr class="changed"><th scope="row">Phone <span class="visually-hidden">(changed)</span></th>' \
           '<td>13812345678</td><td>13900000000</td></tr>' in text
    assert "Change application form" in text and f"/desk/t/{txn.uid}/documents/" in text
    assert "Opened" in text and "Submitted" in text and "clerk.wang" in text
    assert 'id="review-form"' in text and 'id="approve"' in text and 'id="reject"' in text
    event = AccessEvent.objects.get(seq=before + 1)
    assert (event.actor, event.subject, event.channel, event.purpose) == (
        "rev1.zhang", f"person:{person}", "web", f"transaction [{txn.uid}]: review of the stage due")


def test_an_unchanged_value_is_not_highlighted(clerk, reviewers, post_txn):
    person = post_txn("register_person", {"id_number": ID, "name": "张伟", "region": "440305"})[0].payload["person"]
    employer = post_txn("register_employer", {"uscc": USCC, "name": "某某科技有限公司", "region": "440305"})[0].payload["employer"]
    post_txn("start_employment", {"person": person, "employer": employer, "start": "2010-03-01"})
    clerk.post("/desk/new/end_employment/", {"person_id_number": ID, "employer_uscc": USCC, "end": "2015-12-31",
                                             "txn_region": "440300", "reason": "减员"})
    txn = BusinessTransaction.objects.get(created_by="clerk.wang")
    text = page_text(reviewers["review1"].get(f"/desk/t/{txn.uid}/"))
    assert '<tr><th scope="row">Start</th><td>2010-03-01</td><td>2010-03-01</td></tr>' in text
    assert '<tr class="changed"><th scope="row">End <span class="visually-hidden">(changed)</span></th><td></td>' \
           '<td>2015-12-31</td></tr>' in text


def test_documents_are_served_as_stored_attachments_only_to_those_who_may_see_the_transaction(clerk, reviewers, staff):
    txn = open_person(clerk)
    attach(clerk, txn, png(), "id-card.png")
    submit(clerk, txn)
    document = txn.attachments.get()
    url = f"/desk/t/{txn.uid}/documents/{document.pk}/"
    before = AccessEvent.objects.count()
    for client in (reviewers["review1"], reviewers["approval"], clerk, staff("super.lin", "supervisor")):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png" and response.content == png()
        assert response["Content-Disposition"].startswith("attachment;") and "id_card-" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert AccessEvent.objects.count() == before + 4
    # The person is not registered yet: named by the keyed index of the ID number the registration registers.
    assert set(AccessEvent.objects.filter(seq__gt=before).values_list("subject", flat=True)) == {id_number_subject(ID)}
    assert staff("clerk.other", "clerk").get(url).status_code == 403
    assert staff_in_region("rev1.bj", "reviewer1", "110100").get(url).status_code == 403
    other = open_person(clerk, id_number=another_id(2), name="王五")
    assert clerk.get(f"/desk/t/{other.uid}/documents/{document.pk}/").status_code == 404
    assert AccessEvent.objects.count() == before + 4


def test_the_creator_cannot_review_and_is_told_why(staff):
    both = staff("clerk.rev", "clerk", "reviewer1")
    txn = submitted_person(both)
    assert "You opened this transaction: another reviewer must act on it." in page_text(both.get(f"/desk/t/{txn.uid}/"))
    page = review(both, txn, "approve", "看起来没问题")
    assert page.status_code == 403
    assert "you opened this transaction, so you may not review it (初审)" in page_text(page)
    assert state(txn) == ("submitted", "review1")
    assert refusals(txn) == [("clerk.rev", "you opened this transaction, so you may not review it (初审)")]
    assert 'class="action-refused"' in page_text(both.get(f"/desk/t/{txn.uid}/"))


def test_one_person_acts_on_one_stage_only(clerk, staff):
    multi = staff("review.multi", "reviewer1", "reviewer2")
    txn = submitted_person(clerk)
    assert review(multi, txn, "approve", "初审通过").status_code == 302
    assert state(txn) == ("submitted", "review2")
    queue = page_text(multi.get("/desk/queue/"))
    assert "You acted on it at First review: another reviewer must act." in queue
    warned = page_text(multi.get(f"/desk/t/{txn.uid}/"))
    assert 'id="caution"' in warned and "You acted on it at First review" in warned and 'id="review-form"' in warned
    page = review(multi, txn, "approve", "审核通过")
    assert page.status_code == 403
    text = page_text(page)
    assert 'id="refusal"' in text and "one person may act on one stage only (第七条)" in text
    assert "you already acted on this transaction at 初审" in text
    assert state(txn) == ("submitted", "review2")
    assert [a for a, _ in refusals(txn)] == ["review.multi"]


def test_stages_are_taken_strictly_in_order(clerk, reviewers):
    txn = submitted_person(clerk)
    page = reviewers["review2"].get(f"/desk/t/{txn.uid}/")
    assert 'id="review-form"' not in page_text(page) and "Awaiting First review" in page_text(page)
    for stage in ("review2", "review3", "approval"):
        refused = review(reviewers[stage], txn, "approve")
        assert refused.status_code == 403
        assert "the stage due is 初审, which needs the role reviewer1 in region 440300" in page_text(refused)
    assert state(txn) == ("submitted", "review1")
    assert len(refusals(txn)) == 3


def test_a_reviewer_of_another_region_is_refused(clerk):
    txn = submitted_person(clerk)
    elsewhere = staff_in_region("rev1.bj", "reviewer1", "110100")
    assert elsewhere.get(f"/desk/t/{txn.uid}/").status_code == 403
    refused = review(elsewhere, txn, "approve")
    assert refused.status_code == 403 and "in its region" in page_text(refused)
    assert state(txn) == ("submitted", "review1")


def test_returning_needs_an_opinion_next_to_the_field(clerk, reviewers):
    txn = submitted_person(clerk)
    page = review(reviewers["review1"], txn, "reject", "  ")
    assert page.status_code == 200
    error_next_to(page, "opinion", "An opinion is required when returning a transaction")
    assert state(txn) == ("submitted", "review1")
    assert review(reviewers["review1"], txn, "sideways", "x").status_code == 200
    assert state(txn) == ("submitted", "review1")


def test_nothing_to_review_once_posted_or_before_submission(clerk, reviewers):
    draft = open_person(clerk)
    page = review(reviewers["review1"], draft, "approve")
    assert page.status_code == 403 and "nothing awaits review" in page_text(page)
    assert state(draft) == ("draft", None)

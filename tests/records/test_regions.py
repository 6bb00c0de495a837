"""Staff act only within the regions of their grants (issue 9, finding 9): a transaction about a person is opened and
reviewed only in the person's pooling region (one check in the workflow through the type's subject hook), and the
desk's views of a person are refused outside the reader's regions. Refusals name the region and are logged."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from sirecords.records.models import AccessEvent
from sirecords.workflow import regions
from sirecords.workflow.models import Action, BusinessTransaction
from sirecords.workflow.services import Refused, open_transaction, review, submit

from ..web.test_desk_support import ID, attach, pdf
from .conftest import JSON, OTHER_REGION, person_payload

pytestmark = pytest.mark.django_db

CHANGE = "change_person_details"


def changes():
    return BusinessTransaction.objects.filter(type=CHANGE)


@pytest.fixture
def registered(db, post_txn):
    """A person registered in 440300 (ID number tests/web's ID): the uid."""
    return post_txn("register_person", person_payload(id_number=ID))[0].payload["person"]


def test_a_110100_clerk_cannot_open_a_change_for_a_440300_person(registered, staff, caplog):
    clerk = staff("clerk.bj", "clerk", region=OTHER_REGION)
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        with pytest.raises(Refused) as refused:
            open_transaction(clerk, CHANGE, {"person": registered, "phone": "13900000000"}, region=OTHER_REGION,
                             reason="phone change", channel="counter")
    assert "440300" in refused.value.message and OTHER_REGION in refused.value.message
    assert "clerk.bj" in caplog.text and "440300" in caplog.text
    with pytest.raises(Refused, match="440300"):  # nor in 440300, where the clerk holds no role
        open_transaction(clerk, CHANGE, {"person": registered, "phone": "13900000000"}, region="440300",
                         reason="phone change", channel="counter")
    assert not changes().exists()
    # A clerk of 440300 opens it.
    assert open_transaction(staff("clerk.sz", "clerk"), CHANGE, {"person": registered, "phone": "13900000000"},
                            region="440300", reason="phone change", channel="counter").region == "440300"


def test_a_reviewer_cannot_pass_a_change_made_outside_the_persons_region(registered, staff):
    """A transaction opened in 110100 before the rule held (the hook left out for the opening) is refused to its
    reviewer, with the refusal in the transaction's action log."""
    clerk, reviewer = staff("clerk.bj", "clerk", region=OTHER_REGION), staff("rev.bj", "reviewer1", region=OTHER_REGION)
    hook = regions._home[:]
    regions._home.clear()
    try:
        txn = open_transaction(clerk, CHANGE, {"person": registered, "phone": "13900000000"}, region=OTHER_REGION,
                               reason="phone change", channel="counter")
    finally:
        regions._home[:] = hook
    from sirecords.workflow.services import attach as attach_document

    attach_document(clerk, txn, "change_application", pdf(), "application.pdf")
    submit(clerk, txn)
    with pytest.raises(Refused, match="pooling region 440300"):
        review(reviewer, txn, "approve", "ok")
    refusal = Action.objects.get(txn=txn, kind=Action.Kind.REFUSED)
    assert refusal.actor == "rev.bj" and "440300" in refusal.opinion
    txn.refresh_from_db()
    assert txn.next_stage == 0


def test_the_api_refuses_a_110100_clerks_change_for_a_440300_person(registered, client_in):
    clerk = client_in("clerk.bj", "clerk", region=OTHER_REGION)
    response = clerk.post(reverse("api:txn_create"), {"type": CHANGE, "region": OTHER_REGION, "reason": "phone change",
                                                       "payload": {"person": registered, "phone": "13900000000"}},
                          content_type=JSON)
    assert response.status_code == 403 and "440300" in response.json()["detail"]
    assert not changes().exists()


def test_the_desk_refuses_a_110100_clerk_the_person_and_the_change(registered, client_in):
    clerk = client_in("clerk.bj", "clerk", region=OTHER_REGION)
    found = clerk.post(reverse("desk_person_search"), {"id_number": ID, "purpose": "counter", "purpose_detail": "办理增员"})
    assert found.status_code == 403 and "440300" in found.content.decode() and "张三" not in found.content.decode()
    prefilled = clerk.get(reverse("desk_create", args=[CHANGE]) + f"?person={registered}")
    assert prefilled.status_code == 403 and ID not in prefilled.content.decode()
    form = clerk.post(reverse("desk_create", args=[CHANGE]), {"person_id_number": ID, "phone": "13900000000",
                                                              "txn_region": OTHER_REGION, "reason": "phone change"})
    assert "440300" in form.content.decode() and not changes().exists()
    assert set(AccessEvent.objects.filter(actor="clerk.bj").values_list("what", flat=True)) == {"refused: region 440300"}


def test_a_110100_reviewer_does_not_see_a_440300_transaction_page(registered, client_in, staff):
    clerk = client_in("clerk.sz", "clerk")
    response = clerk.post(reverse("desk_create", args=[CHANGE]), {"person_id_number": ID, "phone": "13900000000",
                                                                  "txn_region": "440300", "reason": "phone change"})
    assert response.status_code == 302, response.content.decode()[:2000]
    txn = changes().get()
    assert attach(clerk, txn, pdf(), "application.pdf", kind="change_application").status_code == 302
    page = client_in("rev.bj", "reviewer1", region=OTHER_REGION).get(reverse("desk_transaction", args=[txn.uid]))
    assert page.status_code == 403 and "13900000000" not in page.content.decode()

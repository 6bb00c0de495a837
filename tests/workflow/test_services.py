"""The review chain (第七条): stages in order, one person one stage, never one's own transaction,
roles per region, documents required, posting atomic, every action and refusal recorded."""

import json
from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow import services
from sirecords.workflow.models import Action, State

pytestmark = pytest.mark.django_db
ID = make_id_number("440305", date(1990, 5, 17), 201)


@pytest.fixture
def team(staff):
    return {name: staff(name, role) for name, role in [
        ("clerk.a", "clerk"), ("rev1", "reviewer1"), ("rev2", "reviewer2"), ("rev3", "reviewer3"), ("appr", "approver")]}


def opened(team, pdf, **payload):
    payload = {"id_number": ID, "name": "赵六", "phone": "13700000000", "region": "440305", **payload}
    txn = services.open_transaction(team["clerk.a"], "register_person", payload, region="440300", reason="窗口登记",
                                    channel="counter")
    services.attach(team["clerk.a"], txn, "id_card", pdf, "身份证.pdf")
    return txn


def approve_all(team, txn):
    for reviewer in ("rev1", "rev2", "rev3", "appr"):
        txn = services.review(team[reviewer], txn, "approve", "核对无误")
    return txn


def test_four_reviewers_in_turn_post_the_registration(team, pdf):
    txn = services.submit(team["clerk.a"], opened(team, pdf))
    assert txn.stage_list == ["review1", "review2", "review3", "approval"] and Person.objects.count() == 0
    txn = approve_all(team, txn)
    assert txn.state == State.POSTED and Person.objects.get().name == "赵六"
    summary = json.loads(Entry.objects.get(txn=txn.uid, kind="transaction.posted").payload)
    assert [step["actor"] for step in summary["review"]] == ["rev1", "rev2", "rev3", "appr"]
    assert [step["stage"] for step in summary["review"]] == ["review1", "review2", "review3", "approval"]
    assert summary["documents"] == [txn.attachments.get().sha256]
    assert Entry.objects.get(txn=txn.uid, kind="person.registered").actor == "clerk.a"
    assert [a.kind for a in txn.actions.all()] == ["create", "attach", "submit", "approve", "approve", "approve", "approve", "post"]
    assert verify(None).ok


def test_the_creator_never_reviews_own_transaction(staff, team, pdf):
    both = staff("clerk.r", "clerk", "reviewer1")
    txn = services.open_transaction(both, "register_person", {"id_number": ID, "name": "赵六", "region": "440305"},
                                    region="440300", reason="r", channel="counter")
    services.attach(both, txn, "id_card", pdf, "a.pdf")
    services.submit(both, txn)
    with pytest.raises(services.Refused, match="you opened this transaction"):
        services.review(both, txn, "approve", "")
    assert txn.actions.filter(kind=Action.Kind.REFUSED, actor="clerk.r").exists()  # refusals are logged


def test_one_person_acts_on_one_stage_only(staff, team, pdf):
    multi = staff("r.multi", "reviewer1", "reviewer2")
    txn = services.submit(team["clerk.a"], opened(team, pdf))
    services.review(multi, txn, "approve", "ok")
    with pytest.raises(services.Refused, match="one person may act on one stage only"):
        services.review(multi, txn, "approve", "ok again")
    txn.refresh_from_db()
    assert txn.due_stage == "review2"


def test_stages_go_in_order_and_need_the_role_in_the_region(staff, team, pdf):
    txn = services.submit(team["clerk.a"], opened(team, pdf))
    with pytest.raises(services.Refused, match="the stage due is 初审"):
        services.review(team["rev2"], txn, "approve", "")
    elsewhere = staff("r1.elsewhere", "reviewer1", region="440100")
    with pytest.raises(services.Refused, match="reviewer1 in region 440300"):
        services.review(elsewhere, txn, "approve", "")


def test_reject_returns_to_the_clerk_who_amends_and_resubmits(team, pdf):
    txn = services.submit(team["clerk.a"], opened(team, pdf))
    services.review(team["rev1"], txn, "approve", "")
    with pytest.raises(InvalidTransaction, match="opinion"):
        services.review(team["rev2"], txn, "reject", "  ")
    txn = services.review(team["rev2"], txn, "reject", "姓名与身份证不符")
    assert txn.state == State.RETURNED
    with pytest.raises(services.Refused, match="only clerk.a"):
        services.amend(team["rev1"], txn, {"id_number": ID, "name": "赵陆", "region": "440305"})
    services.amend(team["clerk.a"], txn, {"id_number": ID, "name": "赵陆", "region": "440305"})
    txn = services.submit(team["clerk.a"], txn)
    assert txn.due_stage == "review1"
    txn = approve_all(team, txn)
    assert Person.objects.get().name == "赵陆"
    # The posted review trail holds the approvals since the resubmission only, not rev1's before the return.
    summary = json.loads(Entry.objects.get(txn=txn.uid, kind="transaction.posted").payload)
    assert [(step["stage"], step["actor"]) for step in summary["review"]] == [
        ("review1", "rev1"), ("review2", "rev2"), ("review3", "rev3"), ("approval", "appr")]
    assert [a.kind for a in txn.actions.all()].count("approve") == 5


def test_documents_are_required_and_checked_by_content(team, pdf, settings):
    txn = services.open_transaction(team["clerk.a"], "register_person", {"id_number": ID, "name": "赵六", "region": "440305"},
                                    region="440300", reason="r", channel="counter")
    with pytest.raises(InvalidTransaction, match="original documents are missing: 居民身份证"):
        services.submit(team["clerk.a"], txn)
    for disguised in (b"MZ\x90\x00" + b"\x00" * 200, b"just text, named scan.pdf", b"GIF89a" + b"\x00" * 50):
        with pytest.raises(InvalidTransaction, match="only PDF, JPEG or PNG"):
            services.attach(team["clerk.a"], txn, "id_card", disguised, "scan.pdf")
    settings.SIRECORDS_MAX_ATTACHMENT_BYTES = 1000
    with pytest.raises(InvalidTransaction, match="at most 1,000 are accepted"):
        services.attach(team["clerk.a"], txn, "id_card", pdf + b" " * 1000, "big.pdf")
    with pytest.raises(InvalidTransaction, match="takes id_card"):
        services.attach(team["clerk.a"], txn, "labour_contract", pdf, "x.pdf")
    assert txn.attachments.count() == 0 and txn.state == State.DRAFT


def test_submit_checks_the_payload_before_any_reviewer_sees_it(team, pdf):
    txn = opened(team, pdf, id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1"))
    with pytest.raises(InvalidTransaction) as invalid:
        services.submit(team["clerk.a"], txn)
    assert "id_number" in invalid.value.errors
    txn.refresh_from_db()
    assert txn.state == State.DRAFT


def test_a_failure_while_posting_leaves_the_approval_undone(team, pdf, monkeypatch):
    from sirecords.ledger import projection

    txn = services.submit(team["clerk.a"], opened(team, pdf))
    for reviewer in ("rev1", "rev2", "rev3"):
        txn = services.review(team[reviewer], txn, "approve", "")
    monkeypatch.setitem(projection._projectors, "person.registered", lambda entry, store: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.review(team["appr"], txn, "approve", "")
    txn.refresh_from_db()
    assert txn.due_stage == "approval" and txn.state == State.SUBMITTED
    assert Entry.objects.filter(txn=txn.uid).count() == 0 and Person.objects.count() == 0


def test_withdraw(team, pdf):
    txn = services.submit(team["clerk.a"], opened(team, pdf))
    with pytest.raises(services.Refused, match="only clerk.a"):
        services.withdraw(team["rev1"], txn, "no")
    txn = services.withdraw(team["clerk.a"], txn, "申请人撤回")
    assert txn.state == State.WITHDRAWN
    with pytest.raises(services.Refused, match="nothing awaits review"):
        services.review(team["rev1"], txn, "approve", "")


def test_only_creator_roles_may_open_a_type(team):
    with pytest.raises(services.Refused, match="needs the role clerk"):
        services.open_transaction(team["rev1"], "register_person", {}, region="440300", reason="r", channel="counter")
    with pytest.raises(services.Refused, match="needs the role maintainer"):
        services.open_transaction(team["clerk.a"], "correction", {}, region="440300", reason="r", channel="counter")


def test_drafts_are_sealed_at_rest(team, pdf):
    txn = opened(team, pdf)
    assert ID not in txn.payload_sealed and "赵六" not in txn.payload_sealed
    assert ID not in txn.summary and ID[:6] in txn.summary


def test_check_draft_runs_the_types_checks_and_writes_nothing():
    from sirecords.ledger.context import WriteContext

    ctx = WriteContext(actor="front-desk-check", reason="checking a draft", channel="counter", region="440300")
    payload = {"id_number": ID, "name": "赵六", "phone": "13700000000", "region": "440305"}
    services.check_draft("register_person", payload, ctx)  # passes: returns, raises nothing
    assert not Person.objects.exists() and not Entry.objects.exists()
    with pytest.raises(InvalidTransaction) as invalid:
        services.check_draft("register_person", {**payload, "id_number": "not an id"}, ctx)
    assert "id_number" in invalid.value.errors

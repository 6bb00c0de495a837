"""Disputes of the record (第十六条), through the services: a person files a request about a month with a scan; someone
who posted that month is refused the re-examination, naming the entry; someone else corrects it through the four
stages and the case is corrected, the record changed; a refusal states its reasons and the right to review; a
referral names the region; an employer disputes only its employees' months with it; the counter needs the signed
request. Each step is in the ledger, the maintenance log and, where it reads the record, the access log; `verify`
passes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sirecords.contributions.models import Contribution
from sirecords.demo.documents import scan
from sirecords.disputes import services
from sirecords.disputes.models import Case, Evidence
from sirecords.disputes.transactions import REMEDY
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.portal.services import holder
from sirecords.records.models import AccessEvent
from sirecords.registry.maintenance_log import maintenance_log
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.documents import DocumentRefused
from sirecords.workflow.services import Refused, review

CREW = (("review1", "reviewer1"), ("review2", "reviewer2"), ("review3", "reviewer3"), ("approval", "approver"))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(staff):
    from sirecords.demo.sample_contributions import post_sample_batch

    post_sample_batch(staff, year=2024)  # 样例: pension for 2024-01 and 2024-02, imported by sample.clerk, two stages
    person = Person.objects.get()
    crew = {stage: staff(f"dx.{role}", role) for stage, role in CREW}
    return {"person": person, "me": holder(f"person:{person.uid}"), "examiner": staff("dx.examiner", "reviewer1"),
            "crew": crew, "clerk": staff("dx.clerk", "clerk"),
            "staff": staff}


def filed(world, **options) -> Case:
    options.setdefault("scans", (services.Document("evidence", png(), "payslip.png"),))
    return services.file(world["me"], person=world["person"].uid, item="contribution", period="2024-02",
                         claim="二月工资为9000元，记录为8000元", channel="web", **options)


def findings() -> list[str]:
    return [f"{f.check} {f.where}: {f.message}" for f in verify().findings]


def test_a_person_files_about_a_month_with_a_scan_and_it_is_received_with_a_due_date(world):
    case = filed(world)
    assert (case.state, case.item, case.period, case.requester_kind, case.requester) == (
        "received", "contribution", "2024-02", "person", f"person:{world['person'].uid}")
    assert case.due_on > case.received_on and "9000" not in case.claim_sealed  # the claim is sealed
    evidence = Evidence.objects.get(case=case.uid)
    assert (evidence.kind, evidence.content_type) == ("evidence", "PNG")
    shown = services.as_json(case)
    assert shown["claim"] == "二月工资为9000元，记录为8000元" and shown["outcome"] is None
    assert [s["state"] for s in shown["steps"]] == ["received", "received"]  # the request, its scan
    assert findings() == []


def test_a_file_claiming_to_be_a_png_that_is_not_one_is_refused_and_nothing_is_recorded(world):
    with pytest.raises(DocumentRefused, match="payslip.png"):
        filed(world, scans=(services.Document("evidence", b"\x89PNG\r\n\x1a\n not really", "payslip.png"),))
    assert not Case.objects.exists()


def test_whoever_posted_the_disputed_month_is_refused_the_examination_naming_the_entry(world):
    case = filed(world)
    batch_seq = Entry.objects.get(kind="contribution_batch.posted").seq
    for poster in ("sample.clerk", "sample.review1", "sample.review2"):
        from sirecords.users.actors import actor_for

        with pytest.raises(Refused, match=f"entry #{batch_seq} \\(contribution_batch.posted\\)"):
            services.examine(actor_for(poster), case.uid, channel="api")
    assert Case.objects.get(uid=case.uid).state == "received"


def test_someone_else_corrects_the_month_through_the_four_stages(world):
    case = filed(world)
    examiner, person = world["examiner"], world["person"]
    row = Contribution.objects.get(person_id=person.uid, period="2024-02")
    txn = services.correct(examiner, case.uid, "correct_contributions", {
        "person": person.uid, "method": "按工资单更正", "rows": [{"row": f"{row.batch_id}:{row.row_number}", "wage": "9000.00"}]},
        channel="api")
    assert txn.type == "correct_dispute" and txn.stage_list == ["review1", "review2", "review3", "approval"]
    assert Case.objects.get(uid=case.uid).state == "examining"
    assert services.in_review([case.uid]) == {case.uid: txn.uid}
    with pytest.raises(InvalidTransaction, match="in review"):
        services.refuse(examiner, case.uid, "不成立", channel="api")
    for stage in txn.stage_list:
        txn = review(world["crew"][stage], txn, "approve", "核对无误")
    assert txn.state == "posted"
    case = Case.objects.get(uid=case.uid)
    assert (case.state, case.transaction, case.examiner) == ("corrected", txn.uid, "dx.examiner")
    corrected = Contribution.objects.filter(person_id=person.uid, period="2024-02", kind="correction").get()
    assert corrected.wage_fen == 900_000
    shown = services.as_json(case)
    outcome = shown["outcome"]
    assert outcome["state"] == "corrected" and outcome["transaction"] == txn.uid
    assert outcome["reason"] == "已更正 corrected: 缴费记录更正"  # the correction named as staff and person read it
    assert [s["step"] for s in shown["steps"]] == ["received", "evidence_added", "examination_started", "corrected"]
    # The examiner read the record for the case: the person sees it among the reads of their record.
    read = AccessEvent.objects.filter(subject=f"person:{person.uid}", actor="dx.examiner").get()
    assert read.purpose.startswith("dispute") and case.uid in read.purpose
    # Each step in the maintenance log (第十二条), the claim opened for the supervisor.
    logged = [r for r in maintenance_log() if r.target == "dispute" and r.uid == case.uid]
    assert [r.kind for r in reversed(logged)] == ["异议受理", "异议材料", "异议复核", "异议更正"]
    assert any(c.field == "claim" and "9000" in c.after for c in logged[-1].changes)
    assert findings() == []


def test_a_refusal_states_its_reasons_and_the_right_to_review_or_litigation(world):
    case = filed(world)
    case = services.refuse(world["examiner"], case.uid, "工资单与单位申报一致，记录无误", channel="api")
    assert case.state == "refused"
    outcome = services.as_json(case)["outcome"]
    assert outcome["reason"].startswith("工资单与单位申报一致，记录无误") and REMEDY in outcome["reason"]
    assert "行政复议" in outcome["reason"] and "行政诉讼" in outcome["reason"]
    with pytest.raises(InvalidTransaction, match="refused"):
        services.examine(world["examiner"], case.uid, channel="api")
    assert findings() == []


def test_a_referral_names_the_region_where_the_months_were_earned(world):
    case = services.refer(world["examiner"], filed(world).uid, "110105", channel="api")
    assert (case.state, case.referred_to) == ("referred", "110105")
    with pytest.raises(InvalidTransaction, match="this region"):
        services.refer(world["examiner"], filed(world).uid, "440300", channel="api")


def test_the_counter_needs_the_signed_written_request(world):
    with pytest.raises(InvalidTransaction, match="written_request"):
        services.file(world["clerk"], person=world["person"].uid, item="registration", claim="姓名有误", channel="counter")
    case = services.file(world["clerk"], person=world["person"].uid, item="registration", claim="姓名有误", channel="counter",
                         scans=(services.Document("written_request", scan("request"), "request.pdf"),))
    assert (case.channel, case.requester) == ("counter", f"person:{world['person'].uid}")
    with pytest.raises(InvalidTransaction, match="written_authorisation"):
        services.file(world["clerk"], person=world["person"].uid, item="registration", claim="姓名有误", channel="counter",
                      requester_kind="delegate", delegate="李四",
                      scans=(services.Document("written_request", scan("request"), "request.pdf"),))


def test_an_employer_disputes_its_employees_months_with_it_only(world):
    from sirecords.registry.models import Employer

    unit = Employer.objects.get()
    user = holder(f"employer:{unit.uid}:hr")
    with pytest.raises(InvalidTransaction, match="never employed"):
        services.file(user, person=world["person"].uid, employer=unit.uid, requester_kind="employer", item="contribution",
                      period="2024-02", claim="申报有误", channel="web")


def test_bad_requests_name_the_field(world):
    with pytest.raises(InvalidTransaction) as refused:
        services.file(world["me"], person=world["person"].uid, item="salary", period="2024-13", claim="", channel="web")
    assert {"item", "claim"} <= set(refused.value.errors)
    with pytest.raises(InvalidTransaction, match="period"):
        services.file(world["me"], person=world["person"].uid, item="contribution", period="2099-01", claim="x", channel="web")
    with pytest.raises(InvalidTransaction, match="period"):
        services.file(world["me"], person=world["person"].uid, item="benefit", period="2024-01", claim="x", channel="web")
    assert not Case.objects.exists()


def test_an_employer_disputes_its_own_registration_naming_no_person(world):
    from sirecords.registry.models import Employer

    unit = Employer.objects.get()
    user = holder(f"employer:{unit.uid}:hr")
    case = services.file(user, employer=unit.uid, requester_kind="employer", requester=user.username,
                         item="registration", claim="单位地址登记有误", channel="web")
    assert (case.person, case.employer, case.state) == ("", unit.uid, "received")
    assert services.subject_masked(case) == unit.uscc and services.for_employer(unit.uid) == [case]
    with pytest.raises(InvalidTransaction, match="own registration"):
        services.file(user, employer=unit.uid, requester_kind="employer", requester=user.username, item="contribution",
                      period="2024-02", claim="申报有误", channel="web")
    assert findings() == []


def test_evidence_for_a_decided_case_is_refused_before_it_is_stored(world):
    case = services.refuse(world["examiner"], filed(world).uid, "记录无误", channel="api")
    with pytest.raises(InvalidTransaction, match="refused"):
        services.add_evidence(world["me"], case, services.Document("evidence", b"not even a picture", "x.png"),
                              channel="web")
    assert Evidence.objects.filter(case=case.uid).count() == 1  # the request's own scan only


def test_staff_handle_the_cases_of_their_regions_only(world):
    case = filed(world)
    far = world["staff"]("dx.far", "reviewer1", region="110105")
    supervisor = world["staff"]("dx.super", "supervisor")
    assert services.handles(world["examiner"], case) and not services.handles(far, case)
    assert not services.handles(supervisor, case) and services.handles(supervisor, case, services.READERS)
    assert services.listing(actor=far) == [] and services.listing(actor=supervisor) == [case]
    assert services.handled(far, case.uid) is None and services.handled(world["examiner"], case.uid) == case

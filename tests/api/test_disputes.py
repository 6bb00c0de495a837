"""Disputes of the record (第十六条) over the API (api/disputes.py): a person files about a month with their bearer token
and adds a payslip scan; another person's case is 404; a file that is no PNG is 422 and nothing is recorded; whoever
posted the disputed month is refused the re-examination (403 naming the entry); someone else corrects it through the
four stages and the case shows corrected in the person's and the staff's lists; a refusal states the right to review
or litigation; a referral names the region; an employer disputes an employee's month within their period only; the
staff's list filters by state and masks the subject; another region's staff and a department's feed token get nothing.

The world is tests/portal/record_setup.py's (样例 with 2024-01 and 2024-02 imported by sample.clerk, reviewed by
sample.review1 and sample.review2, employed by 样例公司 since 2023-06; 李四 with an account of their own)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import typing
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from sirecords.api import disputes as dispute_api
from sirecords.contributions.models import Contribution
from sirecords.core.identifiers import make_id_number
from sirecords.disputes.models import Case, DisputeItem, Evidence
from sirecords.ledger.models import Entry
from sirecords.registry.models import Employer
from sirecords.users import api_sessions
from sirecords.users.actors import actor_for
from sirecords.workflow.services import review

from ..conftest import REGION, create_staff_account, issue_approved_token, post_entries, staff_factory, test_admin
from ..portal.conftest import employer_account, register_employer
from ..portal.employer.conftest import employer_token
from ..portal.record_setup import api_token, me, other, world  # noqa: F401  (fixtures)
from .conftest import bearer

pytestmark = pytest.mark.django_db
CLAIM = "二月工资为9000元，记录为8000元"
CREW = {"review1": "rec.r1", "review2": "rec.r2", "review3": "rec.r3", "approval": "rec.ap"}  # make_credited's


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def tokens(world, django_db_blocker):  # noqa: F811
    """Everyone's bearer token, made once (in the outer transaction of the module's `world`)."""
    from sirecords.core.identifiers import make_uscc

    me_, other_ = world
    with django_db_blocker.unblock():
        staff = staff_factory()
        staff("dx.examiner", "reviewer1")
        staff("dx.clerk", "clerk")
        staff("dx.super", "supervisor")
        staff("dx.query", "query_officer")
        staff("dx.far", "reviewer1", region="110105")  # another region's examiner
        clerk, reviewer = actor_for("dx.clerk"), actor_for("rec.r1")
        unit = Employer.objects.get(uscc=make_uscc("9", "1", REGION, "MA5T0404"))
        made = {"me": api_token(me_), "other": api_token(other_),
                "unit": employer_token(employer_account(unit, clerk, reviewer), unit.uscc)}
        stranger = register_employer(post_entries)
        made["other unit"] = employer_token(employer_account(stranger, clerk, reviewer), stranger.uscc)
        for username in ("dx.examiner", "dx.super", "dx.query", "dx.far", "sample.clerk", "sample.review1",
                         "sample.review2", "admin.t"):
            made[username] = api_sessions.issue(username)[0]
        create_staff_account(test_admin(), "svc.feed", "clerk", kind="service")
        made["feed"] = issue_approved_token(test_admin(), "svc.feed", "feed:person_events")
    yield made


@pytest.fixture
def api(tokens):
    def client(who: str) -> Client:
        return Client(**bearer(tokens[who]))

    return client


def file_month(api, who="me", period="2024-02", claim=CLAIM) -> dict:
    response = api(who).post("/api/me/disputes", {"item": "contribution", "period": period, "claim": claim},
                             content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def add_scan(api, case: str, data: bytes, name="payslip.png", who="me", **form):
    return api(who).post(f"/api/me/disputes/{case}/evidence", {"file": SimpleUploadedFile(name, data), **form})


def staff_list(api, who="dx.examiner", query="") -> list[dict]:
    response = api(who).get(f"/api/disputes{query}")
    assert response.status_code == 200, response.content
    return response.json()


# --- the person ------------------------------------------------------------------------------------------------------------


def test_a_person_files_about_a_month_adds_a_payslip_scan_and_sees_its_steps(api, me):  # noqa: F811
    filed = file_month(api)
    assert filed["state"] == "received" and filed["due_on"] > date.today().isoformat()
    case = filed["case"]
    data = png()
    added = add_scan(api, case, data)
    assert added.status_code == 201, added.content
    assert added.json()["kind"] == "evidence" and added.json()["content_type"] == "PNG"
    assert added.json()["sha256"] == hashlib.sha256(data).hexdigest()
    listed = api("me").get("/api/me/disputes")
    assert listed.status_code == 200
    [shown] = listed.json()
    assert (shown["case"], shown["item"], shown["period"], shown["claim"], shown["state"], shown["due_on"]) == (
        case, "contribution", "2024-02", CLAIM, "received", filed["due_on"])
    assert [step["state"] for step in shown["steps"]] == ["received", "received"]  # the request, its scan
    assert all(step["at"].endswith("Z") for step in shown["steps"]) and shown["outcome"] is None
    assert [(e["kind"], e["sha256"]) for e in shown["evidence"]] == [("evidence", hashlib.sha256(data).hexdigest())]
    assert api("me").get(f"/api/me/disputes/{case}").json()["case"] == case
    stored = Case.objects.get(uid=case)
    assert (stored.person, stored.requester, stored.channel) == (me.person.uid, f"person:{me.person.uid}", "api")
    assert CLAIM not in stored.claim_sealed  # sealed at rest


def test_a_written_authorisation_may_be_added_and_an_unknown_kind_is_422(api):
    case = file_month(api)["case"]
    added = add_scan(api, case, png(), kind="written_authorisation")
    assert added.status_code == 201 and added.json()["kind"] == "written_authorisation"
    refused = add_scan(api, case, png(), name="other.png", kind="written_request")  # the counter's, not the person's
    assert refused.status_code == 422 and "kind" in refused.json()["errors"], refused.content


def test_the_person_is_the_tokens_and_an_unknown_key_is_422_naming_it(api, me, other):  # noqa: F811
    response = api("me").post("/api/me/disputes", {"item": "registration", "claim": "姓名有误", "person": other.person.uid},
                              content_type="application/json")
    assert response.status_code == 422 and "person" in response.json()["errors"], response.content
    response = api("me").get("/api/me/disputes", {"person": other.person.uid})
    assert response.status_code == 422 and "person" in response.json()["errors"]
    bad = api("me").post("/api/me/disputes", {"item": "salary", "period": "2024-13", "claim": ""},
                         content_type="application/json")
    assert bad.status_code == 422 and "item" in bad.json()["errors"]
    future = api("me").post("/api/me/disputes", {"item": "contribution", "period": "2099-01", "claim": "x"},
                            content_type="application/json")
    assert future.status_code == 422 and "period" in future.json()["errors"]
    assert not Case.objects.exists()


def test_another_persons_case_is_404_and_logged(api, caplog):
    case = file_month(api)["case"]
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        assert api("other").get(f"/api/me/disputes/{case}").status_code == 404
        assert add_scan(api, case, png(), who="other").status_code == 404
    assert sum(case in r.getMessage() for r in caplog.records if r.name == "sirecords.security") == 2
    assert api("other").get("/api/me/disputes").json() == []
    assert api("me").get("/api/me/disputes/" + "0" * 32).status_code == 404  # the same as an unknown case
    assert not Evidence.objects.filter(case=case).exists()


def test_a_file_named_png_that_is_not_one_is_422_and_nothing_is_recorded(api):
    case = file_month(api)["case"]
    entries = Entry.objects.count()
    response = add_scan(api, case, b"\x89PNG\r\n\x1a\n not really a picture", name="payslip.png")
    assert response.status_code == 422, response.content
    assert "payslip.png" in response.json()["errors"]["file"]
    assert not Evidence.objects.filter(case=case).exists() and Entry.objects.count() == entries


# --- the re-examination ----------------------------------------------------------------------------------------------------


def test_whoever_posted_the_disputed_month_is_refused_naming_the_entry(api):
    case = file_month(api)["case"]
    batch = Entry.objects.get(kind="contribution_batch.posted").seq
    for poster in ("sample.clerk", "sample.review1", "sample.review2"):
        for step, body in (("examine", {}), ("refuse", {"reason": "记录无误"}),
                           ("correct", {"type": "correct_contributions", "payload": {}})):
            response = api(poster).post(f"/api/disputes/{case}/{step}", body, content_type="application/json")
            assert response.status_code == 403, (poster, step, response.content)
            assert f"entry #{batch} (contribution_batch.posted)" in response.json()["detail"]
    assert Case.objects.get(uid=case).state == "received"


def test_someone_else_corrects_the_month_through_the_four_stages(api, me):  # noqa: F811
    case = file_month(api)["case"]
    add_scan(api, case, png())
    row = Contribution.objects.get(person_id=me.person.uid, period="2024-02")
    response = api("dx.examiner").post(f"/api/disputes/{case}/correct", {
        "type": "correct_contributions", "payload": {"person": me.person.uid, "method": "按工资单更正",
                                                     "rows": [{"row": f"{row.batch_id}:{row.row_number}", "wage": "9000.00"}]}},
        content_type="application/json")
    assert response.status_code == 201, response.content
    answer = response.json()
    txn = answer["transaction"]
    assert (answer["case"], answer["state"], answer["stages"]) == (case, "examining",
                                                                   ["review1", "review2", "review3", "approval"])
    [listed] = staff_list(api, query="?state=examining")
    assert (listed["case"], listed["transaction"], listed["examiner"]) == (case, txn, "dx.examiner")
    from sirecords.workflow.models import BusinessTransaction

    posted = BusinessTransaction.objects.get(uid=txn)
    for stage in posted.stage_list:
        posted = review(actor_for(CREW[stage]), posted, "approve", "核对无误")
    assert posted.state == "posted"
    [mine] = api("me").get("/api/me/disputes").json()
    assert mine["state"] == "corrected" and mine["outcome"]["state"] == "corrected"
    assert mine["outcome"]["transaction"] == txn and [s["state"] for s in mine["steps"]][-1] == "corrected"
    [staff_view] = staff_list(api, query="?state=corrected")
    assert staff_view["outcome"]["transaction"] == txn and staff_view["transaction"] == txn
    assert Contribution.objects.get(person_id=me.person.uid, period="2024-02", kind="correction").wage_fen == 900_000


def test_a_refusal_states_its_reasons_and_the_right_to_review_or_litigation(api):
    case = file_month(api)["case"]
    response = api("dx.examiner").post(f"/api/disputes/{case}/refuse", {"reason": "工资单与单位申报一致，记录无误"},
                                       content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["case"], response.json()["state"]) == (case, "refused")
    [mine] = api("me").get("/api/me/disputes").json()
    reason = mine["outcome"]["reason"]
    assert reason.startswith("工资单与单位申报一致，记录无误") and "行政复议" in reason and "行政诉讼" in reason
    # A decided case takes no more steps and no more evidence.
    again = api("dx.examiner").post(f"/api/disputes/{case}/examine")
    assert again.status_code == 422 and "case" in again.json()["errors"]
    late = add_scan(api, case, png())
    assert late.status_code == 422 and "refused" in late.json()["errors"]["case"], late.content
    assert not Evidence.objects.filter(case=case).exists()


def test_examine_then_refer_names_the_region(api):
    case = file_month(api)["case"]
    examined = api("dx.examiner").post(f"/api/disputes/{case}/examine")
    assert examined.status_code == 200 and examined.json()["state"] == "examining", examined.content
    response = api("dx.examiner").post(f"/api/disputes/{case}/refer", {"region": "110105"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["case"], response.json()["state"], response.json()["region"]) == (case, "referred", "110105")
    assert api("me").get("/api/me/disputes").json()[0]["outcome"]["region"] == "110105"
    here = api("dx.examiner").post(f"/api/disputes/{file_month(api)['case']}/refer", {"region": REGION},
                                   content_type="application/json")
    assert here.status_code == 422 and "region" in here.json()["errors"]


# --- the employer ----------------------------------------------------------------------------------------------------------


def employer_files(api, who="unit", **body):
    return api(who).post("/api/employer/disputes", {"item": "contribution", "period": "2024-02", "claim": "申报工资有误", **body},
                         content_type="application/json")


def test_an_employer_disputes_an_employees_month_within_their_period(api, me):  # noqa: F811
    response = employer_files(api, id_number=me.id_number)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["state"] == "received" and answer["subject"] == me.person.masked_id_number
    case = Case.objects.get(uid=answer["case"])
    unit = Employer.objects.get(name="样例公司")
    assert (case.requester_kind, case.employer, case.person, case.requester) == (
        "employer", unit.uid, me.person.uid, f"employer:{unit.uid}:hr")
    assert [c["case"] for c in api("unit").get("/api/employer/disputes").json()] == [case.uid]
    assert api("other unit").get("/api/employer/disputes").json() == []
    assert me.id_number not in response.content.decode()
    # The employee sees the request about their record among their own cases.
    assert [c["case"] for c in api("me").get("/api/me/disputes").json()] == [case.uid]


def test_an_employer_is_refused_for_a_person_it_never_employed(api, other):  # noqa: F811
    never = employer_files(api, id_number=other.id_number)
    assert never.status_code == 422 and "never employed" in never.json()["errors"]["person"], never.content
    nobody = employer_files(api, id_number=make_id_number(REGION, date(1990, 1, 1), 998))
    assert nobody.status_code == 422 and nobody.json()["errors"] == never.json()["errors"]  # tells no more
    invalid = employer_files(api, id_number="440300199001011234")
    assert invalid.status_code == 422 and "id_number" in invalid.json()["errors"]
    outside = employer_files(api, id_number=other.id_number, period="2023-01")
    assert outside.status_code == 422 and "person" in outside.json()["errors"]
    assert not Case.objects.exists()


def test_an_employer_disputes_its_own_registration_without_an_id_number(api):
    own = employer_files(api, item="registration", period="", claim="单位地址登记有误")
    assert own.status_code == 201, own.content
    from sirecords.registry.models import Employer

    assert own.json()["subject"] in set(Employer.objects.values_list("uscc", flat=True))  # the unit's credit code
    month = employer_files(api)  # a month of nobody
    assert month.status_code == 422 and "person" in month.json()["errors"]


# --- the staff's list and who may act --------------------------------------------------------------------------------------


def test_the_staff_list_filters_by_state_and_masks_the_subject(api, me):  # noqa: F811
    first, second = file_month(api)["case"], file_month(api, period="2024-01")["case"]
    api("dx.examiner").post(f"/api/disputes/{second}/refuse", {"reason": "记录无误"}, content_type="application/json")
    assert [c["case"] for c in staff_list(api, query="?state=received")] == [first]
    [refused] = staff_list(api, query="?state=refused")
    assert refused["case"] == second and "行政复议" in refused["outcome"]["reason"]
    everything = staff_list(api, who="dx.super")
    assert {c["case"] for c in everything} == {first, second}
    assert {c["subject"] for c in everything} == {me.person.masked_id_number}
    assert all(c["overdue"] is False for c in everything)
    response = api("dx.super").get("/api/disputes")
    text = response.content.decode()
    assert me.id_number not in text and me.person.name not in text and me.person.uid not in text
    assert staff_list(api, query="?overdue=true") == []
    # The list shows the claims, the person's own words: each listing is a read of the person's record, logged.
    from sirecords.records.models import AccessEvent

    listed = AccessEvent.objects.filter(subject=f"person:{me.person.uid}", actor="dx.super", what="dispute case: list")
    assert listed.count() >= 2 and all(e.purpose.startswith("dispute") for e in listed)
    bad = api("dx.examiner").get("/api/disputes?state=closed")
    assert bad.status_code == 422 and "state" in bad.json()["errors"]


def test_another_regions_staff_neither_see_nor_act(api, caplog):
    case = file_month(api)["case"]
    assert staff_list(api, who="dx.far") == []
    with caplog.at_level(logging.WARNING, logger="sirecords.security"):
        for step, body in (("examine", {}), ("refuse", {"reason": "记录无误"}), ("refer", {"region": "110105"}),
                           ("correct", {"type": "correct_contributions", "payload": {}})):
            response = api("dx.far").post(f"/api/disputes/{case}/{step}", body, content_type="application/json")
            assert response.status_code == 404, (step, response.content)
    assert sum(case in r.getMessage() for r in caplog.records if r.name == "sirecords.security") == 4
    assert Case.objects.get(uid=case).state == "received"


@pytest.mark.parametrize("who", ["dx.query", "admin.t", "feed", "dx.super"])
def test_who_may_not_take_a_step(api, who):
    case = file_month(api)["case"]
    for step in ("examine", "refuse", "refer", "correct"):
        response = api(who).post(f"/api/disputes/{case}/{step}", {}, content_type="application/json")
        assert response.status_code == 403, (who, step, response.content)
    listing = api(who).get("/api/disputes")
    assert listing.status_code == (200 if who == "dx.super" else 403), (who, listing.content)
    assert Case.objects.get(uid=case).state == "received"


def test_staff_and_portal_tokens_do_not_cross(api):
    case = file_month(api)["case"]
    assert api("me").get("/api/disputes").status_code == 401  # a person's token is unknown to the staff endpoints
    assert api("unit").post(f"/api/disputes/{case}/examine").status_code == 401
    assert api("dx.examiner").get("/api/me/disputes").status_code == 401
    assert api("me").get("/api/employer/disputes").status_code == 401
    assert Client().get("/api/me/disputes").status_code == 401


# --- the contract ------------------------------------------------------------------------------------------------------


def test_the_items_and_roles_agree_with_the_domain():
    from sirecords.api.rules import DISPUTE_EXAMINERS, DISPUTE_READERS
    from sirecords.disputes.services import READERS
    from sirecords.disputes.transactions import EXAMINERS

    assert typing.get_args(dispute_api.Item) == tuple(DisputeItem.values)
    assert DISPUTE_EXAMINERS == frozenset(EXAMINERS) and DISPUTE_READERS == frozenset(READERS)


def test_every_endpoint_is_in_the_openapi_document_with_schemas(client):
    document = client.get("/api/openapi.json").json()
    operations = {("post", "/api/me/disputes"): "201", ("get", "/api/me/disputes"): "200",
                  ("get", "/api/me/disputes/{case}"): "200", ("post", "/api/me/disputes/{case}/evidence"): "201",
                  ("post", "/api/employer/disputes"): "201", ("get", "/api/employer/disputes"): "200",
                  ("get", "/api/disputes"): "200", ("post", "/api/disputes/{case}/examine"): "200",
                  ("post", "/api/disputes/{case}/refuse"): "200", ("post", "/api/disputes/{case}/correct"): "201",
                  ("post", "/api/disputes/{case}/refer"): "200"}
    for (method, path), status in operations.items():
        operation = document["paths"][path][method]
        assert operation.get("summary") and {"401", "422"} <= set(operation["responses"]), (method, path)
        schema = json.dumps(operation["responses"][status]["content"]["application/json"]["schema"])
        assert "$ref" in schema, (method, path, schema)
    schemas = document["components"]["schemas"]
    assert {"case", "item", "period", "claim", "state", "due_on", "steps", "outcome"} <= set(schemas["CaseOut"]["properties"])
    assert {"subject", "overdue", "examiner"} <= set(schemas["StaffCaseOut"]["properties"])
    assert {"item", "period", "claim"} == set(schemas["DisputeIn"]["properties"])
    assert all(schemas[name].get("description") or any(p.get("description") for p in schemas[name]["properties"].values())
               for name in ("DisputeIn", "EmployerDisputeIn", "CaseOut", "StaffCaseOut", "OutcomeOut", "EvidenceOut"))

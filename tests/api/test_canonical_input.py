"""The API's input is made canonical before it is checked (core/text.py): full-width digits are read as ASCII and
stored so; Arabic-Indic digits, NUL and other control characters, and over-long text are a 422 naming the field,
never a 500 (PostgreSQL refuses NUL in text), and nothing is written."""

import pytest
from django.urls import reverse

from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import transaction_type_named
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.services import payload_of

from .conftest import REGION, id_number, person_payload
from .test_lifecycle import JSON, attach, create, errors, submit

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@pytest.fixture
def desk(staff_client):
    return staff_client("clerk.canon", "clerk")


def test_full_width_region_and_fields_are_stored_as_ascii(desk):
    answer = desk.post(reverse("api:txn_create"), {"type": "register_person", "region": REGION.translate(FULL_WIDTH),
                                                   "reason": "  walk-in registration  ",
                                                   "payload": person_payload(region="４４０３０５", phone="１３８００１３８０００",
                                                                             registered_on="２０２４－０１－１５")},
                       content_type=JSON)
    assert answer.status_code == 201, answer.content
    txn = BusinessTransaction.objects.get(uid=answer.json()["uid"])
    assert txn.region == REGION and txn.reason == "walk-in registration"
    context = WriteContext(actor="t", reason="t", channel="api", region=txn.region)
    entries = transaction_type_named("register_person").build(payload_of(txn), context)
    assert entries[0].payload["region"] == "440305" and entries[0].payload["registered_on"] == "2024-01-15"


@pytest.mark.parametrize("field, value", [("reason", "walk-in\x00registration"), ("reason", "x" * 2001),
                                          ("region", "٤٤٠٣٠٠"), ("region", "440300\x00")])
def test_bad_request_fields_are_a_422_naming_the_field(desk, field, value):
    body = {"type": "register_person", "region": REGION, "reason": "walk-in", "payload": person_payload(), field: value}
    problems = errors(desk.post(reverse("api:txn_create"), body, content_type=JSON))
    assert field in problems, problems
    assert not BusinessTransaction.objects.filter(type="register_person").exists()


@pytest.mark.parametrize("field, value", [("name", "张\x00三"), ("name", "张" * 51), ("region", "٤٤٠٣٠٥"),
                                          ("phone", "١٣٨٠٠١٣٨٠٠٠"), ("address", "深圳\u202e市")])
def test_bad_payload_fields_are_refused_at_submission_naming_the_field(desk, pdf, field, value):
    answer = create(desk, person_payload(**{field: value}))
    assert answer.status_code == 201  # a draft may hold anything; the checks run on submit
    uid = answer.json()["uid"]
    assert attach(desk, uid, pdf).status_code == 201
    problems = errors(submit(desk, uid))
    assert field in problems, problems
    assert BusinessTransaction.objects.get(uid=uid).state == "draft"


def test_review_opinion_and_withdraw_reason_refuse_nul(desk, staff_client, pdf):
    uid = create(desk).json()["uid"]
    problems = errors(desk.post(reverse("api:txn_withdraw", args=[uid]), {"reason": "by\x00mistake"}, content_type=JSON))
    assert "reason" in problems
    attach(desk, uid, pdf)
    assert submit(desk, uid).status_code == 200
    reviewer = staff_client("rev.canon", "reviewer1")
    problems = errors(reviewer.post(reverse("api:txn_review", args=[uid]), {"decision": "reject", "opinion": "no\x00"},
                                    content_type=JSON))
    assert "opinion" in problems
    assert BusinessTransaction.objects.get(uid=uid).state == "submitted"


def test_person_lookup_reads_a_full_width_id_number(desk, post_txn):
    number = id_number()
    post_txn("register_person", person_payload(id_number=number))
    answer = desk.post(reverse("api:person_lookup") + "?purpose=counter&purpose_detail=counter+enquiry",
                       {"id_number": number.translate(FULL_WIDTH)}, content_type=JSON)
    assert answer.status_code == 200, answer.content
    problems = errors(desk.post(reverse("api:person_lookup") + "?purpose=counter&purpose_detail=counter+enquiry",
                                {"id_number": number[:-1] + "\x00"}, content_type=JSON))
    assert "id_number" in problems
    problems = errors(desk.get(reverse("api:employer_lookup", args=["9144030\x00MA5F0001X"])))
    assert "uscc" in problems

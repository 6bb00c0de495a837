"""A department's channel: POST /api/feeds/{kind} with a text/csv body, for its token holding feed:KIND — 201 with the
outcome, 409 for a file seen before, 422 naming line, field and reason (nothing recorded); the token pushes no other
feed and reads no record."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sirecords.crosschecks.models import Discrepancy, FeedFile
from sirecords.ledger.models import Entry

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from ..conftest import create_staff_account, issue_approved_token
from .conftest import PERSON_EVENTS, feed
from .test_person_events import row, world  # noqa: F401


def department(staff, username: str, scopes: str) -> Client:
    create_staff_account(staff.admin, username, "clerk", kind="service")
    token = issue_approved_token(staff.admin, username, scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def push(client: Client, kind: str, data: bytes, content_type: str = "text/csv"):
    return client.post(reverse("api:feed_receive", args=[kind]) + "?reason=民政死亡数据", data, content_type=content_type)


def test_a_department_pushes_its_feed_and_nothing_else(world, staff):  # noqa: F811
    civil = department(staff, "dept.civil", "feed:person_events")
    data = feed(PERSON_EVENTS, row(world["one"], "died", "2024-07-20"))
    answer = push(civil, "person_events", data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["discrepancies"] == {"pensioner_died": 1} and body["rows"] == 1 and len(body["transaction"]) == 32
    assert push(civil, "person_events", data).status_code == 409
    entries = Entry.objects.count()
    refused = push(civil, "payment_returns", b"id_number,month,amount,reason,reference\n")
    assert refused.status_code == 403 and "feed:payment_returns" in refused.json()["detail"]
    read = civil.post(reverse("api:person_record") + "?purpose=counter&purpose_detail=check",
                      {"id_number": world["one"].id_number}, content_type="application/json")
    assert read.status_code == 403
    assert Entry.objects.count() == entries


def test_a_bad_feed_is_422_with_its_line_and_records_nothing(world, staff):  # noqa: F811
    civil = department(staff, "dept.civil2", "feed:person_events")
    answer = push(civil, "person_events", feed(PERSON_EVENTS, row(world["one"], "died", "2099-07-20")))
    assert answer.status_code == 422
    assert {k: answer.json()[k] for k in ("line", "field", "reason")} == {
        "line": 2, "field": "event_on", "reason": "2099-07-20 is in the future"}
    assert push(civil, "person_events", b"x", content_type="application/json").status_code == 415
    assert not FeedFile.objects.exists() and not Discrepancy.objects.exists()


def test_a_feed_larger_than_the_upload_limit_is_413_and_records_nothing(world, staff):  # noqa: F811
    from django.conf import settings

    civil = department(staff, "dept.civil3", "feed:person_events")
    answer = push(civil, "person_events", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert answer.status_code == 413, answer.content
    assert not FeedFile.objects.exists()


def test_a_bad_period_is_422_naming_it(world, staff):  # noqa: F811
    civil = department(staff, "dept.civil4", "feed:person_events")
    answer = civil.post(reverse("api:feed_receive", args=["person_events"]) + "?reason=x&period=" + "2024-13" * 5,
                        feed(PERSON_EVENTS, row(world["one"], "died", "2024-07-20")), content_type="text/csv")
    assert answer.status_code == 422 and answer.json()["field"] == "period", answer.content
    assert "is not YYYY-MM" in answer.json()["errors"]["period"]
    assert not FeedFile.objects.exists()

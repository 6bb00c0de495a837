"""Time limits and progress of a transfer (transfers/progress.py, queries.py): the due date in working days with the
holiday calendar (SIRECORDS_TRANSFER_DUE_DAYS), the steps of each state as plain dicts with dates and the region's
name, overdue judged on the day after the due date, and which transfers each reader's list holds."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from sirecords.transactions.actors import Actor
from sirecords.transfers import progress, queries
from sirecords.transfers.models import Transfer

from .progress_setup import OLD, OLD_NAME, close, receive, register_region, request, send
from .test_transfers import person

pytestmark = pytest.mark.django_db


def test_due_on_counts_the_setting_s_working_days_with_the_holiday_calendar(settings):
    assert settings.SIRECORDS_TRANSFER_DUE_DAYS == 15
    assert progress.due_on(date(2025, 1, 27)) == "2025-02-24"  # over the Spring Festival and its worked Saturday
    assert progress.due_on(date(2026, 9, 18)) == "2026-10-15"  # over Mid-Autumn and National Day
    settings.SIRECORDS_TRANSFER_DUE_DAYS = 3
    assert progress.due_on(date(2026, 9, 30)) == "2026-10-10"  # 09-30 → [10-01..07] 08, 09, 10 (Sat, worked)


@pytest.fixture
def requested(post_txn) -> Transfer:
    """A person of tests/transfers/test_transfers.py (three paid months here) who asked for their record from OLD."""
    from sirecords.registry.queries import find_person_by_id_number

    register_region()
    return request(find_person_by_id_number(person(post_txn)).uid)


def test_a_request_awaits_the_region_left_s_answer_until_its_due_date(requested):
    today = date.today()
    due = progress.due_date(requested)
    assert due == requested.due_on  # the one the request's entry carries
    item = progress.as_json(requested)
    assert (item["state"], item["direction"], item["other_region"], item["other_region_name"]) == (
        "requested", "in", OLD, OLD_NAME)
    assert (item["requested_on"], item["due_on"], item["ended_on"], item["overdue"]) == (today.isoformat(), due, None,
                                                                                         False)
    assert item["steps"] == [
        {"step": "requested", "status": "done", "on": today.isoformat()},
        {"step": "answer", "status": "awaited", "on": None, "due_on": due, "overdue": False},
        {"step": "received", "status": "upcoming", "on": None}]
    assert json.loads(json.dumps(item)) == item  # plain JSON values only
    due_day = date.fromisoformat(due)
    assert not progress.overdue(requested, due_day)  # the due day itself is in time
    assert progress.overdue(requested, due_day + timedelta(days=1))
    assert progress.steps(requested, due_day + timedelta(days=1))[1]["overdue"] is True


def test_a_closed_transfer_ends_with_the_refusal_and_a_received_one_with_what_moved(requested, post_txn):
    closed = close(requested, "该人员在我区的缴费记录有误，更正后再办理")
    item = progress.as_json(closed)
    assert (item["state"], item["due_on"], item["overdue"], item["refusal"]) == (
        "closed", None, False, "该人员在我区的缴费记录有误，更正后再办理")
    assert [(s["step"], s["status"]) for s in item["steps"]] == [("requested", "done"), ("answer", "done"),
                                                                 ("closed", "done")]
    assert item["steps"][-1] == {"step": "closed", "status": "done", "on": date.today().isoformat(),
                                 "refusal": "该人员在我区的缴费记录有误，更正后再办理"}
    assert "refusal" not in progress.as_json(closed, refusal=False)["steps"][-1]
    assert "months" not in progress.as_json(closed, figures=False)

    again = request(closed.person)  # closed: a new request may be made
    received = receive(again, [("2019-01", 600000), ("2019-02", 600000)])
    item = progress.as_json(received)
    assert (item["state"], item["months"], item["account_fen"], item["pooled_fen"], item["steps"][-1]["step"]) == (
        "received", 2, 96000, 144000, "received")  # 8 % and 12 % of 2 × 6,000
    assert item["steps"][-1]["on"] == date.today().isoformat() and item["due_on"] is None


def test_a_record_sent_is_one_step(post_txn):
    from sirecords.registry.queries import find_person_by_id_number

    register_region()
    sent = send(find_person_by_id_number(person(post_txn, sequence=12)))
    assert (sent.direction, sent.state) == ("out", "sent")
    assert progress.steps(sent) == [{"step": "sent", "status": "done", "on": date.today().isoformat()}]


def test_the_staff_list_is_of_their_regions_by_due_date_and_masks_the_subject(requested):
    here = Actor("rev", frozenset({("reviewer1", "440300")}))
    far = Actor("far", frozenset({("reviewer1", "110105"), ("supervisor", "110105")}))
    query = Actor("query", frozenset({("query_officer", "440300")}))
    assert queries.listing(actor=here) == [requested]
    assert queries.listing(actor=far) == [] and queries.listing(actor=query) == []
    assert queries.listing(open_only=True) == [requested] and queries.listing("closed") == []
    assert queries.listing(overdue_only=True) == []
    assert queries.listing(overdue_only=True, today=date.today() + timedelta(days=40)) == [requested]
    [row] = queries.staff_json([requested])
    from sirecords.registry.models import Person

    subject = Person.objects.get(uid=requested.person)
    assert row["subject"] == subject.masked_id_number and subject.id_number not in json.dumps(row, ensure_ascii=False)
    assert "refusal" not in row and "name" not in row


def test_the_readers_are_the_rule_tables(settings):
    from sirecords.api.rules import RULES as API_RULES
    from sirecords.api.transfers import State
    from sirecords.transfers.models import TransferState
    from sirecords.users.access import roles
    from sirecords.web.rules_transfers import READERS

    assert READERS == API_RULES["api:transfers"] == roles(*queries.READERS)
    assert set(State.__args__) == set(TransferState.values)

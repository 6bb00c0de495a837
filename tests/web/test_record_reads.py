"""The record pages' reads (issue 9, findings 9–11 and 13): a purpose is asked for before the record shows and is
remembered for that person a short while; staff of another region are refused; unknown numbers are logged; the read
limits refuse with a clear page (429) and supervisors see the alert on their pages; supervisors' and pending
registrations' reads are logged with the right purpose and subject."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from sirecords.core.identifiers import make_id_number
from sirecords.records.models import AccessEvent, ReadAlert
from sirecords.registry.subjects import id_number_subject

from ..records import conftest as readers
from ..records.conftest import OTHER_REGION, person_payload
from .test_desk_support import ID, open_person, submit
from .test_desk_support import attach as attach_document
from .test_desk_support import pdf as scan

pytestmark = pytest.mark.django_db
client_in = readers.client_in  # the fixture tests/records shares: a client signed in with roles in one region

PURPOSE = {"purpose": "counter", "purpose_detail": "本人查询缴费记录"}
LIMITS = {"user": {"hour": 1, "day": 300}, "token": {"hour": 120, "day": 600}, "lookups": "100/m", "probes": "100/h"}


@pytest.fixture
def person(db, post_txn):
    return post_txn("register_person", person_payload(id_number=ID))[0].payload["person"]


def record_url(uid: str, year: str = "") -> str:
    return reverse("record_person", args=[uid]) + (f"?year={year}" if year else "")


def test_the_record_asks_for_a_purpose_first_and_remembers_it_for_that_person(person, client_in):
    clerk = client_in("clerk.sz", "clerk")
    first = clerk.get(record_url(person))
    page = first.content.decode()
    assert first.status_code == 200 and 'id="record-purpose"' in page
    assert "张三" not in page and 'id="record-header"' not in page
    assert not AccessEvent.objects.exists()
    poor = clerk.post(record_url(person), {"purpose": "counter", "purpose_detail": "."})
    assert poor.status_code == 400 and 'id="id_purpose_detail_error"' in poor.content.decode()
    assert not AccessEvent.objects.exists()
    stated = clerk.post(record_url(person, "2024"), PURPOSE)
    assert stated.status_code == 302 and stated["Location"] == record_url(person, "2024")
    shown = clerk.get(stated["Location"]).content.decode()
    assert 'id="record-header"' in shown and "张三" in shown and "本人查询缴费记录" in shown
    assert clerk.get(record_url(person, "2023")).status_code == 200  # another page of the record: not asked again
    assert list(AccessEvent.objects.values_list("subject", "purpose")) == [(f"person:{person}", "counter: 本人查询缴费记录")] * 2


@override_settings(SIRECORDS_READ_PURPOSE_MINUTES=0)
def test_the_purpose_is_kept_only_a_short_while(person, client_in):
    clerk = client_in("clerk.sz", "clerk")
    assert clerk.post(record_url(person), PURPOSE).status_code == 302
    assert 'id="record-purpose"' in clerk.get(record_url(person)).content.decode()  # expired: asked again
    assert not AccessEvent.objects.exists()


def test_the_search_takes_the_purpose_with_the_number(person, client_in):
    clerk = client_in("clerk.sz", "clerk")
    missing = clerk.post(reverse("record_search"), {"id_number": ID})
    assert missing.status_code == 200 and 'id="id_purpose_error"' in missing.content.decode()
    found = clerk.post(reverse("record_search"), {"id_number": ID, **PURPOSE})
    assert found.status_code == 302 and ID not in found["Location"]
    assert 'id="record-header"' in clerk.get(found["Location"]).content.decode()


def test_an_officer_of_110100_is_refused_a_440300_persons_record_naming_the_region(person, client_in):
    officer = client_in("query.bj", "query_officer", region=OTHER_REGION)
    searched = officer.post(reverse("record_search"), {"id_number": ID, **PURPOSE})
    assert searched.status_code == 403
    assert "440300" in searched.content.decode() and OTHER_REGION in searched.content.decode()
    assert officer.post(record_url(person), PURPOSE).status_code == 302  # the purpose step shows nothing of the person
    direct = officer.get(record_url(person))
    assert direct.status_code == 403 and "张三" not in direct.content.decode()
    assert list(AccessEvent.objects.values_list("actor", "what")) == [("query.bj", "refused: region 440300")] * 2


def test_unknown_and_invalid_numbers_searched_on_the_page_are_logged(client_in, db):
    officer = client_in("query.sz", "query_officer")
    unknown, invalid = make_id_number("440305", date(1990, 1, 1), 999), "440300199005170000"
    for number in (unknown, invalid):
        assert officer.post(reverse("record_search"), {"id_number": number, **PURPOSE}).status_code == 200
    assert list(AccessEvent.objects.order_by("seq").values_list("subject", "what")) == [
        (id_number_subject(unknown), "look-up: nobody registered with this ID number"),
        (id_number_subject(invalid), "look-up: invalid ID number")]


@override_settings(SIRECORDS_READ_LIMITS=LIMITS)
def test_beyond_the_read_limit_a_clear_refusal_and_an_alert_supervisors_see(person, client_in, post_txn):
    other = post_txn("register_person", person_payload(id_number=make_id_number("440300", date(1991, 2, 3), 55),
                                                       name="李四"))[0].payload["person"]
    clerk, supervisor = client_in("clerk.sz", "clerk"), client_in("super.sz", "supervisor")
    assert 'id="read-alerts"' not in supervisor.get(reverse("supervise_access_log")).content.decode()
    for uid in (person, other):
        assert clerk.post(record_url(uid), PURPOSE).status_code == 302
    assert clerk.get(record_url(person)).status_code == 200
    refused = clerk.get(record_url(other))
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "第二十二条" in text and "李四" not in text
    assert ReadAlert.objects.get().actor == "clerk.sz"
    for name in ("supervise_access_log", "supervise_maintenance_log", "supervise_integrity"):
        page = supervisor.get(reverse(name)).content.decode()
        alerts = page.split('id="read-alerts"')[1].split("</section>")[0]
        assert "clerk.sz" in alerts and "distinct persons per hour" in alerts and "1/hour" in alerts, name


def test_a_supervisors_read_of_a_transaction_is_logged_as_supervision_and_names_the_person(client_in):
    """Finding 13: a supervisor opening a transaction that awaits review was logged as "review", and a pending
    registration was logged under the transaction, not the person."""
    clerk = client_in("clerk.sz", "clerk")
    txn = open_person(clerk)
    assert attach_document(clerk, txn, scan()).status_code == 302
    submit(clerk, txn)
    supervisor = client_in("super.sz", "supervisor")
    assert supervisor.get(reverse("desk_transaction", args=[txn.uid])).status_code == 200
    event = AccessEvent.objects.filter(actor="super.sz").get()
    assert event.purpose == f"supervision [{txn.uid}]: supervision of a business transaction"
    assert event.subject == id_number_subject(ID)

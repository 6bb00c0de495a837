"""Reads of a person through the API (issue 9, findings 9–11): only in the reader's regions, only for a stated purpose
from the configured list, within the read limits (第二十一条, 第二十二条); probes of unknown numbers leave a trace."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sirecords.records.access_log import record_access
from sirecords.records.models import AccessEvent, ReadAlert
from sirecords.registry.models import Person
from sirecords.registry.subjects import id_number_subject

from .conftest import OTHER_REGION, api_read, id_number, person_payload

pytestmark = pytest.mark.django_db


def refused(actor: str):
    return AccessEvent.objects.filter(actor=actor, what__startswith="refused:")


def reads_of(actor: str):
    return AccessEvent.objects.filter(actor=actor).exclude(what__startswith="refused:")


# --- finding 9: region ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["person_lookup", "person_record"])
def test_an_officer_granted_only_in_110100_reads_nothing_of_a_440300_person(person, client_in, name):
    officer = client_in("query.bj", "query_officer", region=OTHER_REGION)
    response = api_read(officer, name, id_number())
    assert response.status_code == 403, response.content
    detail = response.json()["detail"]
    assert "440300" in detail and OTHER_REGION in detail
    assert person_payload()["name"] not in response.content.decode()
    assert not reads_of("query.bj").exists()
    event = refused("query.bj").get()
    assert (event.subject, event.what, event.channel) == (f"person:{person}", "refused: region 440300", "api")


def test_a_token_of_a_110100_service_account_reads_nothing_of_a_440300_person(person, token_in):
    terminal = token_in("svc.bj", region=OTHER_REGION)
    for name in ("person_lookup", "person_record"):
        assert api_read(terminal, name, id_number()).status_code == 403
    assert refused("svc.bj").count() == 2 and not reads_of("svc.bj").exists()


def test_the_same_officer_reads_a_person_of_their_own_region(person, client_in):
    officer = client_in("query.sz", "query_officer")
    assert api_read(officer, "person_record", id_number()).status_code == 200
    assert reads_of("query.sz").get().subject == f"person:{person}"


# --- finding 10: purpose ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [".", "review", "record view"])
def test_a_purpose_outside_the_list_is_422_listing_the_codes(person, client_in, purpose):
    response = api_read(client_in("query.chen", "query_officer"), "person_lookup", id_number(),
                        {"purpose": purpose, "purpose_detail": "counter query"})
    assert response.status_code == 422
    message = response.json()["errors"]["purpose"]
    for code in ("counter (", "transaction (", "case (", "supervision ("):
        assert code in message
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("detail", [".", "...", " . ", "a.", "!!!!", "aaaa", "\u3000。\u3000"])
def test_a_detail_without_real_content_is_refused(person, client_in, detail):
    response = api_read(client_in("query.chen", "query_officer"), "person_lookup", id_number(),
                        {"purpose": "counter", "purpose_detail": detail})
    assert response.status_code == 422 and "purpose_detail" in response.json()["errors"]
    assert not AccessEvent.objects.exists()


def test_a_case_needs_its_number_and_the_purpose_is_logged_canonical(person, client_in):
    officer = client_in("query.chen", "query_officer")
    without = api_read(officer, "person_lookup", id_number(), {"purpose": "case", "purpose_detail": "法院调查"})
    assert without.status_code == 422 and "purpose_reference" in without.json()["errors"]
    # Full-width letters, digits and spaces are canonical (NFKC) before they are checked and recorded.
    response = api_read(officer, "person_lookup", id_number(), {
        "purpose": " ＣＡＳＥ ", "purpose_reference": "（２０２６）粤０３０５民初１２３号", "purpose_detail": "法院　调取\u3000缴费记录"})
    assert response.status_code == 200, response.content
    assert AccessEvent.objects.get().purpose == "case [(2026)粤0305民初123号]: 法院 调取 缴费记录"


def test_probes_of_unregistered_and_invalid_numbers_are_logged_under_the_keyed_index(client_in, post_txn):
    officer = client_in("query.chen", "query_officer")
    unknown = [id_number(seq=seq) for seq in (11, 12, 13)]
    invalid = "440300199005170000"
    for number in unknown:
        assert api_read(officer, "person_lookup", number).status_code == 404
    assert api_read(officer, "person_record", invalid).status_code == 422
    events = list(AccessEvent.objects.order_by("seq"))
    assert [e.subject for e in events] == [id_number_subject(n) for n in (*unknown, invalid)]
    assert [e.what for e in events] == ["look-up: nobody registered with this ID number"] * 3 + ["look-up: invalid ID number"]
    assert all(e.actor == "query.chen" and e.purpose.startswith("counter: ") for e in events)
    logged = " ".join(f"{e.subject} {e.what} {e.purpose}" for e in events)
    assert not any(n in logged or n[-6:] in logged for n in (*unknown, invalid))  # never the number itself
    # Once someone registers with the first number, those probes are found under the person's index.
    uid = post_txn("register_person", person_payload(id_number=unknown[0]))[0].payload["person"]
    assert events[0].subject == "idx:" + Person.objects.get(uid=uid).id_number_index


# --- finding 11: read limits ----------------------------------------------------------------------------------------


def _already_read(actor: str, count: int) -> None:
    """`count` distinct persons read by `actor` within the hour, as the access log records them."""
    for n in range(count):
        record_access(actor, f"person:{n:032x}", "person.record", "api", "counter: earlier enquiries")


@override_settings(SIRECORDS_READ_LIMITS={"user": {"hour": 60, "day": 300}, "token": {"hour": 198, "day": 1000},
                                          "lookups": "1000/m", "probes": "100/h"})
@pytest.mark.usefixtures("steady_rate_windows")
def test_the_199th_distinct_person_within_the_hour_is_refused_with_429(token_in, post_txn):
    """One token read all 198 demo records in 7 s (finding 11): now the 199th distinct person in the hour is refused,
    a person already read stays readable, the refusal is logged and an alert raised."""
    first = post_txn("register_person", person_payload())[0].payload["person"]
    second = post_txn("register_person", person_payload(id_number=id_number(seq=21), name="李四"))[0].payload["person"]
    terminal = token_in("svc.terminal")
    _already_read("svc.terminal", 197)
    assert api_read(terminal, "person_record", id_number()).status_code == 200  # the 198th
    over = api_read(terminal, "person_record", id_number(seq=21))  # the 199th
    assert over.status_code == 429, over.content
    assert "198" in over.json()["detail"] and "李四" not in over.content.decode()
    assert 3500 <= int(over["Retry-After"]) <= 3601  # when the oldest read of the hour leaves it: a person is free
    assert api_read(terminal, "person_lookup", id_number()).status_code == 200  # already read this hour
    assert api_read(terminal, "person_lookup", id_number(seq=21)).status_code == 429  # refusals never count as reads
    assert reads_of("svc.terminal").filter(subject=f"person:{first}").count() == 2
    assert list(refused("svc.terminal").values_list("subject", "what")) == [(f"person:{second}", "refused: read limit 198/hour")] * 2
    alert = ReadAlert.objects.get()
    assert (alert.actor, alert.limit, alert.allowed, alert.channel) == ("svc.terminal", "hour", "198/hour", "api")
    assert alert.via.startswith("token:")


@override_settings(SIRECORDS_READ_LIMITS={"user": {"hour": 100, "day": 3}, "token": {"hour": 198, "day": 1000},
                                          "lookups": "1000/m", "probes": "100/h"})
@pytest.mark.usefixtures("steady_rate_windows")
def test_the_day_limit_of_a_staff_member(person, client_in):
    officer = client_in("query.chen", "query_officer")
    _already_read("query.chen", 3)
    response = api_read(officer, "person_lookup", id_number())
    assert response.status_code == 429 and "day" in response.json()["detail"]
    assert 86000 <= int(response["Retry-After"]) <= 86401
    assert ReadAlert.objects.get().limit == "day"


@override_settings(SIRECORDS_READ_LIMITS={"user": {"hour": 60, "day": 300}, "token": {"hour": 120, "day": 600},
                                          "lookups": "1000/m", "probes": "5/h"})
@pytest.mark.usefixtures("steady_rate_windows")
def test_blind_guessing_is_slowed_and_logged(person, client_in):
    """1000 blind guesses took 13 s and left no trace (findings 10, 11): now each is logged, and after 5 misses in the
    hour every look-up is refused, a registered number too."""
    guesser = client_in("query.guess", "query_officer")
    guesses = [id_number(seq=seq) for seq in range(100, 106)]
    assert [api_read(guesser, "person_lookup", n).status_code for n in guesses] == [404] * 5 + [429]
    assert api_read(guesser, "person_record", id_number()).status_code == 429
    events = AccessEvent.objects.filter(actor="query.guess").order_by("seq")
    assert [e.what for e in events] == ["look-up: nobody registered with this ID number"] * 5 + ["refused: look-up rate 5/h"] * 2
    assert [e.subject for e in events] == [id_number_subject(n) for n in guesses] + [f"idx:{Person.objects.get().id_number_index}"]
    assert list(ReadAlert.objects.values_list("actor", "limit")) == [("query.guess", "probes")]


@override_settings(SIRECORDS_READ_LIMITS={"user": {"hour": 60, "day": 300}, "token": {"hour": 120, "day": 600},
                                          "lookups": "3/m", "probes": "100/h"})
@pytest.mark.usefixtures("steady_rate_windows")
def test_the_look_up_rate_per_token(person, token_in):
    terminal = token_in("svc.fast")
    answers = [api_read(terminal, "person_lookup", id_number()) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60  # the minute's window
    assert ReadAlert.objects.get().limit == "lookups"

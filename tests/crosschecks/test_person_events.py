"""person_events against the record (crosschecks/person_events.py): deaths, imprisonment, release, revoked deaths
queued as discrepancies with their figures; a pensioner's payment held at once; the same file refused a second time;
a repeated report counted, not queued again; everything in the ledger, so `verify` rebuilds it."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command

from sirecords.benefits.kinds import PENSION_PAYMENTS_MADE
from sirecords.benefits.models import Award, Payment, PaymentHold
from sirecords.core.identifiers import make_id_number
from sirecords.crosschecks import feeds
from sirecords.crosschecks.models import Discrepancy, FeedFile, UnmatchedRow
from sirecords.crosschecks.queue import listing
from sirecords.crosschecks.services import SeenBefore, receive
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.registry.models import Person

from ..benefits.conftest import _parameters, person_with_months  # noqa: F401  (the benefits tests' pensioners)
from .conftest import PERSON_EVENTS, feed

RETIRE = {"category": "male", "retirement_month": "2024-06", "flexible": False}
STRANGER = make_id_number("110105", date(1949, 12, 31), 2)


@pytest.fixture
def world(person_with_months, post_fresh, staff):  # noqa: F811 (the fixture imported above)
    """Three pensioners paid 2024-07 to 2024-09, an insured worker with months to 2024-05, and a clerk."""
    one, two, three = person_with_months(200), person_with_months(190), person_with_months(185)
    worker = person_with_months(100, balance_fen=0)
    for person in (one, two, three):
        post_fresh("approve_retirement", {"person": person, **RETIRE})
    for month in ("2024-07", "2024-08", "2024-09"):
        post_fresh("pay_pensions", {"month": month})
    persons = {uid: Person.objects.get(uid=uid) for uid in (one, two, worker)}
    return {"one": persons[one], "two": persons[two], "three": three, "worker": persons[worker], "clerk": staff("cc.clerk", "clerk"),
            "post": post_fresh}


def findings() -> list[str]:
    """verify's findings but those about the test set-up's contribution batches (not posted ones, as in the benefits
    tests)."""
    return [f"{f.where}: {f.message}" for f in verify().findings
            if f.check in ("benefits", "projection", "chain", "crosschecks") and "contributions_batch" not in f.where]


def row(person, event: str, on: str, *, name: str | None = None, reference: str = "R-1") -> str:
    return f"{person.id_number},{name or person.name},{event},{on},civil_affairs,{reference}"


def test_deaths_and_an_imprisonment_are_queued_with_their_figures_and_payment_held(world):
    one, two, worker, clerk = world["one"], world["two"], world["worker"], world["clerk"]
    monthly = Award.objects.get(person_id=one.uid).total_fen
    data = feed(PERSON_EVENTS, row(one, "died", "2024-07-20"), row(worker, "died", "2024-03-01", name="别名"),
                f"{STRANGER},王五,died,2024-06-01,public_security,GA-7", row(two, "imprisoned", "2024-08-15"))
    received = receive(clerk, "person_events", data, file_name="events.csv", reason="民政死亡数据比对", channel="cli")
    assert received.as_json() == {"file_sha256": received.sha256, "rows": 4, "transaction": received.txn, "held": 0,
                                  "discrepancies": {"insured_died": 1, "pensioner_died": 1, "pensioner_imprisoned": 1},
                                  "repeated": 0, "unmatched": 1}
    died = Discrepancy.objects.get(kind="pensioner_died")
    detail = json.loads(died.detail)
    paid = {m: Payment.objects.get(person_id=one.uid, month=m).amount_fen for m in ("2024-08", "2024-09")}
    assert detail["death_month"] == "2024-07" and [m["month"] for m in detail["months"]] == ["2024-08", "2024-09"]
    assert detail["overpayment"] == f"{sum(paid.values()) / 100:.2f}" and detail["monthly"] == f"{monthly / 100:.2f}"
    assert (detail["name_matches"], died.subject, died.key, died.state) == (True, f"person:{one.uid}", "2024-07-20", "open")
    insured = json.loads(Discrepancy.objects.get(kind="insured_died").detail)
    assert insured["name_matches"] is False and insured["months_after"] == ["2024-04", "2024-05"]
    assert UnmatchedRow.objects.get().detail == '{"event":"died","event_on":"2024-06-01","reference":"GA-7","source":"public_security"}'
    assert STRANGER not in UnmatchedRow.objects.get().index  # kept by blind index, never the number
    # Held at once: the next run pays neither pensioner, and says so.
    assert set(PaymentHold.objects.values_list("person_id", "reason")) == {(one.uid, "pensioner_died"),
                                                                            (two.uid, "pensioner_imprisoned")}
    [run] = [e for e in world["post"]("pay_pensions", {"month": "2024-10"}) if e.kind == PENSION_PAYMENTS_MADE]
    assert list(Payment.objects.filter(month="2024-10").values_list("person_id", flat=True)) == [world["three"]]
    assert sorted(h["reason"] for h in run.payload["withheld"]) == ["pensioner_died", "pensioner_imprisoned"]
    assert findings() == []


def test_the_same_file_twice_is_refused_and_a_repeated_report_is_counted(world):
    one, clerk = world["one"], world["clerk"]
    data = feed(PERSON_EVENTS, row(one, "died", "2024-07-20"))
    receive(clerk, "person_events", data, file_name="a.csv", reason="比对", channel="cli")
    entries = Entry.objects.count()
    with pytest.raises(SeenBefore):
        receive(clerk, "person_events", data, file_name="a-again.csv", reason="比对", channel="cli")
    assert Entry.objects.count() == entries and FeedFile.objects.count() == 1
    again = receive(clerk, "person_events", feed(PERSON_EVENTS, row(one, "died", "2024-07-20", reference="R-2")),
                    file_name="b.csv", reason="公安死亡数据比对", channel="cli").as_json()
    assert (again["discrepancies"], again["repeated"]) == ({}, 1)
    assert Discrepancy.objects.get().reports == 2 and PaymentHold.objects.count() == 1


def test_a_bad_feed_records_nothing(world):
    entries = Entry.objects.count()
    with pytest.raises(feeds.FeedRefused, match="line 3: event_on: 2099-01-01 is in the future"):
        receive(world["clerk"], "person_events", feed(PERSON_EVENTS, row(world["one"], "died", "2024-07-20"),
                                                      row(world["two"], "died", "2099-01-01")),
                file_name="bad.csv", reason="比对", channel="cli")
    assert Entry.objects.count() == entries and not Discrepancy.objects.exists() and not PaymentHold.objects.exists()


def test_release_and_revoked_death_follow_what_is_queued(world):
    two, clerk = world["two"], world["clerk"]
    receive(clerk, "person_events", feed(PERSON_EVENTS, row(two, "imprisoned", "2024-08-15")), file_name="a.csv",
            reason="司法", channel="cli")
    receive(clerk, "person_events", feed(PERSON_EVENTS, row(two, "released", "2024-11-02"), row(two, "death_revoked", "2024-11-03"),
                                         row(world["one"], "released", "2024-11-02")),
            file_name="b.csv", reason="司法", channel="cli")
    assert sorted(Discrepancy.objects.values_list("kind", flat=True)) == ["pensioner_imprisoned", "released"]


def test_the_cli_imports_with_json_and_lists_the_queue(world, tmp_path):
    one = world["one"]
    path = tmp_path / "events.csv"
    path.write_bytes(feed(PERSON_EVENTS, row(one, "died", "2024-07-20")))
    out = io.StringIO()
    call_command("crosscheck", "import", "person_events", str(path), "--actor", "cc.clerk", "--reason", "民政比对", "--json",
                 stdout=out)
    outcome = json.loads(out.getvalue())
    assert set(outcome) == {"file_sha256", "rows", "discrepancies", "repeated", "unmatched", "held", "transaction"}
    assert outcome["discrepancies"] == {"pensioner_died": 1}
    out = io.StringIO()
    call_command("crosscheck", "list", "--state", "open", "--json", stdout=out)
    [item] = json.loads(out.getvalue())
    assert set(item) == {"id", "kind", "subject", "detail", "state", "due_on", "assigned_to", "transaction"}
    assert item["subject"] == one.masked_id_number and one.id_number not in out.getvalue()
    assert item["detail"]["overpayment"] == json.loads(Discrepancy.objects.get().detail)["overpayment"]
    assert listing(kind="insured_died") == []


@pytest.mark.parametrize("how", ["deleted", "changed"])
def test_verify_names_a_feed_file_deleted_or_changed(world, how):  # noqa: F811
    from sirecords.crosschecks import filestore

    received = receive(world["clerk"], "person_events", feed(PERSON_EVENTS, row(world["one"], "died", "2024-07-20")),
                       file_name="e.csv", reason="民政", channel="cli")
    assert findings() == []
    path = filestore._store.path(received.sha256)
    if how == "deleted":
        path.unlink()
    else:
        data = path.read_bytes()
        path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    named = [f for f in verify().findings if f.check == "files"]
    assert len(named) == 1 and named[0].where == filestore.where(received.sha256)
    assert ("is missing" if how == "deleted" else "cannot be read") in named[0].message


def test_comparing_asks_the_same_queries_for_two_deaths_as_for_four(world):  # noqa: F811
    """Set-based: the questions are asked a chunk at a time, never once per row (a pensioner's and a worker's death
    ask every question there is)."""
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sirecords.crosschecks import person_events
    from sirecords.crosschecks.matching import Comparison

    def queries(*persons) -> int:
        rows = feeds.read("person_events", feed(PERSON_EVENTS, *(row(p, "died", "2024-07-20") for p in persons))).rows
        with CaptureQueriesContext(connection) as captured:
            person_events.compare(rows, Comparison("0" * 64, date.today()))
        return len(captured)

    three = Person.objects.get(uid=world["three"])
    assert queries(world["one"], world["worker"]) == queries(world["one"], world["two"], three, world["worker"])

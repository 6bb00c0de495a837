"""Idempotency-Key on the API's writes (api/idempotency.py): the first request is handled and its answer kept with the
key in the same database transaction; a retry gets the kept answer and nothing is done twice; the same key for another
request, a malformed key, a key still in progress are refused naming the header; keys expire after 24 hours; two
requests with one key at once post once (the threaded race: test_idempotency_race.py). On SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sirecords.api import idempotency
from sirecords.api.models import IdempotencyKey
from sirecords.ledger.models import Entry
from sirecords.workflow import services
from sirecords.workflow.models import Action, BusinessTransaction, State

from ..conftest import make_signed_in_staff, outer_transaction, sign_in
from .conftest import REGION, person_payload

JSON = "application/json"
PROBLEM = "application/problem+json"
STAGES = [("review1", "reviewer1"), ("review2", "reviewer2"), ("review3", "reviewer3"), ("approval", "approver")]


def keyed(key):
    return {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}


def create(client, key=None, payload=None):
    return client.post(reverse("api:txn_create"), {"type": "register_person", "region": REGION, "reason": "walk-in",
                                                   "payload": payload or person_payload()}, content_type=JSON, **keyed(key))


def review(client, uid, key=None, decision="approve", opinion="checked against the ID card"):
    return client.post(reverse("api:txn_review", args=[uid]), {"decision": decision, "opinion": opinion}, content_type=JSON,
                       **keyed(key))


def opened() -> int:
    """The register_person transactions (the fixtures' staff accounts were opened as transactions too)."""
    return BusinessTransaction.objects.filter(type="register_person").count()


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    return response.json()


@pytest.fixture(scope="module")
def accounts(django_db_setup, django_db_blocker):
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            made = {"desk": make_signed_in_staff("clerk.idem", "clerk", "reviewer1"), "other": make_signed_in_staff("clerk.idem2", "clerk"),
                    **{stage: make_signed_in_staff(f"idem.{stage}", role) for stage, role in STAGES}}
        yield made


@pytest.fixture
def desk(db, accounts):
    return sign_in(Client(), accounts["desk"])


@pytest.fixture
def reviewers(db, accounts):
    return {stage: sign_in(Client(), accounts[stage]) for stage, _ in STAGES}


def submitted(desk, pdf):
    """A register_person transaction submitted for review (no key)."""
    uid = create(desk).json()["uid"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert desk.post(reverse("api:txn_attach", args=[uid]),
                     {"kind": "id_card", "file": SimpleUploadedFile("id.pdf", pdf, content_type="application/pdf")}).status_code == 201
    assert desk.post(reverse("api:txn_submit", args=[uid])).status_code == 200
    return uid


def test_a_retry_with_the_key_gets_the_same_answer_and_opens_nothing_more(desk):
    first = create(desk, "open-7f3a")
    assert first.status_code == 201, first.content
    assert first.get(idempotency.REPLAYED) is None
    again = create(desk, "open-7f3a")
    assert again.status_code == 201
    assert again[idempotency.REPLAYED] == "true"
    assert again.content == first.content
    assert opened() == 1
    kept = IdempotencyKey.objects.get()
    assert (kept.principal, kept.key, kept.method, kept.path, kept.status) == ("clerk.idem", "open-7f3a", "POST",
                                                                               reverse("api:txn_create"), 201)
    assert kept.response == first.content.decode()


def test_without_a_key_each_request_is_its_own(desk):
    assert create(desk).status_code == 201
    assert create(desk).status_code == 201  # the same request again: a second draft
    assert opened() == 2 and not IdempotencyKey.objects.exists()


def test_the_same_key_for_another_request_is_refused_naming_the_header(desk):
    assert create(desk, "k1").status_code == 201
    body = problem(create(desk, "k1", payload=person_payload(name="李四")), 422)
    assert "Idempotency-Key" in body["detail"] and "Idempotency-Key" in body["errors"]
    uid = BusinessTransaction.objects.get(type="register_person").uid
    body = problem(desk.post(reverse("api:txn_submit", args=[uid]), **keyed("k1")), 422)  # another path
    assert "another request" in body["detail"]
    assert opened() == 1
    assert BusinessTransaction.objects.get(type="register_person").state == State.DRAFT


@pytest.mark.parametrize("key", ["", "x" * 256, "schlüssel", "tab\there"])
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_refused(desk, key):
    body = problem(create(desk, key), 422)
    assert body["errors"] == {"Idempotency-Key": body["detail"]} and "1 to 255 printable ASCII" in body["detail"]
    assert not opened() and not IdempotencyKey.objects.exists()


def test_the_longest_and_oddest_keys_are_accepted(desk):
    assert create(desk, "~" * 255).status_code == 201
    assert create(desk, " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", payload=person_payload(name="李四")).status_code == 201
    assert IdempotencyKey.objects.count() == 2


def test_keys_are_each_callers_own(desk, accounts):
    other = sign_in(Client(), accounts["other"])
    assert create(desk, "shared").status_code == 201
    theirs = create(other, "shared", payload=person_payload(name="李四"))
    assert theirs.status_code == 201 and theirs.get(idempotency.REPLAYED) is None
    assert opened() == 2


def test_a_refused_request_keeps_no_key_and_its_refusal_stays_logged(desk, pdf):
    uid = submitted(desk, pdf)
    refused = review(desk, uid, "review-by-opener")  # the opener may not review (第七条)
    assert refused.status_code == 403, refused.content
    assert not IdempotencyKey.objects.exists()
    assert BusinessTransaction.objects.get(pk=uid).actions.filter(kind=Action.Kind.REFUSED).count() == 1
    again = review(desk, uid, "review-by-opener")  # handled again, not replayed
    assert again.status_code == 403 and again.get(idempotency.REPLAYED) is None
    assert BusinessTransaction.objects.get(pk=uid).actions.filter(kind=Action.Kind.REFUSED).count() == 2


def test_the_final_approval_retried_posts_once(desk, reviewers, pdf):
    uid = submitted(desk, pdf)
    for stage in ("review1", "review2", "review3"):
        assert review(reviewers[stage], uid, f"approve-{stage}").status_code == 200
    before = Entry.objects.count()
    posted = review(reviewers["approval"], uid, "approve-final")
    assert posted.status_code == 200 and posted.json()["state"] == "posted"
    entries = Entry.objects.count()
    assert entries > before
    again = review(reviewers["approval"], uid, "approve-final")
    assert again.status_code == 200 and again[idempotency.REPLAYED] == "true" and again.content == posted.content
    assert Entry.objects.count() == entries
    assert BusinessTransaction.objects.get(pk=uid).actions.filter(kind=Action.Kind.POST).count() == 1
    assert review(reviewers["approval"], uid).status_code == 403  # without the key: refused, nothing awaits review


def test_a_failure_mid_post_keeps_neither_the_posting_nor_the_key(desk, reviewers, pdf, monkeypatch):
    """A lost connection after the ledger entries are written, before the posting is recorded: 503, and the ledger,
    the transaction and the key are as before the request; the same request then posts once."""
    uid = submitted(desk, pdf)
    for stage in ("review1", "review2", "review3"):
        assert review(reviewers[stage], uid).status_code == 200
    before = Entry.objects.count()
    record = services._record

    def lost_at_posting(txn, actor, kind, **options):
        if kind == Action.Kind.POST:
            assert Entry.objects.count() > before  # the entries are written: the failure is mid-post
            raise OperationalError("server closed the connection unexpectedly")
        return record(txn, actor, kind, **options)

    monkeypatch.setattr(services, "_record", lost_at_posting)
    failed = review(reviewers["approval"], uid, "approve-final")
    body = problem(failed, 503)
    assert int(failed["Retry-After"]) > 0 and body["detail"]
    assert Entry.objects.count() == before
    txn = BusinessTransaction.objects.get(pk=uid)
    assert (txn.state, txn.posted_seq, txn.due_stage) == (State.SUBMITTED, None, "approval")
    assert not txn.actions.filter(kind__in=[Action.Kind.POST]).exists()
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(services, "_record", record)
    retried = review(reviewers["approval"], uid, "approve-final")
    assert retried.status_code == 200 and retried.get(idempotency.REPLAYED) is None
    assert retried.json()["state"] == "posted"
    assert BusinessTransaction.objects.get(pk=uid).actions.filter(kind=Action.Kind.POST).count() == 1


def test_keys_expire_after_24_hours(desk):
    assert create(desk, "old").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    assert idempotency.expire() == 1 and not IdempotencyKey.objects.exists()
    assert create(desk, "recent").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=23))
    assert idempotency.expire() == 0
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    again = create(desk, "recent")  # expired: handled as new
    assert again.status_code == 201 and again.get(idempotency.REPLAYED) is None
    assert opened() == 3


def test_the_loser_of_a_race_gets_the_winners_answer(desk, monkeypatch):
    """The second of two requests with one key looked before the first committed (saw nothing), then its insert meets
    the unique constraint: it answers with the first one's answer and opens nothing."""
    first = create(desk, "race")
    looked = []
    stored = idempotency._stored

    def saw_nothing_first(principal, key):
        looked.append(key)
        return None if len(looked) == 1 else stored(principal, key)

    monkeypatch.setattr(idempotency, "_stored", saw_nothing_first)
    second = create(desk, "race")
    assert looked == ["race", "race"]
    assert second.status_code == 201 and second[idempotency.REPLAYED] == "true" and second.content == first.content
    assert opened() == 1


def test_a_key_whose_request_is_in_progress_is_409(desk, accounts):
    IdempotencyKey.objects.create(principal="clerk.idem", key="busy", method="POST", path=reverse("api:txn_create"),
                                  body_sha256="0" * 64, status=0, created_at=timezone.now())
    body = problem(create(desk, "busy"), 422)  # another body: refused as another request
    assert "another request" in body["detail"]
    import hashlib
    import json

    request = {"type": "register_person", "region": REGION, "reason": "walk-in", "payload": person_payload()}
    raw = json.dumps(request).encode()
    IdempotencyKey.objects.filter(key="busy").update(body_sha256=hashlib.sha256(raw).hexdigest())
    body = problem(desk.post(reverse("api:txn_create"), raw, content_type=JSON, **keyed("busy")), 409)
    assert "in progress" in body["detail"] and "Idempotency-Key" in body["errors"]
    assert not opened()

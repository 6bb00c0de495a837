"""Two requests with one Idempotency-Key at once, over real commits (api/idempotency.py): the unique constraint on
(caller, key) makes one wait for the other, so one transaction is opened and the other gets its answer (or 409).
PostgreSQL only: SQLite's in-memory test database cannot be shared by threads. A module of its own: the module-scoped
accounts of test_idempotency.py hold a transaction open, and this test needs real commits."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from sirecords.api import idempotency
from sirecords.workflow.models import BusinessTransaction

from ..conftest import make_signed_in_staff, sign_in
from .conftest import REGION, person_payload


def create(client, key):
    return client.post(reverse("api:txn_create"), {"type": "register_person", "region": REGION, "reason": "walk-in",
                                                   "payload": person_payload()}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.usefixtures("ledger_transactional_db")
def test_two_requests_with_one_key_at_once_open_one_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with IMMEDIATE transactions; the in-memory test database cannot be shared "
                    "by threads (the race's other half is test_the_loser_of_a_race_gets_the_winners_answer)")
    user = make_signed_in_staff("clerk.race", "clerk")
    clients = [sign_in(Client(), user) for _ in range(4)]
    answers, errors = [], []
    start = threading.Barrier(4)

    def send(client):
        try:
            start.wait()
            answers.append(create(client, "same-key"))
        except Exception as error:  # reported in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(answers) == 4
    assert BusinessTransaction.objects.filter(type="register_person").count() == 1
    assert {answer.status_code for answer in answers} <= {201, 409}
    made = [answer for answer in answers if answer.status_code == 201]
    assert len({answer.content for answer in made}) == 1
    assert sum(answer.get(idempotency.REPLAYED) is None for answer in made) == 1

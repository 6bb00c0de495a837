"""Every person belongs to a pooling region (参保地): the region of the transaction that registered them, distinct
from the household region (户籍), recorded in the person.registered entry, projected and replayed by verify."""

import json
from datetime import date

import pytest

from sirecords.core.identifiers import make_id_number
from sirecords.demo.crew import crew
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, Transaction, post

from ..conftest import post_entries

pytestmark = pytest.mark.django_db

ID = make_id_number("440305", date(1985, 6, 15), 123)
PAYLOAD = {"id_number": ID, "name": "张伟", "region": "110105"}  # household region in Beijing


def test_the_registering_transactions_region_is_the_pooling_region(staff):
    team = crew(staff, "pool", "440300")
    txn = team.open_approved("register_person", PAYLOAD, "id_card")
    person = Person.objects.get()
    assert (person.pooling_region, person.region) == ("440300", "110105")
    entry = Entry.objects.get(txn=txn.uid, kind="person.registered")
    assert json.loads(entry.payload)["pooling_region"] == "440300"
    assert Person.objects.filter(pooling_region="440300").get() == person
    assert verify(None).ok


def test_a_payload_cannot_choose_the_pooling_region():
    with pytest.raises(InvalidTransaction) as refused:
        post_entries("register_person", {**PAYLOAD, "pooling_region": "110100"})
    assert "not a field" in refused.value.errors["pooling_region"]
    assert not Person.objects.exists() and not Entry.objects.exists()


@pytest.mark.parametrize("region", ["", "44030", "04030x"])
def test_a_registration_without_a_pooling_region_is_refused(region):
    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region=region)
    with pytest.raises(InvalidTransaction) as refused:
        post(Transaction("register_person", PAYLOAD, ctx))
    assert "pooling region" in refused.value.errors["pooling_region"]
    assert not Person.objects.exists() and not Entry.objects.exists()

"""第二十一条: every read of a person's data is recorded, hash-chained, and checked by verify."""

import pytest
from django.db import connection

from sirecords.ledger import triggers
from sirecords.ledger.verify import verify
from sirecords.records.access_log import record_access
from sirecords.records.models import AccessEvent

pytestmark = pytest.mark.django_db


def access_findings():
    return [f"{f.where}: {f.message}" for f in verify(None).findings if f.check == "log"]


def test_reads_are_chained_and_verify():
    for n in range(3):
        record_access("clerk.a", f"person:{n}", "person.detail", "web", "counter lookup")
    events = list(AccessEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3] and events[1].prev_hash == events[0].hash
    assert access_findings() == []


def test_a_record_needs_actor_subject_and_purpose():
    with pytest.raises(ValueError, match="purpose"):
        record_access("clerk.a", "person:1", "person.detail", "web", "")


def test_changed_or_deleted_access_records_are_found():
    for n in range(3):
        record_access("clerk.a", f"person:{n}", "person.detail", "web", "counter lookup")
    with pytest.raises(Exception, match="append-only"):
        with connection.cursor() as cursor:
            from django.db import transaction

            with transaction.atomic():
                cursor.execute("UPDATE audit_access_event SET actor = 'nobody' WHERE seq = 2")
    triggers.drop(connection, ("audit_access_event",))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_access_event SET actor = 'nobody' WHERE seq = 2")
    assert "audit_access_event seq=2: its contents do not match its stored hash" in access_findings()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_access_event WHERE seq = 1")
    assert "audit_access_event seq=2: access records #1–#1 are missing" in access_findings()

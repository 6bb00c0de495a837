"""alongside: a read on a second PostgreSQL connection — only at READ COMMITTED and when this transaction changed
none of the tables it reads, inside a savepoint too (postings run in one); else, and on SQLite, here."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from sirecords.crosschecks import alongside


def backend_and_count() -> tuple[int, int, str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_backend_pid(), (SELECT COUNT(*) FROM django_content_type), "
                           "current_setting('transaction_read_only')")
            return cursor.fetchone()
        cursor.execute("SELECT 0, (SELECT COUNT(*) FROM django_content_type), ''")
        return cursor.fetchone()


@pytest.mark.usefixtures("ledger_transactional_db")
def test_a_read_goes_alongside_in_the_snapshot_unless_this_transaction_changed_its_table():
    from django.contrib.contenttypes.models import ContentType

    mine = backend_and_count()
    if connection.vendor == "postgresql":  # this backend's counts of earlier transactions (the set-up's), reported now
        with connection.cursor() as cursor:  # (until then PostgreSQL 15+ shows them with this transaction's own)
            cursor.execute("SELECT pg_stat_force_next_flush()")
    with ThreadPoolExecutor(max_workers=1) as pool, transaction.atomic(), transaction.atomic():
        here = backend_and_count()
        beside = alongside.read(pool, ["django_content_type"], backend_and_count)()
        if connection.vendor == "postgresql":  # another backend, the same rows, read-only
            assert beside[0] != here[0] and beside[1] == mine[1] and beside[2] == "on"
        else:
            assert beside == here
        ContentType.objects.create(app_label="alongside", model="probe")  # not committed: no other connection sees it
        changed = alongside.read(pool, ["django_content_type"], backend_and_count)()
        assert changed == (here[0], mine[1] + 1, here[2])  # read here, the new row seen
        transaction.set_rollback(True)

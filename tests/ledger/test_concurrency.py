"""One writer at a time: concurrent appends interleave as whole transactions, never inside one."""

import threading

import pytest
from django.db import connection, connections

from sirecords.ledger.append import NewEntry, append
from sirecords.ledger.context import WriteContext
from sirecords.ledger.verify import verify


@pytest.mark.usefixtures("ledger_transactional_db")
def test_concurrent_writers_keep_the_chain_gapless():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with IMMEDIATE transactions; the in-memory test database cannot be shared by threads")
    errors = []

    def writer(name):
        try:
            for batch in range(10):
                ctx = WriteContext(actor=name, reason="concurrency test", channel="cli")  # a new txn id each
                append(ctx, [NewEntry("test.noted", f"{name}:{batch}:{i}", {"i": i}) for i in range(5)])
        except Exception as error:  # reported below, in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(f"writer-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify(None)
    assert report.ok, report.findings
    assert report.entries == 200
    with connection.cursor() as cursor:
        # Each transaction's 5 entries are contiguous: no writer slipped in between.
        cursor.execute("SELECT txn, MAX(seq) - MIN(seq) FROM ledger_entry GROUP BY txn")
        assert {spread for _txn, spread in cursor.fetchall()} == {4}

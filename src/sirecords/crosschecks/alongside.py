"""A second large read on a second PostgreSQL connection, at the same time as this connection's: the server scans
both tables on two cores instead of one after the other.

It sees what this transaction's next statement would see. This transaction reads at READ COMMITTED (Django's, and
this project's, level), where each statement sees what is committed when it begins; the second connection's statement
sees the same — except this transaction's own uncommitted changes, which no other connection sees. So the read goes
alongside only at READ COMMITTED and when this transaction has changed none of the tables it reads
(pg_stat_xact_user_tables counts each table's rows inserted, updated and deleted so far in this transaction and its
savepoints; from PostgreSQL 15 also those of this connection's earlier transactions not yet reported, for up to a
second: then it reads here, which is never wrong). Else, and on SQLite, and when no second connection can be had, it
runs here. (An exported snapshot would pin the very same snapshot, but cannot be exported inside a savepoint, where
postings run.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")


def read(pool: Executor, tables: list[str], reader: Callable[[], T]) -> Callable[[], T]:
    """Start `reader` (which reads only `tables`) alongside this connection's next queries when it can (see above);
    returns the function that waits for its result (or runs it here)."""
    if not _may(tables):
        return reader
    job = pool.submit(_on_own_connection, reader)

    def result() -> T:
        try:
            return job.result()
        except DatabaseError as problem:  # no second connection to be had (max_connections, a failover): read here
            log.warning("reading alongside failed (%s): read on the posting's own connection", problem)
            return reader()

    return result


def _may(tables: list[str]) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('transaction_isolation'), (SELECT COALESCE(SUM(n_tup_ins + n_tup_upd "
                       "+ n_tup_del), 0) FROM pg_stat_xact_user_tables WHERE relid = ANY(%s::regclass[]))", [tables])
        isolation, changed = cursor.fetchone()
    return isolation == "read committed" and not changed


def _on_own_connection(reader: Callable[[], T]) -> T:
    """In a thread: its own connection (Django's connections are per thread), in a read-only transaction (the
    reader's settings for its statement hold in a transaction), closed after."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
            return reader()
    finally:
        connection.close()

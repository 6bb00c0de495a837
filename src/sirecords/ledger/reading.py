"""Streaming the ledger in seq order, a page at a time (keyset pagination): constant memory on any
engine, whatever the ledger's size."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from sirecords.ledger.append import COLUMNS
from sirecords.ledger.parallel import range_pages

PAGE = 5_000

# Each page is a seq range (seq > a AND seq <= a + PAGE), not "seq > a ORDER BY seq LIMIT n": on PostgreSQL, a table
# just filled by a bulk append has no statistics until autovacuum analyzes it, and the planner then reads
# "seq > a … LIMIT 20000" as a third of the table, and answers each page with a sequential scan of the whole table
# and an external sort on disk (every page reading every row: the verify of 2026-12 at 50k entries/s instead of
# 200k, bench/README.md). A bounded range is planned as an index or bitmap scan whatever the statistics, and a page
# of 5,000 rows of ~500 bytes sorts in memory.
RANGE_SQL = f"SELECT {', '.join(COLUMNS)} FROM ledger_entry WHERE seq > %s AND seq <= %s ORDER BY seq"  # nosec B608 # constant names; values bound


def entry_rows(after: int = 0, up_to: int | None = None, page: int = PAGE) -> Iterator[tuple]:
    """Rows (in COLUMNS order) with after < seq <= up_to, as stored."""
    with connection.cursor() as cursor:
        if up_to is None:
            cursor.execute("SELECT MAX(seq) FROM ledger_entry")
            up_to = cursor.fetchone()[0] or 0
        yield from range_pages(cursor.execute, cursor.fetchall, after, up_to, page, RANGE_SQL)


def entry_hash_at(seq: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM ledger_entry WHERE seq = %s", [seq])
        found = cursor.fetchone()
    return found[0] if found else None


def entries_of_kind(kind: str, columns: tuple[str, ...] = ("seq", "subject", "payload"), page: int = 1000) -> Iterator[tuple]:
    """(columns) of every entry of `kind`, in seq order, a page at a time (index ledger_entry_kind)."""
    unknown = set(columns) - set(COLUMNS)
    if unknown or "seq" != columns[0]:
        raise ValueError(f"columns must start with seq and be among {COLUMNS}")
    sql = f"SELECT {', '.join(columns)} FROM ledger_entry WHERE kind = %s AND seq > %s ORDER BY seq LIMIT {page}"  # nosec B608 # columns checked above; int page
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [kind, last])
            rows = cursor.fetchall()
            yield from rows
            if len(rows) < page:
                return
            last = rows[-1][0]

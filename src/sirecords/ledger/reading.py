"""Streaming the ledger in seq order, a page at a time (keyset pagination): constant memory on any
engine, whatever the ledger's size."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from sirecords.ledger.append import COLUMNS

PAGE = 20_000


def entry_rows(after: int = 0, up_to: int | None = None, page: int = PAGE) -> Iterator[tuple]:
    """Rows (in COLUMNS order) with after < seq <= up_to, as stored."""
    bound = "" if up_to is None else " AND seq <= %s"
    sql = f"SELECT {', '.join(COLUMNS)} FROM ledger_entry WHERE seq > %s{bound} ORDER BY seq LIMIT {page}"
    last = after
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last] if up_to is None else [last, up_to])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]
            if len(rows) < page:
                return


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
    sql = f"SELECT {', '.join(columns)} FROM ledger_entry WHERE kind = %s AND seq > %s ORDER BY seq LIMIT {page}"
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [kind, last])
            rows = cursor.fetchall()
            yield from rows
            if len(rows) < page:
                return
            last = rows[-1][0]

"""Set-based inserts: one COPY on PostgreSQL, executemany batches on SQLite; never one ORM save per row.

    with bulk.writer(cursor, "ledger_entry", COLUMNS) as out:
        out.write_row(row)                 # any values: COPY's own encoding, or a parameter tuple
        if out.copy_text:                  # PostgreSQL: pre-formatted COPY text lines, the fastest path
            out.write_lines(lines)         # (the caller guarantees no tab, newline or backslash in values)

`insert_rows(cursor, table, columns, rows)` is the one-call form.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

__all__ = ["BATCH_SIZE", "Writer", "insert_rows", "writer"]

BATCH_SIZE = 20_000  # rows a SQLite executemany takes at a time


class Writer:
    """Writes rows into one table, for the life of a `writer(...)` block."""

    copy_text = False  # whether write_lines is available (PostgreSQL COPY)

    def write_row(self, row: Sequence) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        write = self.write_row
        for row in rows:
            write(row)

    def write_lines(self, lines: Sequence[str]) -> None:
        raise TypeError("COPY text lines are for PostgreSQL only: check Writer.copy_text")


class _Copy(Writer):
    copy_text = True

    def __init__(self, copy) -> None:
        self.write_row = copy.write_row
        self._write = copy.write

    def write_lines(self, lines: Sequence[str]) -> None:
        if lines:
            self._write("\n".join(lines) + "\n")


class _Batches(Writer):
    def __init__(self, cursor, sql: str, batch_size: int) -> None:
        self._cursor, self._sql, self._batch_size = cursor, sql, batch_size
        self._rows: list[Sequence] = []

    def write_row(self, row: Sequence) -> None:
        rows = self._rows
        rows.append(row)
        if len(rows) >= self._batch_size:
            self.flush()

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        pending, size, rows = self._rows, self._batch_size, iter(rows)
        while chunk := list(islice(rows, size - len(pending))):
            pending.extend(chunk)
            if len(pending) >= size:
                self.flush()

    def flush(self) -> None:
        rows, size = self._rows, self._batch_size
        for start in range(0, len(rows), size):
            self._cursor.executemany(self._sql, rows[start:start + size])
        rows.clear()


@contextmanager
def writer(cursor, table: str, columns: Sequence[str], *, batch_size: int = BATCH_SIZE) -> Iterator[Writer]:
    """A Writer into `table` (`columns` in the order the rows give them) on the cursor's connection."""
    names = ", ".join(columns)
    if cursor.db.vendor == "postgresql":
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            yield _Copy(copy)
        return
    batches = _Batches(cursor, f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", batch_size)  # nosec B608 # callers' literal names; values bound
    yield batches
    batches.flush()


def insert_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence], *,
                batch_size: int = BATCH_SIZE) -> None:
    """Insert the rows, set-based (COPY on PostgreSQL, executemany batches on SQLite)."""
    with writer(cursor, table, columns, batch_size=batch_size) as out:
        out.write_rows(rows)

"""Appending entries: the only code that inserts into ledger_entry.

One writer at a time: PostgreSQL locks the head row (SELECT … FOR UPDATE); SQLite runs every
transaction in IMMEDIATE mode (settings), which takes the write lock at BEGIN. Rows go in with
COPY on PostgreSQL and executemany on SQLite, never one ORM save per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from sirecords.core.canonical import canonical_json
from sirecords.ledger import bulk, merkle
from sirecords.ledger.context import MissingContext, WriteContext
from sirecords.ledger.entry_hash import entry_digest

COLUMNS = ("seq", "kind", "subject", "txn", "actor", "reason", "channel", "recorded_at", "effective", "payload", "prev_hash", "hash")


@dataclass(frozen=True)
class NewEntry:
    kind: str
    subject: str
    payload: dict[str, Any]
    effective: str = ""


@dataclass(frozen=True)
class PostedEntry:
    seq: int
    kind: str
    subject: str
    txn: str
    actor: str
    reason: str
    channel: str
    recorded_at: str
    effective: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def utc_timestamp(moment: datetime | None = None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class HeadMissing(RuntimeError):
    """The head row is gone or unreadable: nothing can be appended until `verify` explains why."""


def lock_head() -> tuple[int, str, merkle.CompactRange]:
    with connection.cursor() as cursor:
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        cursor.execute("SELECT size, last_hash, frontier FROM ledger_head WHERE id = 1" + lock)
        row = cursor.fetchone()
    if row is None:
        raise HeadMissing("the ledger head row (id=1) is missing: run `sirecords init`, or `sirecords verify`")
    size, last_hash, frontier = row
    return size, last_hash, merkle.CompactRange(size, [bytes.fromhex(h) for h in json.loads(frontier)])


@contextmanager
def _row_writer(batch_size: int):
    """A function that writes one entry row. PostgreSQL streams one COPY for the whole append, so the
    server inserts while Python hashes the next rows; SQLite takes executemany batches (ledger.bulk)."""
    with connection.cursor() as cursor, bulk.writer(cursor, "ledger_entry", COLUMNS, batch_size=batch_size) as out:
        yield out.write_row


def _append(ctx: WriteContext, entries: Iterable[NewEntry], batch_size: int, keep: list[PostedEntry] | None) -> int:
    if not isinstance(ctx, WriteContext):
        raise MissingContext("a ledger append needs a WriteContext (actor, reason, channel)")
    count = 0
    with transaction.atomic():
        size, last_hash, frontier = lock_head()
        recorded_at = utc_timestamp()
        with _row_writer(batch_size) as write:
            for new in entries:
                size += 1
                count += 1
                payload_text = canonical_json(new.payload)
                fields = (size, new.kind, new.subject, ctx.txn, ctx.actor, ctx.reason, ctx.channel,
                          recorded_at, new.effective, last_hash)
                digest = entry_digest(*fields, payload_text)
                frontier.append(merkle.leaf_hash(digest))
                digest_hex = digest.hex()
                write((*fields[:-1], payload_text, last_hash, digest_hex))
                if keep is not None:
                    keep.append(PostedEntry(*fields[:-1], new.payload, last_hash, digest_hex))
                last_hash = digest_hex
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_head SET size = %s, last_hash = %s, frontier = %s WHERE id = 1",
                [size, last_hash, json.dumps([h.hex() for h in frontier.hashes])],
            )
    return count


def append(ctx: WriteContext, entries: Iterable[NewEntry], *, batch_size: int = 10_000) -> list[PostedEntry]:
    """Append entries in order, atomically; return them as posted (with seq and hash)."""
    posted: list[PostedEntry] = []
    _append(ctx, entries, batch_size, posted)
    return posted


def append_bulk(ctx: WriteContext, entries: Iterable[NewEntry], *, batch_size: int = 10_000) -> int:
    """Like append() for very large batches: keeps no list of posted entries, returns the count."""
    return _append(ctx, entries, batch_size, None)


def read_head() -> tuple[int, str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT size, last_hash, frontier FROM ledger_head WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        raise HeadMissing("the ledger head row (id=1) is missing")
    size, last_hash, frontier = row
    try:
        return size, last_hash, json.loads(frontier)
    except ValueError:
        raise HeadMissing("the ledger head's frontier is not valid JSON") from None


def posted_from_row(row: Sequence) -> PostedEntry:
    seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, payload, prev_hash, digest = row
    return PostedEntry(seq, kind, subject, txn, actor, reason, channel, recorded_at, effective,
                       json.loads(payload), prev_hash, digest)

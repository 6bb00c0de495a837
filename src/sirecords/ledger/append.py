"""Appending entries: the only code that inserts into ledger_entry and writes the head.

One writer at a time: PostgreSQL locks the head row (SELECT … FOR UPDATE); SQLite runs every
transaction in IMMEDIATE mode (settings), which takes the write lock at BEGIN. Rows go in with
COPY on PostgreSQL and executemany on SQLite, never one ORM save per row.

The head is signed with the instance's key at every append (size, last hash, Merkle root and the size of
the latest checkpoint), and an append refuses to extend a head whose signature does not verify: someone
who can write the database but lacks the key cannot add or rewrite entries after the last checkpoint and
have the next posting or checkpoint sign them. Each append ends with a signed checkpoint (checkpoints.after_append).
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
from sirecords.ledger import bulk, merkle, signatures
from sirecords.ledger.context import MissingContext, WriteContext
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH, entry_digest

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


class HeadForged(HeadMissing):
    """The head's signature does not verify: it was written without the instance's key. Nothing is appended
    (or signed) on top of it until `verify` explains why."""


HEAD_STATEMENT = "sirecords/ledger-head/v1"


@dataclass
class HeadState:
    size: int
    last_hash: str
    frontier: merkle.CompactRange
    checkpoint_size: int = 0
    signature: str = ""

    @property
    def hex_frontier(self) -> list[str]:
        return [h.hex() for h in self.frontier.hashes]

    def signature_holds(self) -> bool:
        """Signed by the instance's key; a new ledger's head (nothing appended, no checkpoint) needs no signature."""
        if not self.signature and self.size == 0 and self.checkpoint_size == 0 and self.last_hash == GENESIS_PREV_HASH \
                and not self.frontier.hashes:
            return True
        return signatures.valid(self.signature, HEAD_STATEMENT, **head_statement(self))


def head_statement(state: HeadState) -> dict[str, Any]:
    """The fields the head signature covers (signatures.statement adds the kind and the origin)."""
    return {"size": state.size, "last_hash": state.last_hash, "root": state.frontier.root().hex(),
            "checkpoint_size": state.checkpoint_size}


def sign_head(state: HeadState) -> str:
    return signatures.sign(HEAD_STATEMENT, **head_statement(state))


def _head_from_row(row) -> HeadState:
    if row is None:
        raise HeadMissing("the ledger head row (id=1) is missing")
    size, last_hash, frontier, checkpoint_size, signature = row
    try:
        hashes = [bytes.fromhex(h) for h in json.loads(frontier)]
        return HeadState(size, last_hash, merkle.CompactRange(size, hashes), checkpoint_size, signature)
    except (ValueError, TypeError):
        raise HeadMissing("the ledger head's frontier is not a valid Merkle frontier") from None


_HEAD_SQL = "SELECT size, last_hash, frontier, checkpoint_size, signature FROM ledger_head WHERE id = 1"


def lock_head_state(*, check_signature: bool = True) -> HeadState:
    """Lock the head (until the transaction ends) and read it; HeadForged when its signature does not verify."""
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL + (" FOR UPDATE" if connection.vendor == "postgresql" else ""))
        state = _head_from_row(cursor.fetchone())
    if check_signature and not state.signature_holds():
        raise HeadForged(f"the ledger head (size {state.size}) does not carry a valid signature of this instance: it was "
                         "written without the key; nothing is appended or signed on top of it — run `sirecords verify`")
    return state


def read_head_state() -> HeadState:
    with connection.cursor() as cursor:
        cursor.execute(_HEAD_SQL)
        return _head_from_row(cursor.fetchone())


def lock_head() -> tuple[int, str, merkle.CompactRange]:
    state = lock_head_state(check_signature=False)
    return state.size, state.last_hash, state.frontier


def write_head(state: HeadState) -> None:
    """Store `state` with a new signature; the caller holds the head lock (lock_head_state)."""
    state.signature = sign_head(state)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_head SET size = %s, last_hash = %s, frontier = %s, checkpoint_size = %s, signature = %s "
            "WHERE id = 1",
            [state.size, state.last_hash, json.dumps(state.hex_frontier), state.checkpoint_size, state.signature],
        )


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
        head = lock_head_state()
        size, last_hash, frontier = head.size, head.last_hash, head.frontier
        start = (size, list(frontier.hashes))
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
        if count:
            from sirecords.ledger import checkpoints  # checkpoints reads the head through this module

            head.size, head.last_hash, head.frontier = size, last_hash, frontier
            checkpoints.after_append(ctx, checkpoints.Appended(*start, size, last_hash, list(frontier.hashes)), head)
            write_head(head)  # signed once, naming the checkpoint just made (if one was)
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
    state = read_head_state()
    return state.size, state.last_hash, state.hex_frontier


def posted_from_row(row: Sequence) -> PostedEntry:
    seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, payload, prev_hash, digest = row
    return PostedEntry(seq, kind, subject, txn, actor, reason, channel, recorded_at, effective,
                       json.loads(payload), prev_hash, digest)

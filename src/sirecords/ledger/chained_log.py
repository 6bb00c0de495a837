"""Append-only logs kept beside the ledger, each a hash chain with a signed head: the access log
(records.models.ACCESS_LOG) and the workflow action log (workflow.models.ACTION_LOG).

Each row of a log carries its position (gapless from 1; its primary key), `prev_hash` and `hash`: SHA-256 of the
JSON array

    [version, seq, <the log's fields, in order>, prev_hash]

(UTF-8, no insignificant white space; a date-time field as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC). One row of
`ledger_log_head` per log keeps its size and last hash with the instance's Ed25519 signature over them, made at
every append; an append refuses to extend a head whose signature does not verify, so someone who writes to the
database without the key can neither add nor rewrite a record unnoticed, nor have the next append sign a
rewrite. Every checkpoint anchors each log's head in its signed note (checkpoints.py), so removing records
(rolling a head back to an older signed state) is named against the checkpoints and their witness copies.
The tables are append-only in the database as well (triggers.py). `verify` checks every log (verify.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import connection, models, transaction

from sirecords.ledger import signatures
from sirecords.ledger.append import utc_timestamp
from sirecords.ledger.chain import HashChain
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH
from sirecords.ledger.models import LogHead

HEAD_STATEMENT = "sirecords/log-head/v1"
PAGE = 20_000
_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class LogHeadForged(RuntimeError):
    """A log's head is missing or its signature does not verify: nothing is appended to that log (or anchored)
    until `sirecords verify` explains why."""


class Anchor(NamedTuple):
    """A log's size and the hash of its record #size, as a signed checkpoint (`source`) saw them."""

    size: int
    hash: str
    source: str


def hashed_value(value: Any) -> Any:
    """A column's value as hashed: date-times as UTC stamps, everything else as stored."""
    return utc_timestamp(value) if isinstance(value, datetime) else value


def _aware(value: Any) -> Any:
    """A date-time column as read by raw SQL: SQLite gives the text Django stored (UTC), PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def record_hash(version: str, seq: int, values: Sequence[Any], prev_hash: str) -> str:
    return hashlib.sha256(_dump([version, seq, *map(hashed_value, values), prev_hash]).encode("utf-8")).hexdigest()


def head_signature(name: str, size: int, last_hash: str) -> str:
    return signatures.sign(HEAD_STATEMENT, log=name, size=size, last_hash=last_hash)


def head_signature_holds(name: str, size: int, last_hash: str, signature: str) -> bool:
    """Signed by the instance's key; an empty log's head needs no signature."""
    if size == 0 and last_hash == GENESIS_PREV_HASH and not signature:
        return True
    return signatures.valid(signature, HEAD_STATEMENT, log=name, size=size, last_hash=last_hash)


@dataclass(frozen=True)
class ChainedLog:
    model: type[models.Model]
    version: str  # the first element of every hashed array: names the log and its format
    fields: tuple[str, ...]  # the hashed columns (attnames), in order, between seq and prev_hash
    seq: str = "seq"  # the column (the primary key) holding the position; findings name a row by it: "workflow_action id=N"
    noun: str = "records"  # what its rows are, in findings: "access records #3–#5 are missing"

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def where(self, seq: int) -> str:
        return f"{self.name} {self.seq}={seq}"

    @property
    def head_where(self) -> str:
        return f"ledger_log_head name={self.name}"

    # --- writing ---

    def append(self, **values: Any) -> models.Model:
        """Insert one record (the log's fields, plus any unhashed ones) at the end of the chain; re-sign the head."""
        missing = set(self.fields) - set(values)
        if missing:
            raise ValueError(f"a {self.name} record needs {', '.join(sorted(missing))}")
        # No savepoint inside the caller's transaction: a failure here fails the caller's work with it.
        with transaction.atomic(savepoint=False):
            size, last_hash, signature = self._lock_head()
            if not head_signature_holds(self.name, size, last_hash, signature):
                raise LogHeadForged(f"the head of {self.name} (size {size}) does not carry a valid signature of this "
                                    "instance: nothing is appended to it — run `sirecords verify`")
            seq = size + 1
            digest = record_hash(self.version, seq, [values[f] for f in self.fields], last_hash)
            row = self.model(**{self.seq: seq}, prev_hash=last_hash, hash=digest, **values)
            with connection.cursor() as cursor:
                cursor.execute(self._insert_sql(), [field.get_db_prep_save(field.pre_save(row, True), connection)
                                                    for field in self.model._meta.concrete_fields])
                cursor.execute("UPDATE ledger_log_head SET size = %s, last_hash = %s, signature = %s WHERE name = %s",
                               [seq, digest, head_signature(self.name, seq, digest), self.name])
        row._state.adding, row._state.db = False, connection.alias
        return row

    def _insert_sql(self) -> str:
        """One INSERT of every column (no ORM save: a log row is written once, here, and never saved again)."""
        quote = connection.ops.quote_name
        columns = [quote(field.column) for field in self.model._meta.concrete_fields]
        return f"INSERT INTO {quote(self.name)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # nosec B608 # quoted _meta names; values bound

    def _lock_head(self) -> tuple[int, str, str]:
        head = self.read_head(lock=True)
        if head is None:
            # The head row is made with the first record (INSERT … ON CONFLICT DO NOTHING: two first writers do not
            # clash); a log with records but no head is refused.
            if self.model.objects.exists():
                raise LogHeadForged(f"the head of {self.name} is missing, but the log holds records: "
                                    "nothing is appended to it — run `sirecords verify`")
            LogHead.objects.bulk_create([LogHead(name=self.name, size=0, last_hash=GENESIS_PREV_HASH)],
                                        ignore_conflicts=True)
            head = self.read_head(lock=True)
        return head

    # --- reading and checking ---

    def read_head(self, *, lock: bool = False) -> tuple[int, str, str] | None:
        """(size, last hash, signature), or None when the log has no head row; `lock` holds it to the transaction's end."""
        lock_sql = " FOR UPDATE" if lock and connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute("SELECT size, last_hash, signature FROM ledger_log_head WHERE name = %s" + lock_sql, [self.name])  # nosec B608 # constant names; values bound
            return cursor.fetchone()

    def rows(self, after: int = 0, up_to: int | None = None) -> Iterator[tuple]:
        """(seq, *fields, prev_hash, hash) with after < seq <= up_to, in seq order, a page at a time (raw SQL: verify
        streams whole logs; date-times are read back as aware UTC datetimes on both engines)."""
        meta, quote = self.model._meta, connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in (self.seq, *self.fields, "prev_hash", "hash"))
        seq = quote(meta.get_field(self.seq).column)
        bound = "" if up_to is None else f" AND {seq} <= %s"
        sql = f"SELECT {columns} FROM {quote(self.name)} WHERE {seq} > %s{bound} ORDER BY {seq} LIMIT {PAGE}"  # nosec B608 # quoted _meta names; values bound
        timestamps = [i for i, name in enumerate(self.fields, 1) if isinstance(meta.get_field(name), models.DateTimeField)]
        with connection.cursor() as cursor:
            while True:
                cursor.execute(sql, [after] if up_to is None else [after, up_to])
                page = cursor.fetchall()
                for row in page:
                    if timestamps:
                        row = list(row)
                        for i in timestamps:
                            row[i] = _aware(row[i])
                    yield tuple(row)
                if len(page) < PAGE:
                    return
                after = page[-1][0]

    def check(self, report: Callable[[str, str], None], *, after: int = 0, prev_hash: str = GENESIS_PREV_HASH,
              up_to: int | None = None, anchors: Iterable[Anchor] = ()) -> tuple[int, str]:
        """Stream the records after `after` (whose hash is `prev_hash`) up to `up_to`; report(where, message) for each
        break, and for each anchor whose hash differs from the record's at its size (`anchors` in size order).
        Returns (the last seq seen, its stored hash)."""
        chain = HashChain(expected_seq=after + 1, prev_hash=prev_hash)
        pending = iter(anchors)
        anchor = next(pending, None)
        agreed = after  # the largest anchored size that agreed: records up to it are as signed
        differing: dict[str, int] = {}  # per kind of source (checkpoint, witness copy): anchors that differ
        for row in self.rows(after, up_to):
            seq, values, stored_prev, stored = row[0], row[1:-2], row[-2], row[-1]
            broken = chain.link(seq, stored_prev, stored, record_hash(self.version, seq, values, stored_prev))
            if broken is not None:
                if seq > broken.expected_seq:
                    report(self.where(seq), f"{self.noun} #{broken.expected_seq}–#{seq - 1} are missing")
                elif seq < broken.expected_seq:
                    report(self.where(seq), f"out of order: seq {seq} where #{broken.expected_seq} was expected")
                if not broken.linked:
                    report(self.where(seq), "prev_hash does not link to the previous record's hash")
                if not broken.contents_match:
                    report(self.where(seq), "its contents do not match its stored hash")
            while anchor is not None and anchor.size <= seq:
                if anchor.size == seq and anchor.hash != stored:
                    kind = anchor.source.split(" ")[0]
                    if kind not in differing:  # the first is named; later ones (every checkpoint after it) counted
                        report(self.where(seq), f"its hash differs from the one {anchor.source} anchors for #{seq}: "
                                                f"{self.noun} #{agreed + 1}–#{seq} were rewritten or removed since")
                    differing[kind] = differing.get(kind, 0) + 1
                elif anchor.size == seq and not differing:
                    agreed = seq
                anchor = next(pending, None)
        for kind, count in differing.items():
            if count > 1:
                report(self.name, f"{count - 1} later anchor(s) of {kind} copies differ as well")
        last_seq = chain.expected_seq - 1
        while anchor is not None:
            if anchor.size > last_seq:
                report(self.where(last_seq) if last_seq else self.name,
                       f"{anchor.source} anchors {anchor.size} {self.noun}; the log holds only {last_seq}: "
                       f"{self.noun} #{last_seq + 1}–#{anchor.size} were removed")
                break
            anchor = next(pending, None)
        return last_seq, chain.prev_hash

    def check_head(self, report: Callable[[str, str], None], last_seq: int, last_hash: str) -> tuple[int, str] | None:
        """The head row against the records as checked; returns (size, last hash) when it is present."""
        head = self.read_head()
        if head is None:
            if last_seq:
                report(self.head_where, f"the head row is missing, but the log holds {last_seq} {self.noun}")
            return None
        size, head_hash, signature = head
        if (size, head_hash) != (last_seq, last_hash):
            report(self.head_where, f"says {size} {self.noun} ending in {head_hash[:16]}…; the log holds {last_seq} "
                                    f"ending in {last_hash[:16]}…")
        if not head_signature_holds(self.name, size, head_hash, signature):
            report(self.head_where, "its signature does not verify: the head was written without the instance's key")
        return size, head_hash


_logs: dict[str, ChainedLog] = {}


def register(log: ChainedLog) -> ChainedLog:
    """Each app registers its logs (at import of its models): checkpoints anchor them and verify checks them."""
    _logs[log.name] = log
    return log


def registered() -> list[ChainedLog]:
    return [_logs[name] for name in sorted(_logs)]


def read_heads() -> dict[str, tuple[int, str, str]]:
    """Every log's head in one query: {name: (size, last hash, signature)}."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, size, last_hash, signature FROM ledger_log_head")
        return {name: (size, last_hash, signature) for name, size, last_hash, signature in cursor.fetchall()}


# --- anchors in a checkpoint's signed note: one extension line per log ---

ANCHOR_PREFIX = "sirecords-log"
_ANCHOR = re.compile(ANCHOR_PREFIX + r" (?P<name>[a-z0-9_]+) (?P<size>0|[1-9][0-9]*) (?P<hash>[0-9a-f]{64})")


def anchor_line(name: str, size: int, last_hash: str) -> str:
    return f"{ANCHOR_PREFIX} {name} {size} {last_hash}"


def parse_anchor_lines(lines: Iterable[str]) -> dict[str, tuple[int, str]]:
    """{log name: (size, last hash)} from a checkpoint's extension lines; other lines are ignored."""
    anchors = {}
    for line in lines:
        found = _ANCHOR.fullmatch(line)
        if found:
            anchors[found["name"]] = (int(found["size"]), found["hash"])
    return anchors

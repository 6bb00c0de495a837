"""Signed checkpoints: `sirecords checkpoint` signs (origin, size, root) of the current head, with one
extension line per chained log anchoring its head (size, last hash), and copies the note to the witness folder
(in production, a folder the supervising department controls). A checkpoint is also made with every
posting, in its transaction (`after_append`; setting SIRECORDS_AUTO_CHECKPOINT_SECONDS), and copied when it
commits, so that removing the latest entries by rolling the head back to an older signed state is caught by
the witness copies.

A checkpoint never signs what it has not checked: the head's signature and the previous checkpoint's
signatures; the entries since the previous checkpoint (re-read, their chain checked and the Merkle frontier
extended — or, right after an append, the frontier the appender computed itself from the entries it wrote);
each log's head signature and its records since the previous checkpoint's anchor.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from sirecords.core.canonical import canonical_bytes
from sirecords.crypto.keys import active_keys
from sirecords.crypto.objects import FolderPlace, Place, as_place, witness_place
from sirecords.ledger import chained_log, merkle, note, signatures
from sirecords.ledger.append import HeadForged, HeadState, lock_head_state, write_head
from sirecords.ledger.chain import ChainCheck
from sirecords.ledger.context import WriteContext
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.reading import entry_hash_at, entry_rows

security_log = logging.getLogger("sirecords.security")


class LedgerBroken(RuntimeError):
    """The head, the entries or a log since the last checkpoint do not check out: nothing is signed."""


def origin() -> str:
    return signatures.origin()


def verifier_key() -> str:
    """The verifier key of the key that signs checkpoint notes now (what the witness is given)."""
    return note.verifier_key(origin(), active_keys().note_key.public_key())


def open_signed(text: str) -> note.Checkpoint:
    """A checkpoint note signed by the current checkpoint key, or by a retired one at a size it signed before it was
    rotated out (key_rotation): a retired key's signature on a later size is refused (the key may have leaked)."""
    keys = active_keys()
    try:
        return note.open_checkpoint(text, verifier_key())
    except note.NoteError as error:
        refusal = error
    for retired, last_size in reversed(keys.retired_checkpoint_keys):
        try:
            signed = note.open_checkpoint(text, retired)
        except note.NoteError:
            continue
        if signed.size <= last_size:
            return signed
        refusal = note.NoteError(f"signed by a retired checkpoint key, which signed up to size {last_size} only, "
                                 f"for size {signed.size}")
    raise refusal


def current_note(cp: Checkpoint) -> str:
    """The stored note when the current checkpoint key signed it; a note signed before a key rotation is signed
    again, its text unchanged, with the current key (after its row signature is checked), so that it verifies with
    the current key's certificate (the certificates' evidence)."""
    try:
        note.open_note(cp.note, verifier_key())
        return cp.note
    except note.NoteError:
        pass
    if not row_signature_valid(cp):
        raise LedgerBroken(f"refusing to sign: the checkpoint row (size {cp.size}) was changed — run `sirecords verify`")
    return note.sign_note(note.note_text(cp.note), origin(), active_keys().note_key)


def row_bytes(size: int, root: str, frontier: str, note_text: str, created_at: datetime, actor: str) -> bytes:
    """What the row signature covers: every column, so no column changes unnoticed."""
    stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return canonical_bytes({"actor": actor, "created_at": stamp, "frontier": frontier, "note": note_text,
                            "root": root, "size": size})


def row_signature_valid(cp: Checkpoint) -> bool:
    return signatures.valid_bytes(row_bytes(cp.size, cp.root, cp.frontier, cp.note, cp.created_at, cp.actor), cp.signature)


def witness_name(size: int) -> str:
    return f"checkpoint-{size:012d}.txt"


def witness_file(directory: Path, size: int) -> Path:
    """The witness copy of `size` in a witness folder (tests and tools that look at a folder)."""
    return directory / witness_name(size)


def log_anchors(checkpoint: note.Checkpoint) -> dict[str, tuple[int, str]]:
    """{log name: (size, last hash)} that a checkpoint anchors."""
    return chained_log.parse_anchor_lines(checkpoint.extensions)


def _frontier(cp: Checkpoint | None) -> merkle.CompactRange:
    if cp is None:
        return merkle.CompactRange()
    return merkle.CompactRange(cp.size, [bytes.fromhex(h) for h in json.loads(cp.frontier)])


@dataclass(frozen=True)
class Appended:
    """What one append changed, as the appender computed it: the head before and after."""

    start_size: int
    start_hashes: list[bytes]
    size: int
    last_hash: str
    hashes: list[bytes]


class Signed(NamedTuple):
    checkpoint: Checkpoint  # the latest checkpoint: the one just made, or the previous one when the head is unchanged
    created: bool
    witness: Place  # where the witness copies go (a folder, or the object store)
    witness_name: str  # the copy of the note just signed (or of the latest one)

    @property
    def witness_copy(self) -> Path | str:
        """The copy's path in a witness folder; its s3:// address in an object store."""
        return self.witness.path(self.witness_name) if isinstance(self.witness, FolderPlace) else self.witness.where(self.witness_name)


def _write_once(witness: Place, name: str, text: str) -> None:
    """Write a witness copy under its final name in one step (a renamed file, one PUT); never change a copy that is
    there."""
    witness.put(name, text.encode("utf-8"), once=True)


def _check_previous(previous: Checkpoint | None, head: HeadState) -> dict[str, tuple[int, str]]:
    """The latest stored checkpoint is the one the signed head names, and its signatures hold; its log anchors."""
    if previous is None:
        if head.checkpoint_size:
            raise LedgerBroken(f"refusing to sign: the signed head names a checkpoint at size {head.checkpoint_size}, "
                               "but none is stored (checkpoint rows were deleted) — run `sirecords verify`")
        return {}
    if not row_signature_valid(previous):  # it covers the note as signed and stored: no need to check that again
        raise LedgerBroken(f"refusing to sign: the latest checkpoint row (size {previous.size}) was changed")
    try:
        signed = note.parse_checkpoint_body(note.note_text(previous.note))
    except note.NoteError as error:
        raise LedgerBroken(f"refusing to sign: the latest checkpoint (size {previous.size}) does not parse: {error}") from None
    if signed.size != previous.size or signed.root.hex() != previous.root:
        raise LedgerBroken(f"refusing to sign: the latest checkpoint row (size {previous.size}) disagrees with its note")
    if previous.size != head.checkpoint_size:
        raise LedgerBroken(f"refusing to sign: the latest stored checkpoint is at size {previous.size}, but the signed "
                           f"head names size {head.checkpoint_size} (checkpoint rows were deleted or added)")
    return log_anchors(signed)


def _check_logs(previous: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """Each log's head (signature, and the records since the previous anchor): {log name: (size, last hash)}."""
    anchors: dict[str, tuple[int, str]] = {}
    problems: list[str] = []
    heads = chained_log.read_heads()
    for log in chained_log.registered():
        start_size, start_hash = previous.get(log.name, (0, GENESIS_PREV_HASH))
        head = heads.get(log.name)
        if head is None:
            if start_size:  # (a log with records and no head row is not anchored; verify names it)
                problems.append(f"{log.head_where}: the head row is missing")
            continue
        size, last_hash, signature = head
        if not chained_log.head_signature_holds(log.name, size, last_hash, signature):
            problems.append(f"{log.head_where}: its signature does not verify")
        elif size < start_size:
            problems.append(f"{log.head_where}: says {size} {log.noun}; the previous checkpoint anchored {start_size}")
        elif (size, last_hash) != (start_size, start_hash):  # grown since: check the records added
            found = log.check(lambda where, message: problems.append(f"{where}: {message}"),
                              after=start_size, prev_hash=start_hash, up_to=size)
            if found != (size, last_hash):
                problems.append(f"{log.head_where}: says {size} {log.noun} ending in {last_hash[:16]}…; "
                                f"the log holds {found[0]} ending in {found[1][:16]}…")
        if size:
            anchors[log.name] = (size, last_hash)
    if problems:
        raise LedgerBroken("refusing to sign: " + "; ".join(problems[:5]) + " — run `sirecords verify`")
    return anchors


def _root(head: HeadState, previous: Checkpoint | None, appended: Appended | None) -> bytes:
    """The Merkle root at the head's size, from entries checked since the previous checkpoint."""
    start_size = previous.size if previous is not None else 0
    start = _frontier(previous)
    if (appended is not None and appended.start_size == start_size and appended.start_hashes == start.hashes
            and (appended.size, appended.last_hash, appended.hashes) == (head.size, head.last_hash, head.frontier.hashes)):
        # Right after an append that began at the previous checkpoint: the appender extended that (signed)
        # frontier with the hashes of the entries it wrote itself, so there is nothing to re-read.
        return merkle.CompactRange(appended.size, appended.hashes).root()
    problems: list[str] = []
    check = ChainCheck(report=lambda seq, message: problems.append(message))
    check.frontier = start
    if previous is not None:
        check.expected_seq = previous.size + 1
        check.prev_hash = entry_hash_at(previous.size) or ""
    for row in entry_rows(after=start_size, up_to=head.size):
        check.feed(row)
    if check.frontier.size != head.size:
        problems.append(f"the head says {head.size} entries but {check.frontier.size} were found")
    if check.frontier.hashes != head.frontier.hashes:
        problems.append("the head's Merkle frontier does not match the entries")
    if head.size and check.prev_hash != head.last_hash:
        problems.append("the head's last hash is not the last entry's")
    if problems:
        raise LedgerBroken("refusing to sign: " + "; ".join(problems[:5]) + " — run `sirecords verify`")
    return check.frontier.root()


def create_checkpoint(ctx: WriteContext, witness: Place | Path | str | None = None) -> Signed:
    """Sign the current head and the logs' heads; copy the note to the witness folder.

    An unchanged ledger reuses the last checkpoint; if a log has grown since it, a note of the same size and root
    with the logs' new anchors goes to the witness folder only (`checkpoint-<size>-<digest>.txt`): the database
    keeps one checkpoint per ledger size."""
    with transaction.atomic():
        try:
            head = lock_head_state()
        except HeadForged as forged:
            raise LedgerBroken(f"refusing to sign: {forged}") from None
        signed, text = _sign(ctx, as_place(witness) or witness_place(), head, None)
        if signed.created:
            write_head(head)  # now naming the new checkpoint
    _write_once(signed.witness, signed.witness_name, text)
    return signed


def _sign(ctx: WriteContext, witness: Place, head: HeadState, appended: Appended | None) -> tuple[Signed, str]:
    """The database part of a checkpoint of `head` (locked by the caller, whose signature holds): (what was signed,
    the note text for the witness copy). A new checkpoint sets head.checkpoint_size; the caller writes the head.
    Every check comes before the first write: a LedgerBroken leaves the database as it was."""
    previous = Checkpoint.objects.order_by("-size").first()
    anchored = _check_previous(previous, head)
    anchors = _check_logs(anchored)
    extensions = tuple(chained_log.anchor_line(name, *anchors[name]) for name in sorted(anchors))
    if previous is not None and previous.size == head.size:
        if anchors == anchored:
            return Signed(previous, False, witness, witness_name(previous.size)), previous.note
        text = note.sign_checkpoint(note.Checkpoint(origin(), head.size, bytes.fromhex(previous.root), extensions),
                                    origin(), active_keys().note_key)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        return Signed(previous, False, witness, f"checkpoint-{head.size:012d}-{digest}.txt"), text
    root = _root(head, previous, appended)
    text = note.sign_checkpoint(note.Checkpoint(origin(), head.size, root, extensions), origin(), active_keys().note_key)
    columns = dict(size=head.size, root=root.hex(), frontier=json.dumps(head.hex_frontier),
                   note_text=text, created_at=datetime.now(UTC), actor=ctx.actor)
    signature = signatures.sign_bytes(row_bytes(**columns))
    columns["note"] = columns.pop("note_text")
    checkpoint = Checkpoint.objects.create(**columns, signature=signature)
    head.checkpoint_size = head.size
    return Signed(checkpoint, True, witness, witness_name(head.size)), text


# --- a checkpoint with every posting ---


def auto_checkpoint_seconds() -> float | None:
    """None: no checkpoint with postings; 0: with every one; N: with a posting when the last is N seconds old."""
    return getattr(settings, "SIRECORDS_AUTO_CHECKPOINT_SECONDS", 0.0)


def after_append(ctx: WriteContext, appended: Appended, head: HeadState) -> Signed | None:
    """Called by the appender at the end of its transaction, holding the head lock, before it writes `head` (its
    new state): sign a checkpoint of what it appended in the same transaction (no commit of its own; `head` then
    names it), and copy the note to the witness folder once the transaction commits. A checkpoint that cannot be
    made (a log that does not check) leaves the posting alone and is logged; `verify` then finds the witness
    folder behind the database."""
    seconds = auto_checkpoint_seconds()
    if seconds is None:
        return None
    if seconds > 0:
        last = Checkpoint.objects.order_by("-size").values_list("created_at", flat=True).first()
        if last is not None and (datetime.now(UTC) - last).total_seconds() < seconds:
            return None
    auto = WriteContext(actor=ctx.actor, reason=f"checkpoint with posting {ctx.txn}", channel="system-job")
    try:
        signed, text = _sign(auto, witness_place(), head, appended)
    except LedgerBroken as error:
        security_log.error("no checkpoint with posting %s: %s", ctx.txn, error)
        return None
    transaction.on_commit(lambda: _copy_to_witness(ctx, signed, text), robust=True)
    return signed


def _copy_to_witness(ctx: WriteContext, signed: Signed, text: str) -> None:
    try:
        _write_once(signed.witness, signed.witness_name, text)
    except OSError as error:
        # The posting and its checkpoint stand (committed); `verify` reports the witness folder as behind.
        security_log.error("checkpoint with posting %s not copied to the witness folder: %s", ctx.txn, error)

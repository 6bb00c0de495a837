"""Signed checkpoints: `sirecords checkpoint` signs (origin, size, root) of the current head and
copies the note to the witness folder (in production, a folder the supervising department controls).

Each checkpoint extends the previous one: the entries since it are re-read, their chain checked and
the Merkle frontier extended, so a checkpoint never signs a head it has not checked.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db import transaction

from sirecords.core.canonical import canonical_bytes
from sirecords.core.home import witness_dir
from sirecords.crypto.keys import active_keys
from sirecords.ledger import merkle, note
from sirecords.ledger.append import lock_head
from sirecords.ledger.chain import ChainCheck
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.reading import entry_hash_at, entry_rows


class LedgerBroken(RuntimeError):
    """The entries since the last checkpoint do not check out: nothing is signed."""


def origin() -> str:
    return settings.SIRECORDS_LEDGER_ORIGIN


def verifier_key() -> str:
    return note.verifier_key(origin(), active_keys().public_key)


def row_bytes(size: int, root: str, frontier: str, note_text: str, created_at: datetime, actor: str) -> bytes:
    """What the row signature covers: every column, so no column changes unnoticed."""
    stamp = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return canonical_bytes({"actor": actor, "created_at": stamp, "frontier": frontier, "note": note_text,
                            "root": root, "size": size})


def row_signature_valid(cp: Checkpoint) -> bool:
    try:
        active_keys().public_key.verify(bytes.fromhex(cp.signature),
                                        row_bytes(cp.size, cp.root, cp.frontier, cp.note, cp.created_at, cp.actor))
    except (InvalidSignature, ValueError):
        return False
    return True


def witness_file(directory: Path, size: int) -> Path:
    return directory / f"checkpoint-{size:012d}.txt"


def _frontier(cp: Checkpoint | None) -> merkle.CompactRange:
    if cp is None:
        return merkle.CompactRange()
    return merkle.CompactRange(cp.size, [bytes.fromhex(h) for h in json.loads(cp.frontier)])


def create_checkpoint(ctx: WriteContext, witness: Path | None = None) -> tuple[Checkpoint, bool]:
    """Sign the current head; return (checkpoint, created). An unchanged head reuses the last one."""
    witness = witness or witness_dir()
    with transaction.atomic():
        size, last_hash, head_frontier = lock_head()
        previous = Checkpoint.objects.order_by("-size").first()
        if previous is not None and previous.size == size:
            checkpoint, created = previous, False
        else:
            problems: list[str] = []
            check = ChainCheck(report=lambda seq, message: problems.append(message))
            check.frontier = _frontier(previous)
            if previous is not None:
                check.expected_seq = previous.size + 1
                check.prev_hash = entry_hash_at(previous.size) or ""
            for row in entry_rows(after=check.frontier.size, up_to=size):
                check.feed(row)
            if check.frontier.size != size:
                problems.append(f"the head says {size} entries but {check.frontier.size} were found")
            if check.frontier.hashes != head_frontier.hashes:
                problems.append("the head's Merkle frontier does not match the entries")
            if problems:
                raise LedgerBroken("refusing to sign: " + "; ".join(problems[:5]) + " — run `sirecords verify`")
            root = check.frontier.root()
            signed = note.sign_checkpoint(note.Checkpoint(origin(), size, root), origin(), active_keys().signing_key)
            columns = dict(size=size, root=root.hex(), frontier=json.dumps([h.hex() for h in check.frontier.hashes]),
                           note_text=signed, created_at=datetime.now(UTC), actor=ctx.actor)
            signature = active_keys().signing_key.sign(row_bytes(**columns)).hex()
            columns["note"] = columns.pop("note_text")
            checkpoint = Checkpoint.objects.create(**columns, signature=signature)
            created = True
    witness.mkdir(parents=True, exist_ok=True)
    target = witness_file(witness, checkpoint.size)
    if not target.exists():
        target.write_text(checkpoint.note, encoding="utf-8")
    return checkpoint, created

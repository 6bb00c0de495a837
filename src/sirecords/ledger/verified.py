"""Where `sirecords verify --since-checkpoint` starts: the latest checkpoint an earlier verify found the ledger agrees
with, and why it can be trusted.

After a run that found nothing, the CLI records the latest stored checkpoint whose signed root and stored frontier
the run recomputed from the entries (`record`), in `$SIRECORDS_HOME/verify-state.json`, signed with the instance's
key (signatures.py: the statement `sirecords/verified-checkpoint/v1`), so that someone who can write the database or
the home folder but does not hold the key cannot name a checkpoint of their own. The next incremental run trusts it
only when (`trusted_start`):

- the record's signature verifies;
- the stored checkpoint of that size is there, its row signature and its note's signature verify, and its root is
  the recorded one;
- the witness copy of that size (`checkpoint-<size>.txt`, outside the database) is there and is that very note, or
  a note of the same size and root that verifies;
- the stored frontier at that size gives that root (it is what the entries after it extend);
- the ledger still holds the entry at that size, and the head is not smaller.

Otherwise it says why and the full verify runs. A deleted or older record only makes the next run longer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sirecords.core.home import home
from sirecords.crypto.objects import Place, as_place
from sirecords.ledger import merkle, note, signatures
from sirecords.ledger.append import HeadMissing, read_head_state, utc_timestamp
from sirecords.ledger.checkpoints import log_anchors, open_signed, row_signature_valid, witness_name
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.reading import entry_hash_at

STATEMENT = "sirecords/verified-checkpoint/v1"


def state_file() -> Path:
    return home() / "verify-state.json"


@dataclass(frozen=True)
class Start:
    """A verified checkpoint to go on from: its size, signed root, stored frontier and log anchors."""

    size: int
    root: bytes
    frontier: merkle.CompactRange
    anchors: dict[str, tuple[int, str]]


def record(report, path: Path | None = None) -> Path | None:
    """After a run that found nothing: sign and keep the latest checkpoint it verified (None when there is none)."""
    if not report.ok or not report.verified_checkpoint:
        return None
    path = path or state_file()
    fields = {"size": report.verified_checkpoint, "root": report.verified_root, "mode": report.mode,
              "checked_at": report.checked_at or utc_timestamp()}
    data = {**fields, "signature": signatures.sign(STATEMENT, **fields)}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def trusted_start(witness: Place | Path | None, path: Path | None = None) -> tuple[Start | None, str]:
    """(where to start, "") or (None, why the full verify runs instead)."""
    witness = as_place(witness)
    path = path or state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = {key: data[key] for key in ("size", "root", "mode", "checked_at")}
        size, root = int(fields["size"]), str(fields["root"])
    except FileNotFoundError:
        return None, f"no verified checkpoint is recorded yet ({path.name}): the first run is a full one"
    except (OSError, ValueError, KeyError, TypeError) as error:
        return None, f"the verified checkpoint record {path.name} does not read: {error}"
    if not signatures.valid(str(data.get("signature", "")), STATEMENT, **fields):
        return None, f"the verified checkpoint record {path.name} is not signed by this instance's key"
    cp = Checkpoint.objects.filter(size=size).first()
    where = f"the verified checkpoint (size {size})"
    if cp is None:
        return None, f"{where} is not stored any more"
    if not row_signature_valid(cp):
        return None, f"{where}: its row signature does not verify"
    try:
        signed = open_signed(cp.note)
    except note.NoteError as error:
        return None, f"{where}: its note does not verify: {error}"
    if signed.size != size or signed.root.hex() != root or cp.root != root:
        return None, f"{where}: its stored root differs from the one verified"
    if witness is None:
        return None, f"{where}: no witness folder to compare it with"
    name = witness_name(size)
    try:
        text = witness.read(name).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, f"{where}: its witness copy {name} does not read: {error}"
    if text != cp.note:
        try:
            witnessed = open_signed(text)
        except note.NoteError as error:
            return None, f"{where}: its witness copy {name} does not verify: {error}"
        if (witnessed.size, witnessed.root) != (size, signed.root):
            return None, f"{where}: its witness copy {name} names another tree"
    try:
        frontier = merkle.CompactRange(size, [bytes.fromhex(h) for h in json.loads(cp.frontier)])
    except (ValueError, TypeError) as error:
        return None, f"{where}: its stored frontier does not read: {error}"
    if frontier.root() != signed.root:
        return None, f"{where}: its stored frontier does not give its signed root"
    try:
        head = read_head_state()
    except HeadMissing as missing:
        return None, str(missing)
    if head.size < size or entry_hash_at(size) is None:
        return None, f"{where}: the ledger no longer holds {size} entries"
    return Start(size, signed.root, frontier, log_anchors(signed)), ""

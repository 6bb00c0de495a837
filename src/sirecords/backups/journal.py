"""The backup journal: every `backup verify` result and every drill, in a hash-chained file signed line by line.

Each result is also posted to the ledger (recording.py), which supervisors read; the journal is kept in the target
folder (`<target>/journal.jsonl`) beside the backups it speaks of, so the history of the copies can be read where the
copies are, even when the live database is lost. Each line carries the previous line's hash, its own hash and the
instance's Ed25519 signature over it (ledger.signatures), so a line removed, changed or added without the key is
found by `backup list` and `backup verify`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sirecords.core.canonical import canonical_bytes
from sirecords.ledger import signatures
from sirecords.ledger.append import utc_timestamp
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH

STATEMENT = "sirecords/backup-journal/v1"
NAME = "journal.jsonl"


def _lines(target: Path) -> list[dict[str, Any]]:
    path = target / NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check(target: Path) -> list[str]:
    """What is wrong with the journal (empty when every line links and its signature holds)."""
    problems, prev = [], GENESIS_PREV_HASH
    try:
        lines = _lines(target)
    except (ValueError, OSError) as error:
        return [f"{target / NAME}: does not parse: {error}"]
    for number, line in enumerate(lines, 1):
        body = {k: v for k, v in line.items() if k not in ("hash", "signature")}
        digest = hashlib.sha256(canonical_bytes(body)).hexdigest()
        if line.get("seq") != number or body.get("prev_hash") != prev:
            problems.append(f"{target / NAME} line {number}: does not link to the line before (removed or reordered)")
        if digest != line.get("hash") or not signatures.valid(line.get("signature", ""), STATEMENT, hash=digest):
            problems.append(f"{target / NAME} line {number}: its hash or signature does not verify (changed)")
        prev = line.get("hash", "")
    return problems


def record(target: Path, kind: str, actor: str, reason: str, **fields: Any) -> dict[str, Any]:
    """Append one signed line; refuse to extend a journal that does not verify."""
    problems = check(target)
    if problems:
        raise RuntimeError("the backup journal does not verify, nothing appended: " + "; ".join(problems[:3]))
    lines = _lines(target)
    body = {"seq": len(lines) + 1, "kind": kind, "at": utc_timestamp(), "actor": actor, "reason": reason, **fields,
            "prev_hash": lines[-1]["hash"] if lines else GENESIS_PREV_HASH}
    digest = hashlib.sha256(canonical_bytes(body)).hexdigest()
    line = {**body, "hash": digest, "signature": signatures.sign(STATEMENT, hash=digest)}
    target.mkdir(parents=True, exist_ok=True)
    with open(target / NAME, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    return line


def entries(target: Path, kind: str | None = None) -> list[dict[str, Any]]:
    return [line for line in _lines(target) if kind is None or line.get("kind") == kind]

"""The evidence a signed PDF carries: the ledger entries it rests on, proved in a signed checkpoint.

`evidence_for(seqs, about=...)` returns canonical JSON (versioned, FORMAT):

    {"format": "sirecords/evidence/v1",
     "document": {code, kind, person (masked), issued_at, ...},   # what the document is, for offline verification
     "checkpoint": {"note": <C2SP signed note>, "certificate": <PEM of the checkpoint key, issued by the agency root>},
     "entries": [{"seq", "hash", "preimage", "proof": [hex, ...]}, ...]}

Each entry's `preimage` is the exact byte string its hash covers (ledger/entry_hash.py; personal data in it is
sealed), so a verifier recomputes hash = SHA-256(preimage), the Merkle leaf from the hash, and the root from the
RFC 6962 inclusion proof; the root must be the one the checkpoint note signs, and the note's signature must verify
with the key the certificate binds to the agency root (certificates/verify.py). The tree size and root are read
from the signed note only, never repeated beside it.

The checkpoint is the latest one if it covers every entry; otherwise one is made now (as `sirecords checkpoint`
does, by the system).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sirecords.core.canonical import canonical_bytes
from sirecords.crypto.pki import checkpoint_cert_pem
from sirecords.ledger import merkle
from sirecords.ledger.checkpoints import create_checkpoint, current_note
from sirecords.ledger.context import WriteContext
from sirecords.ledger.entry_hash import preimage
from sirecords.ledger.models import Checkpoint, Entry
from sirecords.ledger.proofs import leaf_range
from sirecords.ledger.reading import entry_hash_at

FORMAT = "sirecords/evidence/v1"
EVIDENCE_NAME = "sirecords-evidence.json"  # the PDF attachment that carries it (signing.py writes it, verify.py reads it)
SYSTEM_ACTOR = "system"

# Roots of complete, aligned subtrees (2^k leaves from a multiple of 2^k): they never change in an append-only
# ledger, and every proof needs one per level, so bulk statements reuse them. They are valid for the ledger whose
# entry `_anchor[0]` has hash `_anchor[1]`: that hash, chained, fixes every entry before it. Each evidence_for checks
# the anchor against the database first (another database, or a ledger rebuilt in a test, clears the cache).
_STREAM_BELOW = 64  # a complete subtree smaller than this is computed from its leaves in one query
_CACHE_MAX = 100_000
_subtrees: OrderedDict[tuple[int, int], bytes] = OrderedDict()
_anchor: tuple[int, str] | None = None


def _anchor_cache(size: int) -> None:
    """Keep the cached roots only if the ledger they came from is (a prefix of) this one; anchor at `size`."""
    global _anchor
    if _anchor is not None and entry_hash_at(_anchor[0]) != _anchor[1]:
        _subtrees.clear()
        _anchor = None
    if _anchor is None or size > _anchor[0]:
        _anchor = (size, entry_hash_at(size) or "")


class NoEvidence(ValueError):
    """An entry named does not exist, or no checkpoint covering it could be made."""


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _range_root(start: int, end: int) -> bytes:
    """MTH of leaves [start, end) (RFC 6962), from cached roots of complete aligned subtrees where it can."""
    size = end - start
    if size <= 0:
        return merkle.EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:
        key = (start, size)
        cached = _subtrees.get(key)
        if cached is not None:
            _subtrees.move_to_end(key)
            return cached
        if size < _STREAM_BELOW:
            root = merkle.subtree_root(leaf_range, start, end)
        else:
            root = merkle.node_hash(_range_root(start, start + size // 2), _range_root(start + size // 2, end))
        _subtrees[key] = root
        while len(_subtrees) > _CACHE_MAX:
            _subtrees.popitem(last=False)
        return root
    mid = start + _split(size)
    return merkle.node_hash(_range_root(start, mid), _range_root(mid, end))


def inclusion_proof(seq: int, size: int) -> list[bytes]:
    """The RFC 6962 path of entry `seq` (leaf seq-1) in the tree of `size` entries, from the leaf up: the same as
    ledger.proofs.inclusion_proof, with cached subtree roots (the caller anchors the cache: _anchor_cache)."""
    index = seq - 1
    if not 0 <= index < size:
        raise ValueError(f"entry {seq} is not in a tree of {size} entries")
    return merkle.inclusion_path(index, size, _range_root)


def covering_checkpoint(last_seq: int) -> Checkpoint:
    """The latest signed checkpoint if it covers entry `last_seq`, else a new one signed now."""
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is not None and latest.size >= last_seq:
        return latest
    ctx = WriteContext(actor=SYSTEM_ACTOR, reason="checkpoint for a certificate's evidence", channel="system-job")
    signed = create_checkpoint(ctx)
    if signed.checkpoint.size < last_seq:
        raise NoEvidence(f"no checkpoint covers entry {last_seq}")
    return signed.checkpoint


def _entries(seqs: list[int]) -> Iterator[Entry]:
    found = {entry.seq: entry for entry in Entry.objects.filter(seq__in=seqs)}
    missing = [seq for seq in seqs if seq not in found]
    if missing:
        raise NoEvidence(f"no ledger entries {missing[:10]}")
    return (found[seq] for seq in seqs)


def evidence_for(seqs: Iterable[int], *, about: Mapping[str, Any] | None = None) -> bytes:
    """The evidence JSON (canonical bytes) for the entries `seqs`: each entry's preimage and hash and its inclusion
    proof in a signed checkpoint covering them all, the checkpoint's note and the checkpoint key's certificate, and
    `about` (code, kind, masked person, issued_at …) under "document". Raises NoEvidence."""
    ordered = sorted(set(int(seq) for seq in seqs))
    if not ordered:
        raise NoEvidence("a document must rest on at least one ledger entry")
    checkpoint = covering_checkpoint(ordered[-1])
    _anchor_cache(checkpoint.size)
    rows = []
    for entry in _entries(ordered):
        image = preimage(entry.seq, entry.kind, entry.subject, entry.txn, entry.actor, entry.reason, entry.channel,
                         entry.recorded_at, entry.effective, entry.prev_hash, entry.payload)
        if hashlib.sha256(image).hexdigest() != entry.hash:
            raise NoEvidence(f"entry {entry.seq} does not match its stored hash: run `sirecords verify`")
        rows.append({"seq": entry.seq, "hash": entry.hash, "preimage": image.decode("utf-8"),
                     "proof": [node.hex() for node in inclusion_proof(entry.seq, checkpoint.size)]})
    return canonical_bytes({"format": FORMAT, "document": dict(about or {}),
                            "checkpoint": {"note": current_note(checkpoint), "certificate": checkpoint_cert_pem().decode("ascii")},
                            "entries": rows})

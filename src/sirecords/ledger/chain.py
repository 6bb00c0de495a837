"""Checking the hash chain of entries as they stream past, and feeding the Merkle frontier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sirecords.ledger import merkle
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH, entry_digest


@dataclass
class ChainCheck:
    """Feed rows in seq order; problems go to `report(seq, message)`.

    The Merkle frontier is built from each entry's *recomputed* hash, so a changed entry also
    changes every root computed after it and disagrees with the checkpoints signed before.
    """

    report: Callable[[int, str], None]
    expected_seq: int = 1
    prev_hash: str = GENESIS_PREV_HASH
    frontier: merkle.CompactRange = field(default_factory=merkle.CompactRange)

    def feed(self, row: tuple) -> str:
        seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, payload, prev_hash, stored = row
        if seq != self.expected_seq:
            if seq > self.expected_seq:
                missing = f"#{self.expected_seq}" if seq == self.expected_seq + 1 else f"#{self.expected_seq}–#{seq - 1}"
                self.report(self.expected_seq, f"entries {missing} are missing (next stored entry is #{seq})")
            else:
                self.report(seq, f"entry #{seq} is out of order (expected #{self.expected_seq})")
            self.expected_seq = seq
        digest = entry_digest(seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, prev_hash, payload)
        recomputed = digest.hex()
        if recomputed != stored:
            self.report(seq, f"entry #{seq} ({kind}): its contents do not match its stored hash "
                             f"(stored {stored[:16]}…, contents hash to {recomputed[:16]}…)")
        if prev_hash != self.prev_hash:
            self.report(seq, f"entry #{seq}: prev_hash {prev_hash[:16]}… does not link to the previous entry's hash "
                             f"{self.prev_hash[:16]}…")
        self.frontier.append(merkle.leaf_hash(digest))
        self.prev_hash = stored
        self.expected_seq += 1
        return recomputed

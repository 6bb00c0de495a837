"""Hash chains: the links of records fed in seq order (`HashChain`), and the ledger's own check of its
entries as they stream past, feeding the Merkle frontier (`ChainCheck`).

A hash chain is a run of records numbered 1, 2, … in which each names the stored hash of the one before
(the first names GENESIS_PREV_HASH) and stores the hash of its own contents. The ledger's entries and the
access log's records (records/access_log.py) are both checked through `HashChain.link`; each says what a
break means in its own words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import NamedTuple

from sirecords.ledger import merkle
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH, VERSION_JSON, entry_digest


class Break(NamedTuple):
    """What is wrong with one record of a chain (at least one of the three)."""

    seq: int
    expected_seq: int  # the seq the record should have had: seq != expected_seq is a gap or a step back
    previous_hash: str  # the stored hash of the record before it, which its prev_hash should name
    contents_match: bool  # its contents hash to its stored hash
    linked: bool  # its prev_hash names previous_hash


@dataclass
class HashChain:
    """Feed the records of a chain in seq order to `link`; it says what breaks, and goes on from each
    record as stored (so one changed record is reported once, not at every record after it)."""

    expected_seq: int = 1
    prev_hash: str = GENESIS_PREV_HASH
    count: int = 0

    def link(self, seq: int, prev_hash: str, stored: str, recomputed: str) -> Break | None:
        """None when the record follows, links and hashes as it should; else what is wrong with it."""
        expected, previous = self.expected_seq, self.prev_hash
        self.expected_seq, self.prev_hash = seq + 1, stored
        self.count += 1
        if seq == expected and recomputed == stored and prev_hash == previous:
            return None
        return Break(seq, expected, previous, recomputed == stored, prev_hash == previous)


@dataclass(kw_only=True)
class ChainCheck(HashChain):
    """Feed ledger entry rows in seq order; problems go to `report(seq, message)`.

    The Merkle frontier is built from each entry's *recomputed* hash, so a changed entry also
    changes every root computed after it and disagrees with the checkpoints signed before.
    """

    report: Callable[[int, str], None]
    frontier: merkle.CompactRange = field(default_factory=merkle.CompactRange)

    def feed(self, row: tuple) -> str:
        seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, payload, prev_hash, stored = row
        digest = entry_digest(seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, prev_hash, payload)
        recomputed = digest.hex()
        self._judge(seq, kind, prev_hash, stored, recomputed)
        self.frontier.append(merkle.leaf_hash(digest))
        return recomputed

    def _judge(self, seq: int, kind: str, prev_hash: str, stored: str, recomputed: str) -> None:
        broken = self.link(seq, prev_hash, stored, recomputed)
        if broken is not None:
            expected = broken.expected_seq
            if seq > expected:
                missing = f"#{expected}" if seq == expected + 1 else f"#{expected}–#{seq - 1}"
                self.report(expected, f"entries {missing} are missing (next stored entry is #{seq})")
            elif seq < expected:
                self.report(seq, f"entry #{seq} is out of order (expected #{expected})")
            if not broken.contents_match:
                self.report(seq, f"entry #{seq} ({kind}): its contents do not match its stored hash "
                                 f"(stored {stored[:16]}…, contents hash to {recomputed[:16]}…)")
            if not broken.linked:
                self.report(seq, link_message(seq, prev_hash, broken.previous_hash))

    def feed_all(self, rows: Iterable[tuple], *, stop: int | None = None, at_stop: Callable[[int], int | None] | None = None,
                 kinds: Container[str] = (), on_kind: Callable[[tuple], None] | None = None) -> None:
        """`feed` every row, in one loop with the hashing inlined (what verify spends its time on). After the entry
        that makes the tree `stop` entries big, `at_stop(size)` is called (the frontier is current) and returns the
        next stop; `on_kind(row)` is called for each row whose kind is in `kinds`. The same findings as `feed`."""
        sha256 = hashlib.sha256
        e = encode_basestring
        version = VERSION_JSON
        frontier = self.frontier
        hashes = frontier.hashes
        size = frontier.size
        expected, previous, count = self.expected_seq, self.prev_hash, self.count
        for row in rows:
            seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, payload, prev_hash, stored = row
            if type(seq) is not int:
                raise TypeError(f"seq must be an int, not {type(seq).__name__}")
            # entry_hash.preimage, inlined: byte for byte the same (tests/ledger/test_chain.py compares them).
            digest = sha256(f"[{version},{seq},{e(kind)},{e(subject)},{e(txn)},{e(actor)},{e(reason)},{e(channel)},"
                            f"{e(recorded_at)},{e(effective)},{e(prev_hash)},{payload}]".encode()).digest()
            if seq == expected and prev_hash == previous and digest.hex() == stored:
                expected, previous = seq + 1, stored
                count += 1
            else:  # the slow path, which words the findings
                self.expected_seq, self.prev_hash, self.count = expected, previous, count
                self._judge(seq, kind, prev_hash, stored, digest.hex())
                expected, previous, count = self.expected_seq, self.prev_hash, self.count
            leaf = sha256(b"\x00" + digest).digest()
            s = size
            while s & 1:
                leaf = sha256(b"\x01" + hashes.pop() + leaf).digest()
                s >>= 1
            hashes.append(leaf)
            size += 1
            if size == stop:
                frontier.size = size
                self.expected_seq, self.prev_hash, self.count = expected, previous, count
                stop = at_stop(size)
            if kind in kinds:
                on_kind(row)
        frontier.size = size
        self.expected_seq, self.prev_hash, self.count = expected, previous, count


def link_message(seq: int, prev_hash: str, previous_hash: str) -> str:
    return f"entry #{seq}: prev_hash {prev_hash[:16]}… does not link to the previous entry's hash {previous_hash[:16]}…"

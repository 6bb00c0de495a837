"""Merkle proofs over the stored ledger: that an entry is in a signed tree (for certificates), and
that a later tree extends an earlier one (the ledger only grew). Streams hashes; O(log n) memory."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from sirecords.ledger import merkle

PAGE = 50_000


def leaf_range(start: int, end: int) -> Iterator[bytes]:
    """Leaf hashes of tree indexes [start, end), i.e. entries seq start+1 … end."""
    last = start
    with connection.cursor() as cursor:
        while last < end:
            cursor.execute("SELECT seq, hash FROM ledger_entry WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s",
                           [last, end, PAGE])
            rows = cursor.fetchall()
            if not rows:
                return
            for _seq, digest in rows:
                yield merkle.leaf_hash(bytes.fromhex(digest))
            last = rows[-1][0]


def inclusion_proof(seq: int, size: int) -> list[bytes]:
    """Proof that entry `seq` is leaf seq-1 of the tree of `size` entries."""
    return merkle.inclusion_proof(seq - 1, size, leaf_range)


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    return merkle.consistency_proof(size1, size2, leaf_range)

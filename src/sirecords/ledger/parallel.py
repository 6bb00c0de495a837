"""`sirecords verify --workers N`: the hash chain and the Merkle leaves checked by seq range in N processes.

The ledger's entries 1…size are cut into ranges of C entries, C a power of two, each starting at a multiple of C.
Leaf index i of the tree is entry seq i+1, so a range covers leaves [k·C, k·C + C): every perfect subtree inside it
is also a perfect subtree of the whole tree, and the frontier of the whole tree at any size s inside the range is
the frontier at the range's start (bits ≥ C) followed by the range's own frontier at s − k·C (bits < C). Each
worker opens its own database connection (on PostgreSQL inside the parent's exported snapshot, so all see the same
ledger), checks its range's chain links and entry hashes, and returns:

- the findings, as the one-process pass words them (chain.ChainCheck);
- its first entry's seq and prev_hash, and its last entry's stored hash: the parent checks the link between ranges;
- its own Merkle frontier at every size where a stored checkpoint or a witness copy needs the ledger's root, and at
  its end: the parent prefixes the frontier at the range's start and checks the checkpoints as the one-process pass
  does, in size order;
- the rows of the entries that change projections, which the parent replays in seq order.

No Django in the workers: a plain DB-API connection (sqlite3, psycopg) and the pure hashing code. A ledger with
missing entries (seq not 1…size) is checked in one pass by the parent instead: after a gap the tree positions and
the seqs part, and one pass words the findings as before.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sirecords.ledger import merkle
from sirecords.ledger.chain import ChainCheck

MIN_CHUNK = 4096


def chunk_size(size: int, workers: int, minimum: int = MIN_CHUNK) -> int:
    """Entries per range: a power of two, about a quarter of each worker's share (so a slow range does not hold the
    others up), at least `minimum`."""
    share = -(-size // max(workers * 4, 1))
    chunk = max(minimum, 1)
    while chunk < share:
        chunk <<= 1
    return chunk


@dataclass(frozen=True)
class Source:
    """How a worker opens the database: ("sqlite", path) or ("postgresql", conninfo), and the snapshot to share."""

    vendor: str
    dsn: str
    snapshot: str | None = None


@dataclass(frozen=True)
class RangeTask:
    source: Source
    select: str  # reading.RANGE_SQL: the entries of one seq range, in seq order
    page: int
    start: int  # entries start+1 … end (tree leaves [start, end))
    end: int
    witnessed: tuple[int, ...]  # sizes in (start, end] that witness copies have
    projected_kinds: frozenset[str]


@dataclass
class RangeResult:
    start: int
    count: int = 0
    first_seq: int = 0
    first_prev_hash: str = ""
    last_hash: str = ""
    findings: list[tuple[int, str]] = field(default_factory=list)  # (seq, message), in stream order
    frontiers: list[tuple[int, list[bytes]]] = field(default_factory=list)  # (size, the range's own frontier at it)
    end_frontier: list[bytes] = field(default_factory=list)
    projected: list[tuple] = field(default_factory=list)  # rows of entries of kinds with a projector


def _connect(source: Source):
    if source.vendor == "sqlite":
        return sqlite3.connect(Path(source.dsn).as_uri() + "?mode=ro", uri=True, timeout=30), "?"
    import psycopg  # only on PostgreSQL

    db = psycopg.connect(source.dsn)
    db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    db.read_only = True
    if source.snapshot:
        db.execute("SET TRANSACTION SNAPSHOT " + _quote(source.snapshot))  # the transaction's first statement
    return db, "%s"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_range(task: RangeTask) -> RangeResult:
    """Check entries task.start+1 … task.end (in a worker process)."""
    result = RangeResult(start=task.start)
    db, mark = _connect(task.source)
    try:
        sizes_sql = f"SELECT size FROM ledger_checkpoint WHERE size > {mark} AND size <= {mark}"  # nosec B608 # mark: the driver's placeholder
        stored = (row[0] for row in db.execute(sizes_sql, (task.start, task.end)).fetchall())
        wanted = iter(sorted({*stored, *task.witnessed}))
        check = ChainCheck(report=lambda seq, message: result.findings.append((seq, message)))

        def at_stop(local: int) -> int | None:
            result.frontiers.append((task.start + local, list(check.frontier.hashes)))
            return _local(next(wanted, None), task.start)

        cursor = db.cursor()
        rows = range_pages(cursor.execute, cursor.fetchall, task.start, task.end, task.page, task.select, mark)
        first = next(rows, None)
        if first is not None:
            # The link to the entry before the range is the parent's to check: the chain starts from this entry.
            result.first_seq, result.first_prev_hash = first[0], first[10]
            check.expected_seq, check.prev_hash = first[0], first[10]
            check.feed_all(itertools.chain((first,), rows), stop=_local(next(wanted, None), task.start), at_stop=at_stop,
                           kinds=task.projected_kinds, on_kind=result.projected.append)
        result.count = check.frontier.size
        result.last_hash = check.prev_hash
        result.end_frontier = list(check.frontier.hashes)
    finally:
        db.close()
    return result


def range_pages(execute, fetchall, after: int, up_to: int, page: int, sql: str, mark: str = "%s") -> Iterator[tuple]:
    """The rows after < seq <= up_to, one seq range of `page` at a time; a range with no rows skips to the next
    stored seq (a forged entry far ahead costs one query, not one per empty page)."""
    sql = sql.replace("%s", mark)
    last = after
    while last < up_to:
        upper = min(last + page, up_to)
        execute(sql, (last, upper))
        rows = fetchall()
        if rows:
            yield from rows
            last = upper
            continue
        execute(f"SELECT MIN(seq) FROM ledger_entry WHERE seq > {mark} AND seq <= {mark}", (upper, up_to))  # nosec B608 # mark: the driver's placeholder
        following = fetchall()[0][0]
        if following is None:
            return
        last = following - 1


def _local(size: int | None, start: int) -> int | None:
    return None if size is None else size - start


def combine(prefix: merkle.CompactRange, local: list[bytes], size: int) -> merkle.CompactRange:
    """The whole tree's frontier at `size`: the frontier at the range's start, then the range's own. A full range is
    one perfect subtree, which merges with the prefix's smaller ones as an append at its height does."""
    width = size - prefix.size
    if width and width & (width - 1) == 0 and prefix.size % width == 0 and len(local) == 1:
        hashes = list(prefix.hashes)
        merged, s = local[0], prefix.size // width
        while s & 1:
            merged = merkle.node_hash(hashes.pop(), merged)
            s >>= 1
        return merkle.CompactRange(size, [*hashes, merged])
    return merkle.CompactRange(size, [*prefix.hashes, *local])

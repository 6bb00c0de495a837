"""`sirecords verify`: one streaming pass over the ledger that checks

1. the hash chain (gapless seq, each entry's hash, each prev_hash link);
2. the signed checkpoints, in size order beside the entries: each one's note and row signatures, and its
   root and frontier against the ones recomputed at its size;
3. the witness copies: the folder is there (when configured) and not older than the database's checkpoints;
   each copy is signed by our key and agrees with the ledger as it is now, and a stored checkpoint exists for it;
4. the head row: size, last hash, frontier, its signature, and the latest checkpoint it names is stored;
5. the chained logs (the access log, the workflow action log): their chains, their signed heads, and the
   anchors that the checkpoints and witness copies hold for them;
6. the projections, against a replay of the ledger into a scratch SQLite file;
7. the checks other apps register (stored files, contribution rows, role combinations…).

Memory stays constant in the ledger's size: entries and checkpoints stream a page at a time, the Merkle state
is O(log n), and the replay lives on disk; what is held is a few numbers per witness copy. Each finding names
the entry seq, the table and primary key, or the file.

`workers` > 1 checks 1. in that many processes, by seq range (parallel.py), with the same findings in the same
order; `since_checkpoint` checks 1.–5. from the latest checkpoint a sound earlier run verified (verified.py) and
leaves 6., 7. and everything before that checkpoint to the full run (docs/ledger.md).
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import multiprocessing
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction

from sirecords.core.database_url import libpq_params
from sirecords.crypto.objects import Place, as_place
from sirecords.ledger import chained_log, merkle, note, parallel, proofs, triggers, verified
from sirecords.ledger.append import COLUMNS, HeadMissing, HeadState, PostedEntry, read_head_state, utc_timestamp
from sirecords.ledger.chain import ChainCheck, link_message
from sirecords.ledger.checkpoints import log_anchors, open_signed, row_signature_valid
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.projection import ScratchStore, apply, projected_tables, projector_kinds, row_from_model_values
from sirecords.ledger.reading import PAGE, RANGE_SQL, entry_hash_at, entry_rows

SEALED_SUFFIXES = ("_sealed", "_index")


@dataclass(frozen=True)
class Finding:
    check: str  # chain, checkpoint, witness, head, projection, roles…
    where: str  # "entry #12", "registry_person pk=…", a file name
    message: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked_at: str = field(default_factory=utc_timestamp)
    entries: int = 0
    root: str = ""
    checkpoints: int = 0
    witness_copies: int = 0
    projection_rows: int = 0
    log_records: dict[str, int] = field(default_factory=dict)  # records per chained log
    mode: str = "full"  # or "incremental" (--since-checkpoint, from a verified checkpoint)
    since: int = 0  # incremental: the size of the verified checkpoint it started from
    entries_checked: int = 0  # entries read and hashed by this run (all of them, unless incremental)
    workers: int = 1  # processes that checked the chain and the Merkle leaves
    verified_checkpoint: int = 0  # the latest stored checkpoint whose root this run recomputed (0: none)
    verified_root: str = ""
    fallback: str = ""  # --since-checkpoint ran the full verify instead: why
    not_checked: list[str] = field(default_factory=list)  # what an incremental run leaves to the full one

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, check: str, where: str, message: str) -> None:
        self.findings.append(Finding(check, where, message))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data


# Extra checks other apps register (e.g. users: no sysadmin with a business role).
_extra_checks: list[Callable[[Report], None]] = []


def register_check(check: Callable[[Report], None]) -> Callable[[Report], None]:
    _extra_checks.append(check)
    return check


@dataclass
class WitnessCopy:
    place: Place  # the witness place it is in
    name: str  # its name there
    size: int
    root: bytes
    digest: bytes  # SHA-256 of the whole note, to tell a copy of a stored checkpoint from another note of its size
    anchors: dict[str, tuple[int, str]]
    stored: bool = False  # a stored checkpoint of its size exists
    same_as_stored: bool = False  # it is the stored checkpoint's note, byte for byte
    valid: bool | None = None  # its signature verifies (None: not settled yet)


_COPY_NAME = re.compile(r"checkpoint-(\d+)(-[0-9a-f]+)?\.txt")


def _witness_copies(directory: Place | None, report: Report, min_size: int = 0) -> dict[int, list[WitnessCopy]]:
    """The copies in the folder, read (not yet checked: a copy byte for byte equal to a stored note whose row
    signature holds needs no signature check of its own; the others are checked as they are met). An incremental
    run reads only the copies named for sizes from `min_size` on (any copy whose name does not say its size is read)."""
    found: dict[int, list[WitnessCopy]] = {}
    if directory is None or not directory.available():
        return found
    for name in directory.names("checkpoint-"):
        if not name.endswith(".txt"):
            continue
        named = _COPY_NAME.fullmatch(name)
        if min_size and named and int(named[1]) < min_size:
            continue
        report.witness_copies += 1
        try:
            text = directory.read(name).decode("utf-8")
            cp = note.parse_checkpoint_body(note.note_text(text))
        except (note.NoteError, UnicodeDecodeError, OSError) as error:
            report.add("witness", name, f"witness copy does not verify: {error}")
            continue
        found.setdefault(cp.size, []).append(WitnessCopy(directory, name, cp.size, cp.root, _digest(text), log_anchors(cp)))
    return found


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _stored_checkpoints(page: int = 1000, after: int = -1) -> Iterator[Checkpoint]:
    """Every stored checkpoint (of size > `after`) in size order, a page at a time."""
    last = after
    while True:
        rows = list(Checkpoint.objects.filter(size__gt=last).order_by("size")[:page])
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1].size


def _open_stored(cp: Checkpoint, report: Report) -> note.Checkpoint | None:
    """Its note, when its row signature verifies (which covers the note as it was signed and stored) and the columns
    agree with the note; otherwise None, with what is wrong."""
    where = f"ledger_checkpoint size={cp.size}"
    row_holds = row_signature_valid(cp)
    try:
        if row_holds:
            signed = note.parse_checkpoint_body(note.note_text(cp.note))
        else:
            report.add("checkpoint", where, "row signature does not verify: a column (actor, time, frontier…) was changed")
            signed = open_signed(cp.note)
    except note.NoteError as error:
        report.add("checkpoint", where, f"signature does not verify: {error}")
        return None
    if signed.size != cp.size or signed.root.hex() != cp.root:
        report.add("checkpoint", where, f"stored columns (size {cp.size}, root {cp.root[:16]}…) differ from "
                                        f"the signed note (size {signed.size}, root {signed.root.hex()[:16]}…)")
        return None
    return signed if row_holds else None


@dataclass
class _Checkpoints:
    """The stored checkpoints and the witness copies, met in size order as the entries stream past."""

    report: Report
    witnessed: dict[int, list[WitnessCopy]]
    pending: Iterator[Checkpoint] = field(default_factory=_stored_checkpoints)
    latest: int = 0  # size of the latest stored checkpoint
    broken: set[int] = field(default_factory=set)  # sizes of stored checkpoints whose signatures fail (rare)
    verified: tuple[int, str] = (0, "")  # the latest stored checkpoint whose root and frontier the ledger gave

    def __post_init__(self) -> None:
        self.next = next(self.pending, None)
        self.sizes = sorted(self.witnessed)

    def wanted(self, size: int) -> bool:
        return (self.next is not None and self.next.size == size) or size in self.witnessed

    def next_wanted(self, after: int) -> int | None:
        """The next size after `after` at which something was signed (a stored checkpoint or a witness copy)."""
        candidates = [self.next.size] if self.next is not None and self.next.size > after else []
        i = bisect.bisect_right(self.sizes, after)
        if i < len(self.sizes):
            candidates.append(self.sizes[i])
        return min(candidates, default=None)

    def _stored(self, cp: Checkpoint) -> note.Checkpoint | None:
        self.report.checkpoints += 1
        self.latest = cp.size
        signed = _open_stored(cp, self.report)
        if signed is None:
            self.broken.add(cp.size)
        for copy in self.witnessed.get(cp.size, ()):
            copy.stored = True
            if signed is not None and copy.digest == _digest(cp.note):
                copy.same_as_stored = copy.valid = True  # the row signature covers these very bytes
        return signed

    def _settle(self, copy: WitnessCopy) -> bool:
        if copy.valid is None:
            try:
                open_signed(copy.place.read(copy.name).decode("utf-8"))
                copy.valid = True
            except (note.NoteError, UnicodeDecodeError, OSError) as error:
                self.report.add("witness", copy.name, f"witness copy does not verify: {error}")
                copy.valid = False
        return copy.valid

    def at(self, size: int, frontier: merkle.CompactRange) -> None:
        """The ledger has `size` entries so far, with this frontier: check what was signed at this size."""
        root = frontier.root()
        if self.next is not None and self.next.size == size:
            cp, self.next = self.next, next(self.pending, None)
            signed = self._stored(cp)
            where = f"ledger_checkpoint size={size}"
            same_frontier = cp.frontier == json.dumps([h.hex() for h in frontier.hashes])
            if not same_frontier:
                self.report.add("checkpoint", where, "stored Merkle frontier differs from the ledger's at this size")
            if signed is not None and signed.root != root:
                self.report.add("checkpoint", where, f"signed root {signed.root.hex()[:16]}… differs from the ledger's "
                                                     f"root at size {size}, {root.hex()[:16]}…: entries up to #{size} "
                                                     "were changed")
            elif signed is not None and same_frontier:
                self.verified = (size, root.hex())
        for copy in self.witnessed.get(size, ()):
            if self._settle(copy) and copy.root != root:
                self.report.add("witness", copy.name, f"witnessed root at size {size} differs from the ledger's: "
                                                      "the ledger was rewritten")

    def finish(self, entries: int) -> None:
        """Checkpoints and copies beyond the ledger's end: entries were removed."""
        while self.next is not None:
            cp, self.next = self.next, next(self.pending, None)
            self._stored(cp)
            self.report.add("checkpoint", f"ledger_checkpoint size={cp.size}",
                            f"covers {cp.size} entries but the ledger has only {entries}: entries were removed")
        for size, copies in sorted(self.witnessed.items()):
            for copy in copies:
                if not self._settle(copy):
                    continue
                if size > entries:
                    self.report.add("witness", copy.name, f"witnessed size {size} exceeds the ledger's {entries} "
                                                          "entries: entries were removed")
                if not copy.stored:
                    self.report.add("witness", copy.name, f"no stored checkpoint for witnessed size {size}: "
                                                          "a checkpoint was removed")


def _replay(report: Report, scratch: ScratchStore, row: tuple) -> None:
    """Replay one entry of a kind with a projector into the scratch store."""
    try:
        payload = json.loads(row[9])
    except ValueError:
        report.add("chain", f"entry #{row[0]}", "payload is not valid JSON")
        return
    try:
        apply(PostedEntry(*row[:9], payload, row[10], row[11]), scratch)
    except Exception as error:  # a replay failure is a finding, not a crash
        report.add("projection", f"entry #{row[0]}", f"cannot be replayed: {error}")


def _stream(report: Report, scratch: ScratchStore, checkpoints: _Checkpoints) -> tuple[str, list[str]]:
    """Stream the entries; returns the last entry's stored hash and the Merkle frontier after it."""
    check = ChainCheck(report=lambda seq, message: report.add("chain", f"entry #{seq}", message))
    if checkpoints.wanted(0):
        checkpoints.at(0, check.frontier)

    def at_stop(size: int) -> int | None:
        checkpoints.at(size, check.frontier)
        return checkpoints.next_wanted(size)

    # Most entries at scale (e.g. contribution rows) change no projection and need no parsing here.
    check.feed_all(entry_rows(), stop=checkpoints.next_wanted(0), at_stop=at_stop,
                   kinds=projector_kinds(), on_kind=lambda row: _replay(report, scratch, row))
    report.entries = report.entries_checked = check.frontier.size
    report.root = check.frontier.root().hex()
    checkpoints.finish(report.entries)
    return check.prev_hash, [h.hex() for h in check.frontier.hashes]


def _memory_copy(scratch_dir: str) -> str | None:
    """(Tests) the two tables the workers read, of an in-memory SQLite database, copied into a file they can open;
    through this connection, before verify's transaction begins (ATTACH needs none open). Not the backup API: on a
    shared-cache database it waits, without end, for any other connection's open transaction. None for any other
    database."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    copy = str(Path(scratch_dir) / "ledger-copy.sqlite3")
    columns = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("ATTACH DATABASE %s AS verify_copy", [copy])
        try:
            cursor.execute(f"CREATE TABLE verify_copy.ledger_entry ({columns}, PRIMARY KEY (seq))")
            cursor.execute(f"INSERT INTO verify_copy.ledger_entry SELECT {columns} FROM main.ledger_entry")  # nosec B608 # constant names; values bound
            cursor.execute("CREATE TABLE verify_copy.ledger_checkpoint (size INTEGER PRIMARY KEY)")
            cursor.execute("INSERT INTO verify_copy.ledger_checkpoint SELECT size FROM main.ledger_checkpoint")
        finally:
            cursor.execute("DETACH DATABASE verify_copy")
    return copy


def _worker_source(memory_copy: str | None, outermost: bool) -> parallel.Source:
    """How the worker processes open this database, and see what this transaction sees."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return parallel.Source("sqlite", memory_copy or str(settings["NAME"]))
    if connection.vendor != "postgresql":
        raise ValueError(f"verify --workers supports SQLite and PostgreSQL, not {connection.vendor}")
    from psycopg.conninfo import make_conninfo

    dsn = make_conninfo(**libpq_params(settings))  # a list of hosts whole, with target_session_attrs: as Django connects
    snapshot = None
    if outermost:  # the workers import this transaction's snapshot: the same ledger, whatever writers do meanwhile
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
    return parallel.Source("postgresql", dsn, snapshot)


def _stream_parallel(report: Report, scratch: ScratchStore, checkpoints: _Checkpoints, workers: int, chunk: int | None,
                     memory_copy: str | None, outermost: bool) -> tuple[str, list[str]]:
    """`_stream`, with the chain and the Merkle leaves checked in `workers` processes (parallel.py); the same
    findings, in the same order, and the same root."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM ledger_entry WHERE seq > 0")
        count, top = cursor.fetchone()
    if count != top:  # entries are missing: tree positions and seqs part after the gap; one pass words it as before
        return _stream(report, scratch, checkpoints)
    chunk = chunk or parallel.chunk_size(top, workers)
    if chunk & (chunk - 1):
        raise ValueError(f"chunk must be a power of two, not {chunk}")
    source = _worker_source(memory_copy, outermost)
    kinds = projector_kinds()
    sizes = checkpoints.sizes

    def witnessed_in(start: int, end: int) -> tuple[int, ...]:
        return tuple(sizes[bisect.bisect_right(sizes, start):bisect.bisect_right(sizes, end)])

    tasks = [parallel.RangeTask(source, RANGE_SQL, PAGE, start, min(start + chunk, top),
                                witnessed_in(start, min(start + chunk, top)), kinds)
             for start in range(0, top, chunk)]

    staged: list[tuple[int, int, Finding]] = []  # (seq, step, finding): the one-process order is by seq, then step

    def capture(seq: int, step: int, work: Callable[[], None]) -> None:
        before = len(report.findings)
        work()
        staged.extend((seq, step, finding) for finding in report.findings[before:])
        del report.findings[before:]

    prefix = merkle.CompactRange()
    if checkpoints.wanted(0):
        capture(0, 1, lambda: checkpoints.at(0, prefix))
    last_hash = GENESIS_PREV_HASH
    # Fork where there is one: the workers start at once and never run the caller's __main__ again (spawn would, in a
    # script without a __main__ guard). They touch none of the parent's connections (parallel.py opens its own) and
    # leave by os._exit, which closes nothing of the parent's.
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(min(workers, len(tasks)) or 1) as pool:
        for task, result in zip(tasks, pool.imap(parallel.check_range, tasks), strict=True):
            if result.count != task.end - task.start or (result.count and result.first_seq != task.start + 1):
                raise RuntimeError(f"entries #{task.start + 1}–#{task.end} changed while verify ran: run it again")
            link_at = next((i for i, (seq, _) in enumerate(result.findings) if seq != result.first_seq),
                           len(result.findings))
            chain = [(seq, 0, Finding("chain", f"entry #{seq}", message)) for seq, message in result.findings]
            if result.count and result.first_prev_hash != last_hash:
                message = link_message(result.first_seq, result.first_prev_hash, last_hash)
                chain.insert(link_at, (result.first_seq, 0, Finding("chain", f"entry #{result.first_seq}", message)))
            staged.extend(chain)
            for size, local in result.frontiers:
                frontier = parallel.combine(prefix, local, size)
                capture(size, 1, lambda: checkpoints.at(size, frontier))  # noqa: B023 (called at once)
            for row in result.projected:
                capture(row[0], 2, lambda: _replay(report, scratch, row))  # noqa: B023 (called at once)
            prefix = parallel.combine(prefix, result.end_frontier, task.end)
            if result.count:
                last_hash = result.last_hash
    staged.sort(key=lambda item: (item[0], item[1]))  # stable: within one entry and step, the order found
    report.findings.extend(finding for _, _, finding in staged)
    report.entries = report.entries_checked = prefix.size
    report.root = prefix.root().hex()
    checkpoints.finish(report.entries)
    return last_hash, [h.hex() for h in prefix.hashes]


NOT_CHECKED_INCREMENTALLY = [
    "entries up to the verified checkpoint, and the checkpoints and witness copies before it",
    "projections (the full verify replays the whole ledger to rebuild them)",
    "the registered checks: stored files, contribution rows and summaries, role combinations, …",
    "log records up to each log's anchor in the verified checkpoint",
]


def _stream_since(report: Report, checkpoints: _Checkpoints, start: verified.Start) -> tuple[str, list[str]]:
    """The entries after the verified checkpoint, its frontier extended; then the consistency proof from it."""
    check = ChainCheck(report=lambda seq, message: report.add("chain", f"entry #{seq}", message))
    check.frontier = start.frontier.copy()
    check.expected_seq = start.size + 1
    check.prev_hash = entry_hash_at(start.size) or ""
    if checkpoints.wanted(start.size):
        checkpoints.at(start.size, check.frontier)

    def at_stop(size: int) -> int | None:
        checkpoints.at(size, check.frontier)
        return checkpoints.next_wanted(size)

    check.feed_all(entry_rows(after=start.size), stop=checkpoints.next_wanted(start.size), at_stop=at_stop)
    report.entries = check.frontier.size
    report.entries_checked = report.entries - start.size
    report.root = check.frontier.root().hex()
    checkpoints.finish(report.entries)
    named = any(finding.check == "chain" for finding in report.findings)
    if report.entries > start.size and not named:
        # RFC 6962 consistency proof from the verified checkpoint to the ledger now, from that checkpoint's frontier
        # and the stored hashes of the entries after it only (merkle.consistency_proof_from). (When an entry after it
        # did not check, its finding names it already: the proof over the stored hashes then fails as a consequence.)
        try:
            proof = merkle.consistency_proof_from(
                start.frontier, report.entries, lambda low, high: merkle.subtree_root(proofs.leaf_range, low, high))
            merkle.verify_consistency(start.size, report.entries, start.root, check.frontier.root(), proof)
        except (merkle.ProofError, ValueError) as error:
            report.add("checkpoint", f"ledger_checkpoint size={start.size}",
                       f"the ledger of {report.entries} entries is not consistent with this verified checkpoint: {error}")
    return check.prev_hash, [h.hex() for h in check.frontier.hashes]


def _check_head(report: Report, last_hash: str, frontier: list[str], latest_checkpoint: int) -> HeadState | None:
    where = "ledger_head id=1"
    try:
        head = read_head_state()
    except HeadMissing as missing:
        report.add("head", where, str(missing))
        return None
    if head.size != report.entries:
        report.add("head", where, f"says {head.size} entries; the ledger holds {report.entries}")
    if head.last_hash != last_hash and report.entries:
        report.add("head", where, "last_hash differs from the last entry's hash")
    if head.hex_frontier != frontier:
        report.add("head", where, "Merkle frontier differs from the one recomputed from the entries")
    if not head.signature_holds():
        unsigned = (f"; entries #{latest_checkpoint + 1}–#{report.entries}, written after the last checkpoint "
                    f"(size {latest_checkpoint}), are covered by no valid signature" if report.entries > latest_checkpoint else "")
        report.add("head", where, "its signature does not verify: the head was written without the instance's key" + unsigned)
        return head
    if head.checkpoint_size > latest_checkpoint:
        report.add("checkpoint", f"ledger_checkpoint size={head.checkpoint_size}",
                   "the signed head names it as the latest checkpoint, but it is not stored: checkpoint rows were deleted")
    elif head.checkpoint_size < latest_checkpoint:
        report.add("checkpoint", f"ledger_checkpoint size={latest_checkpoint}",
                   f"is newer than the latest checkpoint the signed head names (size {head.checkpoint_size}): the head "
                   "was put back to an older signed state")
    return head


def _check_witness_folder(report: Report, directory: Place | None, witnessed: dict[int, list[WitnessCopy]],
                          latest_checkpoint: int, head: HeadState | None) -> None:
    if directory is None:
        return  # not configured: nothing to compare with (tests of single parts)
    named = head.checkpoint_size if head is not None and head.signature_holds() else 0
    database = max(latest_checkpoint, named)
    if not directory.available():
        if report.entries or database:
            report.add("witness", str(directory), "the witness folder is missing: nothing outside the database shows "
                                                  "the ledger's history (SIRECORDS_WITNESS_DIR, else $SIRECORDS_HOME/witness)")
        return
    newest = max(witnessed, default=0)
    if newest < database:
        report.add("witness", str(directory), f"its newest checkpoint copy is at size {newest}, the database's latest "
                                              f"checkpoint at size {database}: the folder is stale or was replaced, or "
                                              "copies were removed")


def _stored_anchors(log: str, broken: set[int], after: int = -1) -> Iterator[chained_log.Anchor]:
    """The anchors of `log` in the stored checkpoints (of size > `after`) whose signatures verified, in checkpoint order."""
    for cp in _stored_checkpoints(after=after):
        if cp.size in broken:
            continue
        try:
            anchors = log_anchors(note.parse_checkpoint_body(note.note_text(cp.note)))
        except note.NoteError:
            continue  # reported with the checkpoint
        if log in anchors:
            size, last_hash = anchors[log]
            yield chained_log.Anchor(size, last_hash, f"checkpoint size={cp.size}")


def _check_logs(report: Report, witnessed: dict[int, list[WitnessCopy]], broken: set[int],
                start: verified.Start | None = None) -> None:
    """Each log's chain, head and anchors; from the verified checkpoint's anchor on when incremental."""
    for log in chained_log.registered():
        copies = sorted(chained_log.Anchor(*copy.anchors[log.name], f"witness copy {copy.name}")
                        for copies in witnessed.values() for copy in copies
                        if log.name in copy.anchors and copy.valid and not copy.same_as_stored)
        after, prev_hash = start.anchors.get(log.name, (0, GENESIS_PREV_HASH)) if start else (0, GENESIS_PREV_HASH)
        stored = _stored_anchors(log.name, broken, after=start.size if start else -1)
        anchors = heapq.merge(stored, copies, key=lambda anchor: anchor.size)
        add = lambda where, message: report.add("log", where, message)  # noqa: E731
        last_seq, last_hash = log.check(add, after=after, prev_hash=prev_hash, anchors=anchors)
        log.check_head(add, last_seq, last_hash)
        report.log_records[log.name] = last_seq


def _describe(column: str, value) -> str:
    if column.endswith(SEALED_SUFFIXES):
        return "(sealed value)"  # never print personal data, even encrypted
    return repr(value)


def _compare_projections(report: Report, scratch: ScratchStore) -> None:
    for table, model in projected_tables().items():
        pk_name = model._meta.pk.attname
        for values in model.objects.order_by(pk_name).values().iterator(chunk_size=2000):
            report.projection_rows += 1
            live = row_from_model_values(values)
            pk = str(live[pk_name])
            where = f"{table} pk={pk}"
            expected = scratch.get(table, pk)
            if expected is None:
                report.add("projection", where, "row is not produced by any ledger entry (added behind the ledger's back)")
                continue
            scratch.mark_seen(table, pk)
            for column in sorted(set(live) | set(expected)):
                if live.get(column) != expected.get(column):
                    report.add("projection", where, f"column {column} is {_describe(column, live.get(column))}; "
                                                    f"the ledger gives {_describe(column, expected.get(column))}")
        for pk, _row in scratch.unseen(table):
            report.add("projection", f"{table} pk={pk}", "row produced by the ledger is missing (deleted behind its back)")


def verify(witness: Place | Path | str | None = None, *, workers: int = 1, since_checkpoint: bool = False,
           chunk: int | None = None) -> Report:
    """Check everything; `witness` is the witness folder (None: not configured, for tests of single parts).

    `workers` > 1 checks the chain and the Merkle leaves in that many processes (parallel.py; the data must be
    committed: they read through their own connections). `since_checkpoint` starts from the latest checkpoint that
    an earlier run verified (verified.py), when it can be trusted, else runs the full verify and says why in
    `report.fallback`; what it leaves to the full verify is in `report.not_checked`. `chunk` (tests) sets the
    entries per range of the parallel run, a power of two."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    outermost = not connection.in_atomic_block
    if workers > 1 and not outermost:
        raise ValueError("verify with workers reads through connections of their own, which see committed data only: "
                         "call it outside a transaction")
    report = Report()
    witness = as_place(witness)
    with tempfile.TemporaryDirectory(prefix="sirecords-verify-") as scratch_dir:
        memory_copy = _memory_copy(scratch_dir) if workers > 1 else None
        with transaction.atomic():
            _verify(report, witness, workers, since_checkpoint, chunk, scratch_dir, memory_copy, outermost)
    return report


def _verify(report: Report, witness: Place | None, workers: int, since_checkpoint: bool, chunk: int | None,
            scratch_dir: str, memory_copy: str | None, outermost: bool) -> None:
    if connection.vendor == "postgresql" and outermost:
        # One consistent snapshot of ledger, logs and projections while writers go on.
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    start = None
    if since_checkpoint:
        start, why = verified.trusted_start(witness)
        if start is None:
            report.fallback = why
    witnessed = _witness_copies(witness, report, min_size=start.size if start else 0)
    checkpoints = _Checkpoints(report, witnessed, _stored_checkpoints(after=start.size - 1 if start else -1))
    if start is not None:
        report.mode, report.since, report.not_checked = "incremental", start.size, list(NOT_CHECKED_INCREMENTALLY)
        last_hash, frontier = _stream_since(report, checkpoints, start)
    else:
        scratch = ScratchStore(str(Path(scratch_dir) / "replay.sqlite3"))
        try:
            if workers > 1:
                report.workers = workers
                last_hash, frontier = _stream_parallel(report, scratch, checkpoints, workers, chunk, memory_copy, outermost)
            else:
                last_hash, frontier = _stream(report, scratch, checkpoints)
            _compare_projections(report, scratch)
        finally:
            scratch.close()
    report.verified_checkpoint, report.verified_root = checkpoints.verified
    head = _check_head(report, last_hash, frontier, checkpoints.latest)
    _check_witness_folder(report, witness, witnessed, checkpoints.latest, head)
    _check_logs(report, witnessed, checkpoints.broken, start)
    for name in triggers.missing(connection):
        report.add("triggers", name, "append-only trigger is missing: someone dropped it, or a migration did")
    if start is None:
        for extra_check in _extra_checks:
            extra_check(report)


def summary_lines(report: Report) -> Iterable[str]:
    if report.mode == "incremental":
        yield (f"incremental: from the verified checkpoint at size {report.since}, {report.entries_checked} new "
               f"entries checked")
        for item in report.not_checked:
            yield f"  not checked here (the full verify does): {item}"
    elif report.fallback:
        yield f"full verify: {report.fallback}"
    if report.workers > 1:
        yield f"workers: {report.workers}"
    yield f"entries: {report.entries}, root: {report.root}"
    yield f"checkpoints: {report.checkpoints}, witness copies: {report.witness_copies}, projection rows: {report.projection_rows}"
    yield "logs: " + (", ".join(f"{name} {count}" for name, count in sorted(report.log_records.items())) or "none")
    for finding in report.findings:
        yield f"FAIL [{finding.check}] {finding.where}: {finding.message}"
    yield ("OK: ledger, checkpoints, witness copies, logs, projections and stored files all hold" if report.ok
           else f"{len(report.findings)} finding(s)")

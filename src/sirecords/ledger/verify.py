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
"""

from __future__ import annotations

import hashlib
import heapq
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction

from sirecords.ledger import chained_log, merkle, note, triggers
from sirecords.ledger.append import HeadMissing, HeadState, PostedEntry, read_head_state, utc_timestamp
from sirecords.ledger.chain import ChainCheck
from sirecords.ledger.checkpoints import log_anchors, open_signed, row_signature_valid
from sirecords.ledger.models import Checkpoint
from sirecords.ledger.projection import ScratchStore, apply, has_projector, projected_tables, row_from_model_values
from sirecords.ledger.reading import entry_rows

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
    path: Path
    size: int
    root: bytes
    digest: bytes  # SHA-256 of the whole note, to tell a copy of a stored checkpoint from another note of its size
    anchors: dict[str, tuple[int, str]]
    stored: bool = False  # a stored checkpoint of its size exists
    same_as_stored: bool = False  # it is the stored checkpoint's note, byte for byte
    valid: bool | None = None  # its signature verifies (None: not settled yet)

    @property
    def name(self) -> str:
        return self.path.name


def _witness_copies(directory: Path | None, report: Report) -> dict[int, list[WitnessCopy]]:
    """The copies in the folder, read (not yet checked: a copy byte for byte equal to a stored note whose row
    signature holds needs no signature check of its own; the others are checked as they are met)."""
    found: dict[int, list[WitnessCopy]] = {}
    if directory is None or not directory.is_dir():
        return found
    for path in sorted(directory.glob("checkpoint-*.txt")):
        report.witness_copies += 1
        try:
            text = path.read_text(encoding="utf-8")
            cp = note.parse_checkpoint_body(note.note_text(text))
        except (note.NoteError, UnicodeDecodeError, OSError) as error:
            report.add("witness", path.name, f"witness copy does not verify: {error}")
            continue
        found.setdefault(cp.size, []).append(WitnessCopy(path, cp.size, cp.root, _digest(text), log_anchors(cp)))
    return found


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _stored_checkpoints(page: int = 1000) -> Iterator[Checkpoint]:
    """Every stored checkpoint in size order, a page at a time."""
    last = -1
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

    def __post_init__(self) -> None:
        self.next = next(self.pending, None)

    def wanted(self, size: int) -> bool:
        return (self.next is not None and self.next.size == size) or size in self.witnessed

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
                open_signed(copy.path.read_text(encoding="utf-8"))
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
            if cp.frontier != json.dumps([h.hex() for h in frontier.hashes]):
                self.report.add("checkpoint", where, "stored Merkle frontier differs from the ledger's at this size")
            if signed is not None and signed.root != root:
                self.report.add("checkpoint", where, f"signed root {signed.root.hex()[:16]}… differs from the ledger's "
                                                     f"root at size {size}, {root.hex()[:16]}…: entries up to #{size} "
                                                     "were changed")
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


def _stream(report: Report, scratch: ScratchStore, checkpoints: _Checkpoints) -> tuple[str, list[str]]:
    """Stream the entries; returns the last entry's stored hash and the Merkle frontier after it."""
    check = ChainCheck(report=lambda seq, message: report.add("chain", f"entry #{seq}", message))
    if checkpoints.wanted(0):
        checkpoints.at(0, check.frontier)
    for row in entry_rows():
        check.feed(row)
        size = check.frontier.size
        if checkpoints.wanted(size):
            checkpoints.at(size, check.frontier)
        if not has_projector(row[1]):
            continue  # most entries at scale (e.g. contribution rows) need no parsing here
        try:
            payload = json.loads(row[9])
        except ValueError:
            report.add("chain", f"entry #{row[0]}", "payload is not valid JSON")
            continue
        try:
            apply(PostedEntry(*row[:9], payload, row[10], row[11]), scratch)
        except Exception as error:  # a replay failure is a finding, not a crash
            report.add("projection", f"entry #{row[0]}", f"cannot be replayed: {error}")
    report.entries = check.frontier.size
    report.root = check.frontier.root().hex()
    checkpoints.finish(report.entries)
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


def _check_witness_folder(report: Report, directory: Path | None, witnessed: dict[int, list[WitnessCopy]],
                          latest_checkpoint: int, head: HeadState | None) -> None:
    if directory is None:
        return  # not configured: nothing to compare with (tests of single parts)
    named = head.checkpoint_size if head is not None and head.signature_holds() else 0
    database = max(latest_checkpoint, named)
    if not directory.is_dir():
        if report.entries or database:
            report.add("witness", str(directory), "the witness folder is missing: nothing outside the database shows "
                                                  "the ledger's history (SIRECORDS_WITNESS_DIR, else $SIRECORDS_HOME/witness)")
        return
    newest = max(witnessed, default=0)
    if newest < database:
        report.add("witness", str(directory), f"its newest checkpoint copy is at size {newest}, the database's latest "
                                              f"checkpoint at size {database}: the folder is stale or was replaced, or "
                                              "copies were removed")


def _stored_anchors(log: str, broken: set[int]) -> Iterator[chained_log.Anchor]:
    """The anchors of `log` in the stored checkpoints whose signatures verified, in checkpoint order."""
    for cp in _stored_checkpoints():
        if cp.size in broken:
            continue
        try:
            anchors = log_anchors(note.parse_checkpoint_body(note.note_text(cp.note)))
        except note.NoteError:
            continue  # reported with the checkpoint
        if log in anchors:
            size, last_hash = anchors[log]
            yield chained_log.Anchor(size, last_hash, f"checkpoint size={cp.size}")


def _check_logs(report: Report, witnessed: dict[int, list[WitnessCopy]], broken: set[int]) -> None:
    for log in chained_log.registered():
        copies = sorted(chained_log.Anchor(*copy.anchors[log.name], f"witness copy {copy.name}")
                        for copies in witnessed.values() for copy in copies
                        if log.name in copy.anchors and copy.valid and not copy.same_as_stored)
        anchors = heapq.merge(_stored_anchors(log.name, broken), copies, key=lambda anchor: anchor.size)
        add = lambda where, message: report.add("log", where, message)  # noqa: E731
        last_seq, last_hash = log.check(add, anchors=anchors)
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


def verify(witness: Path | None = None) -> Report:
    """Check everything; `witness` is the witness folder (None: not configured, for tests of single parts)."""
    report = Report()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One consistent snapshot of ledger, logs and projections while writers go on.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        witnessed = _witness_copies(witness, report)
        checkpoints = _Checkpoints(report, witnessed)
        with tempfile.TemporaryDirectory(prefix="sirecords-verify-") as scratch_dir:
            scratch = ScratchStore(str(Path(scratch_dir) / "replay.sqlite3"))
            try:
                last_hash, frontier = _stream(report, scratch, checkpoints)
                _compare_projections(report, scratch)
            finally:
                scratch.close()
        head = _check_head(report, last_hash, frontier, checkpoints.latest)
        _check_witness_folder(report, witness, witnessed, checkpoints.latest, head)
        _check_logs(report, witnessed, checkpoints.broken)
        for name in triggers.missing(connection):
            report.add("triggers", name, "append-only trigger is missing: someone dropped it, or a migration did")
        for extra in _extra_checks:
            extra(report)
    return report


def summary_lines(report: Report) -> Iterable[str]:
    yield f"entries: {report.entries}, root: {report.root}"
    yield f"checkpoints: {report.checkpoints}, witness copies: {report.witness_copies}, projection rows: {report.projection_rows}"
    yield "logs: " + (", ".join(f"{name} {count}" for name, count in sorted(report.log_records.items())) or "none")
    for finding in report.findings:
        yield f"FAIL [{finding.check}] {finding.where}: {finding.message}"
    yield ("OK: ledger, checkpoints, witness copies, logs, projections and stored files all hold" if report.ok
           else f"{len(report.findings)} finding(s)")

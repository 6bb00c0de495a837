"""`sirecords verify`: one streaming pass over the ledger that checks

1. the hash chain (gapless seq, each entry's hash, each prev_hash link);
2. the Merkle root at every stored checkpoint's size, and each checkpoint's signature;
3. the witness copies: signed by our key, and consistent with the ledger as it is now;
4. the head row (size, last hash, frontier);
5. the projections, against a replay of the ledger into a scratch SQLite file.

Memory stays constant: entries stream a page at a time, the Merkle state is O(log n), and the
replay lives on disk. Each finding names the entry seq, or the table and primary key.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction

from sirecords.ledger import merkle, note, triggers
from sirecords.ledger.append import HeadMissing, PostedEntry, read_head, utc_timestamp
from sirecords.ledger.chain import ChainCheck
from sirecords.ledger.checkpoints import row_signature_valid, verifier_key
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


def _witness_notes(directory: Path | None, report: Report) -> dict[int, list[tuple[str, note.Checkpoint]]]:
    found: dict[int, list[tuple[str, note.Checkpoint]]] = {}
    if directory is None or not directory.exists():
        return found
    vkey = verifier_key()
    for path in sorted(directory.glob("checkpoint-*.txt")):
        report.witness_copies += 1
        try:
            cp = note.open_checkpoint(path.read_text(encoding="utf-8"), vkey)
        except (note.NoteError, UnicodeDecodeError) as error:
            report.add("witness", path.name, f"witness copy does not verify: {error}")
            continue
        found.setdefault(cp.size, []).append((path.name, cp))
    return found


def _stored_checkpoints(report: Report) -> dict[int, tuple[Checkpoint, note.Checkpoint | None]]:
    vkey = verifier_key()
    stored = {}
    for cp in Checkpoint.objects.order_by("size").iterator():
        report.checkpoints += 1
        where = f"ledger_checkpoint size={cp.size}"
        try:
            signed = note.open_checkpoint(cp.note, vkey)
        except note.NoteError as error:
            report.add("checkpoint", where, f"signature does not verify: {error}")
            signed = None
        if signed is not None and (signed.size != cp.size or signed.root.hex() != cp.root):
            report.add("checkpoint", where, f"stored columns (size {cp.size}, root {cp.root[:16]}…) differ from "
                                            f"the signed note (size {signed.size}, root {signed.root.hex()[:16]}…)")
        if not row_signature_valid(cp):
            report.add("checkpoint", where, "row signature does not verify: a column (actor, time, frontier…) was changed")
        stored[cp.size] = (cp, signed)
    return stored


def _check_roots(report: Report, roots: dict[int, bytes], frontiers: dict[int, str], stored, witnessed) -> None:
    for size, (cp, signed) in stored.items():
        where = f"ledger_checkpoint size={size}"
        if size in frontiers and cp.frontier != frontiers[size]:
            report.add("checkpoint", where, "stored Merkle frontier differs from the ledger's at this size")
        if size not in roots:
            report.add("checkpoint", where, f"covers {size} entries but the ledger has only {report.entries}: entries were removed")
        elif signed is not None and signed.root != roots[size]:
            report.add("checkpoint", where, f"signed root {signed.root.hex()[:16]}… differs from the ledger's root at "
                                            f"size {size}, {roots[size].hex()[:16]}…: entries up to #{size} were changed")
    for size, copies in witnessed.items():
        for name, cp in copies:
            if size not in roots:
                report.add("witness", name, f"witnessed size {size} exceeds the ledger's {report.entries} entries: entries were removed")
            elif cp.root != roots[size]:
                report.add("witness", name, f"witnessed root at size {size} differs from the ledger's: the ledger was rewritten")
            if size not in stored:
                report.add("witness", name, f"no stored checkpoint for witnessed size {size}: a checkpoint was removed")


def _stream(report: Report, sizes: set[int], scratch: ScratchStore, frontiers: dict[int, str]) -> dict[int, bytes]:
    roots: dict[int, bytes] = {}
    if 0 in sizes:
        roots[0], frontiers[0] = merkle.EMPTY_ROOT, "[]"
    check = ChainCheck(report=lambda seq, message: report.add("chain", f"entry #{seq}", message))
    for row in entry_rows():
        check.feed(row)
        size = check.frontier.size
        if size in sizes:
            roots[size] = check.frontier.root()
            frontiers[size] = json.dumps([h.hex() for h in check.frontier.hashes])
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
    try:
        size, last_hash, frontier = read_head()
    except HeadMissing as missing:
        report.add("head", "ledger_head id=1", str(missing))
        return roots
    if size != report.entries:
        report.add("head", "ledger_head id=1", f"says {size} entries; the ledger holds {report.entries}")
    if last_hash != check.prev_hash and report.entries:
        report.add("head", "ledger_head id=1", "last_hash differs from the last entry's hash")
    if frontier != [h.hex() for h in check.frontier.hashes]:
        report.add("head", "ledger_head id=1", "Merkle frontier differs from the one recomputed from the entries")
    return roots


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
    report = Report()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One consistent snapshot of ledger and projections while writers go on.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        stored = _stored_checkpoints(report)
        witnessed = _witness_notes(witness, report)
        with tempfile.TemporaryDirectory(prefix="sirecords-verify-") as scratch_dir:
            scratch = ScratchStore(str(Path(scratch_dir) / "replay.sqlite3"))
            try:
                frontiers: dict[int, str] = {}
                roots = _stream(report, set(stored) | set(witnessed), scratch, frontiers)
                _check_roots(report, roots, frontiers, stored, witnessed)
                _compare_projections(report, scratch)
            finally:
                scratch.close()
        for name in triggers.missing(connection):
            report.add("triggers", name, "append-only trigger is missing: someone dropped it, or a migration did")
        for extra in _extra_checks:
            extra(report)
    return report


def summary_lines(report: Report) -> Iterable[str]:
    yield f"entries: {report.entries}, root: {report.root}"
    yield f"checkpoints: {report.checkpoints}, witness copies: {report.witness_copies}, projection rows: {report.projection_rows}"
    for finding in report.findings:
        yield f"FAIL [{finding.check}] {finding.where}: {finding.message}"
    yield "OK: ledger, checkpoints, witness copies and projections all hold" if report.ok else f"{len(report.findings)} finding(s)"

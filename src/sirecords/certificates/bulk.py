"""Every insured person's annual statement (对账单, 第十五条) as one PDF file each: `sirecords statements`.

The run is **resumable**: a person's file is written under a temporary name and renamed when complete, so a file
with the final name is whole; a second run skips every complete file and writes only what is missing (a run that
was stopped, or persons added since). Files are named by the person's uid and the year (`2024-<uid>.pdf`): no ID
number or name in a file name.

Persons are taken in chunks: the documents of a chunk are built first (from the scoped record, as the person sees
it: `Requester("self")`), then one font holding just their characters is cut from the shipped font
(render.batch_font) and every PDF of the chunk is rendered with it — fpdf2 loads and subsets the font once per PDF,
and a small font makes that several times cheaper.

Issuing and signing (certificates/issuing.py):
- `issue(documents) -> [(document, seqs)]`: called once per chunk with its documents, before its font is cut and
  before they are rendered — where the issue of the statement becomes a ledger entry (who, for whom, why, which items) and a line of
  the access log, so it shows in "who read my record". It returns the document with the ledger's verification code
  and issue time, and the ledger entries the PDF rests on (the issuing entry included);
- `finish(pdf_bytes, document, seqs)`: where the PDF is signed with the evidence of `seqs`
  (signing.sign_certificate, PAdES). Without an `issue` hook a statement has no ledger entry to prove, and is
  written unsigned (a draft: `certificate verify` refuses it).
A run stopped between the issue of a chunk and its files leaves issued statements without a file: the resumed run
issues them again (another certificate.issued entry, another code; the first code verifies as issued, with no file).

The bulk reads — the list of persons and each person's record a statement is built from — go to the read replica
when one is configured (databases/replica.py): a statement of a year may be a moment old. The issue (the ledger entry,
the access-log line, the entries the PDF proves) is read and written on `default`, outside that block.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q

from sirecords.accounts.models import AccountYear
from sirecords.certificates.documents import CertificateDocument, statement_document
from sirecords.contributions.models import Contribution
from sirecords.databases.replica import reading_from_replica
from sirecords.queries.scopes import Requester
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction

__all__ = ["BulkResult", "IssueHook", "finish", "is_complete", "statement_path", "statement_persons", "write_statements"]

IssueHook = Callable[[list[CertificateDocument]], list[tuple[CertificateDocument, list[int]]]]
CHUNK = 200


def finish(pdf_bytes: bytes, document: CertificateDocument | None = None, seqs: list[int] | None = None) -> bytes:
    """The one call site of signing for bulk statements: the PDF signed with the evidence of ledger entries `seqs`
    (its issue included) and the document's code, kind, masked ID number and issue time. Without `seqs` (no issue
    hook: nothing in the ledger to prove) the bytes are returned unchanged."""
    if document is None or not seqs:
        return pdf_bytes
    from sirecords.certificates.issuing import about
    from sirecords.certificates.signing import sign_certificate

    return sign_certificate(pdf_bytes, seqs=seqs, about=about(document))


@dataclass
class BulkResult:
    persons: int = 0
    written: int = 0
    skipped: int = 0  # complete files from an earlier run
    empty: int = 0  # nothing recorded for the year in the person's record (no statement)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (person uid, why)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"persons": self.persons, "written": self.written, "skipped": self.skipped, "empty": self.empty,
                "failed": len(self.failed), "seconds": round(self.seconds, 2), "statements_per_s": round(self.per_second, 1)}


def statement_persons(year: int, region: str | None = None) -> list[str]:
    """The uids of the persons with a contribution in `year` or an account year `year`, in the pooling region when
    given, in uid order (a stable order: a resumed run goes the same way)."""
    with_rows = Contribution.objects.filter(period__startswith=f"{year:04d}-").values("person_id")
    with_account = AccountYear.objects.filter(year=year).values("person_id")
    persons = Person.objects.filter(Q(uid__in=with_rows) | Q(uid__in=with_account))
    if region:
        persons = persons.filter(pooling_region=region)
    return list(persons.order_by("uid").values_list("uid", flat=True))


def statement_path(out_dir: Path, year: int, person_uid: str) -> Path:
    return out_dir / f"{year:04d}-{person_uid}.pdf"


def is_complete(path: Path) -> bool:
    """A file with the final name was renamed there whole; the trailer check guards against a file copied in part."""
    try:
        with path.open("rb") as handle:
            if path.stat().st_size < 64:
                return False
            handle.seek(-32, os.SEEK_END)
            return b"%%EOF" in handle.read()
    except OSError:
        return False


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)  # no fsync: a file cut short by a crash lacks its %%EOF trailer, is_complete refuses it
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def write_statements(year: int, out_dir: str | Path, *, region: str | None = None, issue: IssueHook | None = None,
                     progress: bool = True, chunk: int = CHUNK, persons: list[str] | None = None,
                     workers: int = 1) -> BulkResult:
    """Write the annual statement of `year` of every person `statement_persons` names (or of `persons`) into
    `out_dir`, skipping complete files. `issue(documents)` is called for each chunk before it is rendered, and each
    statement is then signed (`finish`). A person whose statement cannot be built (an error naming the field) is
    counted in `failed`, and the run goes on (a chunk whose issue is refused: every statement of it). `workers` > 1
    renders the chunks in that many forked processes (each with its own database connection; not with an in-memory
    SQLite database, which a child cannot see)."""
    from tqdm import tqdm

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.part"):  # a run stopped mid-write leaves its temporary file: never a final one
        stale.unlink(missing_ok=True)
    if persons is None:
        with reading_from_replica():
            uids = statement_persons(year, region)
    else:
        uids = list(persons)
    result = BulkResult(persons=len(uids))
    started = time.perf_counter()
    bar = tqdm(total=len(uids), unit="statement", disable=not progress, desc=f"statements {year}")
    tasks = [(year, str(out), part) for part in _chunks(uids, max(1, chunk))]
    if workers > 1 and len(tasks) > 1:
        outcomes = _in_processes(tasks, workers, issue)
    else:
        outcomes = (_chunk(task, issue) for task in tasks)
    for outcome in outcomes:
        result.written += outcome.written
        result.skipped += outcome.skipped
        result.empty += outcome.empty
        result.failed += outcome.failed
        bar.update(outcome.written + outcome.skipped + outcome.empty + len(outcome.failed))
    bar.close()
    result.seconds = time.perf_counter() - started
    return result


def _chunk(task: tuple[int, str, list[str]], issue: IssueHook | None) -> BulkResult:
    """One chunk: the documents of the persons whose file is missing, their batch font, each PDF written."""
    year, out_dir, uids = task
    out = Path(out_dir)
    todo = [uid for uid in uids if not is_complete(statement_path(out, year, uid))]
    result = BulkResult(persons=len(uids), skipped=len(uids) - len(todo))
    documents = []
    with reading_from_replica():  # reads only: the issue below is on `default`
        for person in Person.objects.filter(uid__in=todo).order_by("uid"):
            try:
                documents.append(statement_document(person, Requester("self", person_uid=person.uid), year))
            except InvalidTransaction as error:
                if "year" in error.errors:
                    result.empty += 1
                else:
                    result.failed.append((person.uid, str(error)))
    if not documents:
        return result
    # Issued first: the PDF prints the ledger's code, and the batch font must hold its characters.
    try:
        issued = issue(documents) if issue is not None else [(document, []) for document in documents]
    except (InvalidTransaction, PermissionError) as refused:  # workflow Refused: the actor's role or region
        why = str(getattr(refused, "message", "") or refused)
        result.failed += [(document.person_uid, why) for document in documents]
        return result
    from sirecords.certificates.render import batch_font, render  # fpdf2 and fontTools: loaded when a batch renders

    with tempfile.TemporaryDirectory(prefix="sirecords-statements-") as scratch:
        font = batch_font([document for document, _ in issued], scratch)
        for document, seqs in issued:
            data = finish(render(document, font_file=font), document, seqs)
            _write_atomically(statement_path(out, year, document.person_uid), data)
            result.written += 1
    return result


_ISSUE: IssueHook | None = None  # the issue hook, inherited by forked workers (a closure cannot be pickled)


def _worker_chunk(task: tuple[int, str, list[str]]) -> BulkResult:
    return _chunk(task, _ISSUE)


def _in_processes(tasks: list[tuple[int, str, list[str]]], workers: int, issue: IssueHook | None) -> Iterator[BulkResult]:
    """The chunks in forked processes, results as they finish. The parent's database connections are closed first:
    a forked child must open its own, never share the parent's socket."""
    import multiprocessing

    from django.db import connections

    global _ISSUE
    _ISSUE = issue
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=connections.close_all) as pool:
        yield from pool.imap_unordered(_worker_chunk, tasks)

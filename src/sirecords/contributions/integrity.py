"""`sirecords verify` for contribution rows: each batch's rows against the root its ledger entry commits to.

For every batch, its rows are streamed in row_number order; the RFC 6962 root over their canonical bytes
(rows.py) must equal the batch's rows_root and the rows_root in the `contribution_batch.posted` entry
(the batch row itself is compared with the ledger by the projection check). Each row's base and amounts
are recomputed with the parameter set its rule_version names (loaded through the ledger), and row numbers
must run 1..row_count. When the root differs, the batch's sealed collection file is checked again (without the
lines its entry names as held, `import contributions --hold-invalid`) to name each changed, added or missing
row; without the file the batch is named. Then the per person-year pension credit summary (summary.py) is
recomputed from the rows and each person-year that differs is named.

Rows of other kinds (models.RowKind) commit to their kind and late fee too (rows.py); an arrears payment's late fee is
recomputed with the engine (arrears.py) and a changed one is named. A counter batch (counter.py) carries its rows in
its entry: a changed row is named against them. Each reversal (contributions_reversal, compared with the ledger as a
projected table) must name a row that exists.
"""

from __future__ import annotations

import json
import re

from django.db import connection
from django.db.models import Exists, OuterRef

from sirecords.contributions import arrears, collection, counted, counter, filestore, staging, summary
from sirecords.contributions import rows as row_form
from sirecords.contributions.calc import Calculator
from sirecords.contributions.kinds import CONTRIBUTION_BATCH_POSTED
from sirecords.contributions.models import Contribution, ContributionBatch, Reversal, RowKind
from sirecords.engine.params import ParameterError
from sirecords.ledger import merkle
from sirecords.ledger.verify import Report, register_check
from sirecords.parameters.queries import loaded_param_set

CHECK = "contributions"


def _entry_payload(seq: int) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, payload FROM ledger_entry WHERE seq = %s", [seq])
        found = cursor.fetchone()
    if found is None or found[0] != CONTRIBUTION_BATCH_POSTED:
        return None
    return json.loads(found[1])


def _calculator(cache: dict, version: str, insurance_type: str, category: str):
    key = (version, insurance_type, category)
    if key not in cache:
        try:
            params = loaded_param_set(version)
            cache[key] = None if params is None else Calculator(params, insurance_type, category)
        except (ParameterError, ValueError):
            cache[key] = None
    return cache[key]


def _locate(report: Report, where: str, batch: ContributionBatch, stored: dict[int, tuple]) -> None:
    """Name the rows that differ from the batch's file, checked again (a counter batch: from its entry's rows)."""
    region = _entry_payload(batch.entry_seq) or {}
    if not batch.file_sha256:
        if "rows" not in region:
            report.add(CHECK, where, "cannot name the rows: the batch has neither a collection file nor rows in its entry")
            return
        _name_changed(report, where, {row[0]: (row, kind, fee) for row, kind, fee in counter.rows_of(region)}, stored)
        return
    try:
        expected = collection.prepare(filestore.open_pieces(batch.file_sha256), region.get("region", ""), check_posted=False,
                                      held_lines=region.get("held_lines"))
    except filestore.FileMissing as missing:
        report.add(CHECK, where, f"cannot name the rows: {missing}")
        _check_file(report, where, batch)  # names the file (read again only when it could not be used)
        return
    if not expected.ok:
        report.add(CHECK, where, "cannot name the rows: the collection file no longer checks clean")
        return
    # The file gives every row as an assessment; an arrears payment's kind and late fee are compared as stored (its
    # late fee is recomputed by the engine in check_batch).
    rows = {}
    for row in staging.rows():
        kind, fee = stored.get(row[0], (None, row_form.ASSESSMENT, 0))[1:]
        rows[row[0]] = (row, kind, fee) if kind == RowKind.ARREARS_PAYMENT else (row, row_form.ASSESSMENT, 0)
    _name_changed(report, where, rows, stored)


def _name_changed(report: Report, where: str, rows: dict[int, tuple], stored: dict[int, tuple]) -> None:
    """Name each row missing, added or changed: `rows` and `stored` map row numbers to (row, kind, late fee)."""
    for number in sorted(set(rows) | set(stored)):
        if number not in stored:
            report.add(CHECK, f"{where} row {number}", "row is missing (deleted behind the ledger's back)")
        elif number not in rows:
            report.add(CHECK, f"{where} row {number}", "row is not in the batch's file (added behind the ledger's back)")
        elif row_form.row_bytes(*rows[number]) != row_form.row_bytes(*stored[number]):
            want, have = rows[number], stored[number]
            changed = [column for column, a, b in zip((*row_form.COLUMNS, "kind", "late_fee_fen"), (*want[0], *want[1:]),
                                                      (*have[0], *have[1:])) if a != b]
            report.add(CHECK, f"{where} row {number}", f"row was changed: {', '.join(changed) or 'its canonical bytes'} "
                                                        "differ from the ledger's")


def check_batch(report: Report, batch: ContributionBatch, calculators: dict) -> None:
    where = f"contribution batch {batch.uid}"
    entry = _entry_payload(batch.entry_seq)
    if entry is None:
        report.add(CHECK, where, f"entry #{batch.entry_seq} is not its contribution_batch.posted entry")
    elif entry.get("rows_root") != batch.rows_root or entry.get("row_count") != batch.row_count:
        report.add(CHECK, where, "rows_root or row_count differs from the ledger entry's")
    frontier = merkle.CompactRange()
    append, leaf = frontier.append, merkle.leaf_hash
    stored: dict[int, tuple] = {}
    keep = batch.row_count <= 2_000_000
    expected_number = 1
    numbering_ok = True
    rows = (Contribution.objects.filter(batch_id=batch.uid).order_by("row_number", "id")
            .values_list(*row_form.COLUMNS, "kind", "late_fee_fen").iterator(chunk_size=20_000))
    for *values, kind, fee in rows:
        row = tuple(values)
        append(leaf(row_form.row_bytes(row, kind, fee)))
        if keep:
            stored[row[0]] = (row, kind, fee)
        if kind == RowKind.ARREARS_PAYMENT or fee:
            _check_late_fee(report, f"{where} row {row[0]}", row, kind, fee)
        if row[0] != expected_number:
            numbering_ok = False
        expected_number += 1
        calculator = _calculator(calculators, row[13], row[4], row[5])
        if calculator is None:
            report.add(CHECK, f"{where} row {row[0]}", f"rule version {row[13]} is not a loaded parameter set with rates "
                                                       f"for {row[4]} ({row[5]})")
            continue
        computed = calculator.amounts(row[6])
        if (computed.base_fen, computed.employer_fen, computed.individual_fen, computed.account_credit_fen) != row[7:11]:
            report.add(CHECK, f"{where} row {row[0]}", "stored base or amounts differ from the engine's: "
                                                       f"stored {row[7:11]}, computed {tuple(vars(computed).values())} (fen)")
    root = frontier.root().hex()
    count = frontier.size
    if root != batch.rows_root or count != batch.row_count or not numbering_ok:
        report.add(CHECK, where, f"its {count} rows give root {root[:16]}…; the batch commits to {batch.row_count} rows "
                                 f"with root {batch.rows_root[:16]}…")
        if keep:
            _locate(report, where, batch, stored)  # reads the file, and names it when it is missing or changed
            return
    _check_file(report, where, batch)


def _check_late_fee(report: Report, where: str, row: tuple, kind: str, fee: int) -> None:
    """An arrears payment's late fee is the engine's on the month's amount paid on its date; no other row has one."""
    if kind != RowKind.ARREARS_PAYMENT:
        report.add(CHECK, where, f"a {kind} row has a late fee of {fee} fen; only an arrears payment has one")
        return
    try:
        expected = arrears.late_fee_fen(row[8] + row[9], row[3], row[11], row[13])
    except (arrears.NotPayable, ValueError) as problem:
        report.add(CHECK, where, f"cannot recompute the late fee: {problem}")
        return
    if expected != fee:
        report.add(CHECK, where, f"late fee {fee} fen differs from the engine's {expected} fen for {row[3]} paid on {row[11]}")


def _check_file(report: Report, where: str, batch: ContributionBatch) -> None:
    """The batch's collection file is kept and holds the bytes the batch names (read once, in chunks)."""
    if not batch.file_sha256:
        return
    if not re.fullmatch(r"[0-9a-f]{64}", batch.file_sha256):
        report.add(CHECK, where, f"names the collection file {batch.file_sha256!r}, which is not a SHA-256")
        return
    problem = filestore.problem(batch.file_sha256)
    if problem is not None:
        report.add("files", filestore.where(batch.file_sha256), f"the collection file of {where} {problem}")


@register_check
def contribution_rows(report: Report) -> None:
    calculators: dict = {}
    for batch in ContributionBatch.objects.order_by("entry_seq").iterator():
        check_batch(report, batch, calculators)
    orphans = (Contribution.objects.exclude(batch_id__in=ContributionBatch.objects.values("uid"))
               .values_list("batch_id", "row_number")[:20])
    for batch_id, number in orphans:
        report.add(CHECK, f"contribution batch {batch_id} row {number}", "row belongs to no posted batch")


@register_check
def reversals_name_rows(report: Report) -> None:
    """Every reversal names a contribution row that exists (a deleted or changed reversal is found by the projection
    check, which rebuilds contributions_reversal from the ledger)."""
    rows = Contribution.objects.filter(batch_id=OuterRef("batch_id"), row_number=OuterRef("row_number"))
    missing = Reversal.objects.exclude(Exists(rows)).order_by("key").values_list("key", flat=True)[:20]
    for key in missing:
        report.add(CHECK, f"contributions_reversal {key}", "reverses a contribution row that does not exist")


@register_check
def one_counted_row_per_month(report: Report) -> None:
    """At most one row of a person, employer, month and insurance type counts (counted.py): the transactions that post
    arrears payments and corrections check it; a row added or a reversal deleted behind their back would break it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT person_id, employer_id, period, insurance_type, COUNT(*) FROM {counted.TABLE} "
                       f"WHERE {counted.counted()} GROUP BY person_id, employer_id, period, insurance_type "
                       "HAVING COUNT(*) > 1 ORDER BY person_id, period LIMIT 20")  # nosec B608 # counted.py constant SQL; values bound
        for person, employer, period, insurance_type, count in cursor.fetchall():
            report.add(CHECK, f"contributions person {person} employer {employer or '-'} {period} {insurance_type}",
                       f"{count} rows of the month count; at most one may")


@register_check
def pension_credit_summary(report: Report) -> None:
    count, named = summary.differences()
    for text in named:
        report.add(CHECK, f"{summary.TABLE} {text.split(':')[0]}", "summary differs from the contribution rows: "
                   + text.split(": ", 1)[1])
    if count > len(named):
        report.add(CHECK, summary.TABLE, f"… and {count - len(named)} more person-year(s) differ from the rows")

"""`import_contributions`: one collection file is one reviewed business transaction (第五条, 第七条).

The pending transaction's payload is small: the file's SHA-256 (the file itself is kept sealed in
filestore.py), the pooling region, and the row count and rows root the clerk's check found, so the
reviewers approve exactly those rows. `build()` checks the file again with the engine (collection.py)
against the state at that moment — persons, employers, loaded parameter sets, rows already posted — and
returns ONE entry, `contribution_batch.posted`, committing to the rows' Merkle root. Its projector writes
the batch row and inserts the rows set-based (COPY on PostgreSQL, executemany on SQLite) in the same
database transaction, and adds the paid pension rows to the per person-year credit summary (summary.py).

The checked rows of a file are kept in this process (`_checked`, one file) so that the submit check and
the posting right after the clerk's own check in the same process do not read the file again; the
part of the check that depends on the database (rows already posted) is always redone. A posting in
another process (a reviewer in the web pages) checks the file from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from sirecords.contributions import collection, filestore, summary
from sirecords.contributions import rows as row_form
from sirecords.contributions.kinds import CONTRIBUTION_BATCH_POSTED
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.core.money import fen_to_yuan
from sirecords.ledger import bulk
from sirecords.ledger.append import NewEntry, PostedEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import LiveStore, Store, projected_table, projects
from sirecords.transactions.posting import InvalidTransaction, transaction_type
from sirecords.transactions.validation import Errors, region, unknown_fields

TYPE = "import_contributions"
BATCH_TABLE = "contributions_batch"
SOURCE = "collection_file"
REPORT_LIMIT = 20  # problems named in a refusal; the command's report has them all

projected_table(ContributionBatch)  # the batch row is rebuilt from its ledger entry and compared by verify


@dataclass
class _Checked:
    key: tuple[str, str]
    prepared: collection.Prepared


_checked: _Checked | None = None
_pending: dict[str, collection.Prepared] = {}  # batch uid → rows, from build() to the projector


def remember(prepared: collection.Prepared) -> None:
    global _checked
    _checked = _Checked((prepared.sha256, prepared.region), prepared) if prepared.ok else None


def checked_file(sha256: str, region_code: str) -> collection.Prepared:
    if _checked is not None and _checked.key == (sha256, region_code):
        prepared = _checked.prepared
        posted = collection.posted_problems(prepared)  # the database-dependent part, always redone
        if posted:
            failed = collection.Prepared(prepared.sha256, prepared.region, problems=posted)
            return failed
        return prepared
    prepared = collection.prepare(filestore.load(sha256), region_code)
    remember(prepared)
    return prepared


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    shown = [{"field": name, "before": "", "after": str(payload.get(name, ""))}
             for name in ("file_name", "file_sha256", "region", "row_count", "rows_root", "rule_versions")]
    summary = payload.get("summary")
    if isinstance(summary, dict):
        periods = summary.get("periods") or ["", ""]
        shown += [{"field": "persons", "label": "人数 persons", "before": "", "after": str(summary.get("persons"))},
                  {"field": "employers", "label": "单位数 employers", "before": "", "after": str(summary.get("employers"))},
                  {"field": "periods", "label": "费款所属期 months", "before": "", "after": f"{periods[0]} – {periods[-1]}"}]
        for kind, t in (summary.get("by_type") or {}).items():
            shown.append({"field": kind, "label": kind, "before": "", "after": (
                f"{t['rows']} 笔 rows; 单位 employer {fen_to_yuan(t['employer_fen'])}, 个人 individual {fen_to_yuan(t['individual_fen'])}, "
                f"记账 account {fen_to_yuan(t['account_credit_fen'])}; 欠费 in arrears {t['in_arrears']}")})
    return shown


def refusal(prepared: collection.Prepared) -> InvalidTransaction:
    lines = prepared.report_lines()
    shown = "; ".join(lines[:REPORT_LIMIT]) + (f"; … {len(lines) - REPORT_LIMIT} more" if len(lines) > REPORT_LIMIT else "")
    return InvalidTransaction({"file": _("{count} problem(s): {problems}").format(count=len(prepared.problems) +
                                                                                prepared.more_problems, problems=shown)})


@transaction_type(TYPE, "缴费数据导入", creators=("clerk",), describe=_describe)
def import_contributions(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"file_sha256", "file_name", "region", "row_count", "rows_root", "rule_versions", "summary"}, errors)
    region_code = region(payload, "region", errors)
    sha256 = payload.get("file_sha256")
    if not isinstance(sha256, str) or len(sha256) != 64:
        errors["file_sha256"] = _("must be the file's SHA-256 (64 hex digits)")
    errors.raise_if_any()
    batch = ContributionBatch.objects.filter(file_sha256=sha256).values_list("uid", "txn").first()
    if batch:
        errors["file_sha256"] = _("this file was already imported: batch {batch}, transaction {txn}").format(
            batch=batch[0], txn=batch[1])
        errors.raise_if_any()
    try:
        prepared = checked_file(sha256, region_code)
    except filestore.FileMissing as missing:
        errors["file_sha256"] = str(missing)
        errors.raise_if_any()
    if not prepared.ok:
        raise refusal(prepared)
    if payload.get("row_count") != prepared.row_count or payload.get("rows_root") != prepared.rows_root:
        errors["rows_root"] = _("the file now gives {count} rows with root {root}…, not the {given} rows the transaction "
                                "was opened with: open a new one").format(count=prepared.row_count, root=prepared.rows_root[:16],
                                                                           given=payload.get("row_count"))
        errors.raise_if_any()
    if "summary" in payload and payload["summary"] != row_form.summary_of(prepared.rows):
        errors["summary"] = _("the file's totals differ from the ones the reviewers were shown: open a new transaction")
        errors.raise_if_any()
    uid = ctx.txn
    _pending.clear()
    _pending[uid] = prepared
    body = {"batch": uid, "source": SOURCE, "file_sha256": sha256, "region": region_code, "row_count": prepared.row_count,
            "rows_root": prepared.rows_root, "rule_versions": prepared.rule_versions,
            "periods": list(prepared.periods)}
    return [NewEntry(CONTRIBUTION_BATCH_POSTED, f"batch:{uid}", body)]


@projects(CONTRIBUTION_BATCH_POSTED)
def batch_posted(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = {"uid": p["batch"], "source": p["source"], "file_sha256": p["file_sha256"], "row_count": p["row_count"],
           "rows_root": p["rows_root"], "rule_versions": " ".join(p["rule_versions"]), "entry_seq": entry.seq,
           "txn": entry.txn}
    store.put(BATCH_TABLE, p["batch"], row)
    if isinstance(store, LiveStore):  # verify's replay checks the rows on its own (checks.py)
        prepared = _pending.pop(p["batch"], None)
        if prepared is None or prepared.rows_root != p["rows_root"]:
            raise RuntimeError(f"batch {p['batch']}: its checked rows are not at hand")
        insert_rows(p["batch"], prepared.rows)
        summary.add_pension_credits(summary.pension_credits(prepared.rows))


_COPY_LINE = "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t%s"  # rows.COLUMNS, all plain values


def insert_rows(batch: str, rows: list[tuple]) -> None:
    """Set-based insert: one COPY on PostgreSQL, executemany batches on SQLite (ledger.bulk)."""
    columns = ("batch_id", *row_form.COLUMNS)
    with connection.cursor() as cursor, bulk.writer(cursor, Contribution._meta.db_table, columns) as out:
        if out.copy_text and row_form.plain_texts(rows) and row_form._PLAIN.match(batch):
            line = batch.replace("%", "%%") + "\t" + _COPY_LINE
            for start in range(0, len(rows), 50_000):
                out.write_lines([line % row for row in rows[start:start + 50_000]])
        else:
            out.write_rows((batch, *row) for row in rows)

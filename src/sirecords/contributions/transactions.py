"""`import_contributions`: one collection file is one reviewed business transaction (第五条, 第七条).

The pending transaction's payload is small: the file's SHA-256 (the file itself is kept sealed in
filestore.py), the pooling region, and the row count and rows root the clerk's check found, so the
reviewers approve exactly those rows. `build()` checks the file again with the engine (collection.py)
against the state at that moment — persons, employers, loaded parameter sets, rows already posted — and
returns ONE entry, `contribution_batch.posted`, committing to the rows' Merkle root. Its projector writes
the batch row and inserts the rows staged by the check (staging.py) with one INSERT … SELECT in the same
database transaction, and adds the paid pension rows to the per person-year credit summary (summary.py).

The check of a file is remembered in this process (`_checked`, one file) with its rows staged in this database
session, so that the submit check and the posting right after the clerk's own check in the same process do
not read the file again — when the session still holds those rows (staging.staged()); the part of the check
that depends on the database (rows already posted) is always redone. A posting in another process (a
reviewer in the web pages) checks the file again, streamed from the store.

Held rows (`import contributions --hold-invalid`): the payload also says `hold_invalid`, and how many rows were held
with the SHA-256 of their CSV (`held_count`, `held_sha256`: the report the collection agency gets). `build()` checks
the file again the same way — the split is deterministic for the same file and database — and refuses when the
rows to post or the held rows differ from what the reviewers were shown. The entry then names the held lines
(`held_lines`), so that `verify` rebuilds the batch's rows from its file without them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sirecords.contributions import collection, counter, filestore, staging, summary
from sirecords.contributions.kinds import CONTRIBUTION_BATCH_POSTED
from sirecords.contributions.models import ContributionBatch
from sirecords.core.money import fen_to_yuan
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


_checked: collection.Prepared | None = None  # with its hold_invalid: a check with held rows is another check
_pending: dict[str, collection.Prepared] = {}  # batch uid → its check, from build() to the projector


def remember(prepared: collection.Prepared) -> None:
    global _checked
    _checked = prepared if prepared.ok else None


def _still_staged(prepared: collection.Prepared) -> bool:
    return staging.staged() == (prepared.sha256, prepared.region, prepared.rows_root)


def checked_file(sha256: str, region_code: str, hold_invalid: bool = False) -> collection.Prepared:
    prepared = _checked
    if (prepared is not None and (prepared.sha256, prepared.region, prepared.hold_invalid) == (sha256, region_code, hold_invalid)
            and _still_staged(prepared)):
        posted = collection.posted_problems(prepared)  # the database-dependent part, always redone
        if posted:
            return collection.Prepared(prepared.sha256, prepared.region, problems=posted)
        return prepared
    if hold_invalid:  # two passes over the file: read from the store each time
        prepared = collection.prepare(lambda: filestore.open_pieces(sha256), region_code, hold_invalid=True)
    else:
        prepared = collection.prepare(filestore.open_pieces(sha256), region_code)
    if prepared.ok and prepared.sha256 != sha256:  # pragma: no cover - the store checks the hash as it reads
        raise filestore.FileMissing(f"collection file {sha256[:12]}… does not match its hash")
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
        paid_late = summary.get("arrears_payments")
        if isinstance(paid_late, dict):
            shown.append({"field": "arrears_payments", "label": "补缴 arrears paid", "before": "", "after": (
                f"{paid_late['rows']} 笔 rows; 滞纳金 late fees {fen_to_yuan(paid_late['late_fee_fen'])}")})
    # Both counts, always: without --hold-invalid a file posts whole or not at all, so it holds none.
    shown += [{"field": "rows_to_post", "label": _("rows to post"), "before": "", "after": str(payload.get("row_count", ""))},
              {"field": "rows_held", "label": _("rows held for the collection agency to correct"), "before": "",
               "after": str(payload.get("held_count", 0))}]
    if payload.get("held_count"):
        shown.append({"field": "held_sha256", "label": _("SHA-256 of the held rows' file"), "before": "",
                      "after": str(payload.get("held_sha256", ""))})
    return shown


def refusal(prepared: collection.Prepared) -> InvalidTransaction:
    lines = prepared.report_lines()
    shown = "; ".join(lines[:REPORT_LIMIT]) + (f"; … {len(lines) - REPORT_LIMIT} more" if len(lines) > REPORT_LIMIT else "")
    return InvalidTransaction({"file": _("{count} problem(s): {problems}").format(count=len(prepared.problems) +
                                                                                prepared.more_problems, problems=shown)})


@transaction_type(TYPE, "缴费数据导入", creators=("clerk",), describe=_describe)
def import_contributions(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"file_sha256", "file_name", "region", "row_count", "rows_root", "rule_versions", "summary",
                             "hold_invalid", "held_count", "held_sha256"}, errors)
    region_code = region(payload, "region", errors)
    sha256 = payload.get("file_sha256")
    if not isinstance(sha256, str) or len(sha256) != 64:
        errors["file_sha256"] = _("must be the file's SHA-256 (64 hex digits)")
    hold_invalid = payload.get("hold_invalid", False)
    if not isinstance(hold_invalid, bool):
        errors["hold_invalid"] = _("must be true or false")
    elif not hold_invalid and ("held_count" in payload or "held_sha256" in payload):
        errors["held_count"] = _("rows are held only when the file is imported with held rows (hold_invalid)")
    errors.raise_if_any()
    batch = ContributionBatch.objects.filter(file_sha256=sha256).values_list("uid", "txn").first()
    if batch:
        errors["file_sha256"] = _("this file was already imported: batch {batch}, transaction {txn}").format(
            batch=batch[0], txn=batch[1])
        errors.raise_if_any()
    try:
        prepared = checked_file(sha256, region_code, hold_invalid)
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
    if hold_invalid and (payload.get("held_count") != prepared.held_count or
                         payload.get("held_sha256") != prepared.held_sha256):
        errors["held_sha256"] = _("the file now holds {count} rows (SHA-256 {sha}…), not the {given} rows the transaction "
                                  "was opened with: open a new one").format(count=prepared.held_count,
                                                                             sha=prepared.held_sha256[:16],
                                                                             given=payload.get("held_count"))
        errors.raise_if_any()
    if "summary" in payload and payload["summary"] != prepared.summary:
        errors["summary"] = _("the file's totals differ from the ones the reviewers were shown: open a new transaction")
        errors.raise_if_any()
    uid = ctx.txn
    _pending.clear()
    _pending[uid] = prepared
    body = {"batch": uid, "source": SOURCE, "file_sha256": sha256, "region": region_code, "row_count": prepared.row_count,
            "rows_root": prepared.rows_root, "rule_versions": prepared.rule_versions,
            "periods": list(prepared.periods)}
    if prepared.held_count:  # verify rebuilds the batch's rows from its file without these lines
        body.update(held_count=prepared.held_count, held_sha256=prepared.held_sha256, held_lines=prepared.held_lines)
    return [NewEntry(CONTRIBUTION_BATCH_POSTED, f"batch:{uid}", body)]


@projects(CONTRIBUTION_BATCH_POSTED)
def batch_posted(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = {"uid": p["batch"], "source": p["source"], "file_sha256": p["file_sha256"], "row_count": p["row_count"],
           "rows_root": p["rows_root"], "rule_versions": " ".join(p["rule_versions"]), "entry_seq": entry.seq,
           "txn": entry.txn}
    store.put(BATCH_TABLE, p["batch"], row)
    if "rows" in p:  # a counter batch carries its rows (counter.py)
        if isinstance(store, LiveStore):
            counter.insert(p["batch"], counter.rows_of(p))
        return
    if isinstance(store, LiveStore):  # verify's replay checks the rows on its own (checks.py)
        prepared = _pending.pop(p["batch"], None)
        if prepared is None or prepared.rows_root != p["rows_root"] or not _still_staged(prepared):
            raise RuntimeError(f"batch {p['batch']}: its checked rows are not at hand")
        inserted = staging.insert_into_contributions(p["batch"])
        if inserted != p["row_count"]:
            raise RuntimeError(f"batch {p['batch']}: {inserted} rows staged, the entry commits to {p['row_count']}")
        summary.add_pension_credits_from(staging.PENSION_CREDITS)

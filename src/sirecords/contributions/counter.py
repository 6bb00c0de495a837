"""Batches posted at the counter (source "counter": arrears paid at the desk; "correction": the right rows of a
correction): a few rows, so the `contribution_batch.posted` entry carries them whole ("rows": each row's canonical
object, kind and late fee included) besides their Merkle root. The projector inserts them from the entry, and
verify recomputes the root from the stored rows as for a collection file's batch and, when it differs, names the
changed rows against the entry's (integrity.py)."""

from __future__ import annotations

from sirecords.contributions import rows as row_form
from sirecords.contributions import summary
from sirecords.contributions.kinds import CONTRIBUTION_BATCH_POSTED
from sirecords.contributions.models import Contribution
from sirecords.ledger.append import NewEntry

COUNTER = "counter"
CORRECTION = "correction"
_OBJECT_KEYS = ("row", "person", "employer", "period", "insurance_type", "category", "wage_fen", "base_fen",
                "employer_fen", "individual_fen", "account_credit_fen", "paid_on", "arrears_fen", "rule_version")

Kinded = tuple[tuple, str, int]  # (row in rows.COLUMNS order, kind, late fee in fen)


def batch_entry(uid: str, source: str, region: str, rows: list[Kinded]) -> NewEntry:
    """The `contribution_batch.posted` entry of a counter batch `uid` holding `rows` (numbered from 1 in order)."""
    count, root = row_form.kinded_root(rows)
    periods = sorted(row[3] for row, _kind, _fee in rows)
    body = {"batch": uid, "source": source, "file_sha256": "", "region": region, "row_count": count, "rows_root": root,
            "rule_versions": sorted({row[13] for row, _kind, _fee in rows}), "periods": [periods[0], periods[-1]],
            "rows": [{**row_form.row_object(row), "kind": kind, "late_fee_fen": fee} for row, kind, fee in rows]}
    return NewEntry(CONTRIBUTION_BATCH_POSTED, f"batch:{uid}", body)


def rows_of(payload: dict) -> list[Kinded]:
    """The rows an entry's payload carries, as (row, kind, late fee)."""
    return [(tuple(item[key] for key in _OBJECT_KEYS), item["kind"], item["late_fee_fen"]) for item in payload["rows"]]


def insert(batch: str, rows: list[Kinded]) -> None:
    """The rows into contributions_contribution, and the paid pension ones into the per person-year credit summary."""
    Contribution.objects.bulk_create([
        Contribution(batch_id=batch, kind=kind, late_fee_fen=fee, **dict(zip(row_form.COLUMNS, row)))
        for row, kind, fee in rows])
    summary.add_pension_credits(summary.pension_credits(row for row, _kind, _fee in rows))

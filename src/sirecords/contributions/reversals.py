"""Reversing contribution rows (refund 退费, correction 更正) without touching them: a `contribution_rows.reversed`
entry names the rows by batch and row number; its projector writes contributions_reversal (a projected table,
rebuilt and compared by verify) and takes the reversed rows' pension credits out of the per person-year summary in
the same database transaction. From then on the rows no longer count (counted.py)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef

from sirecords.contributions import counted, summary
from sirecords.contributions import rows as row_form
from sirecords.contributions.kinds import CONTRIBUTION_ROWS_REVERSED
from sirecords.contributions.models import Contribution, Reversal
from sirecords.ledger.append import NewEntry, PostedEntry
from sirecords.ledger.projection import LiveStore, Store, projected_table, projects

TABLE = "contributions_reversal"
CAUSES = ("refund", "correction")
REF = re.compile(r"([A-Za-z0-9_-]{1,32}):([1-9][0-9]{0,8})\Z")

projected_table(Reversal)


def parse_ref(ref: Any) -> tuple[str, int] | None:
    """("batch uid", row number) of a row reference written "batch:row", or None."""
    match = REF.match(ref) if isinstance(ref, str) else None
    return (match[1], int(match[2])) if match else None


def ref(batch: str, number: int) -> str:
    return f"{batch}:{number}"


def row_at(batch: str, number: int) -> tuple[tuple, str, int] | None:
    """(row in rows.COLUMNS order, kind, late fee) of the row `number` of `batch`, or None."""
    found = (Contribution.objects.filter(batch_id=batch, row_number=number)
             .values_list(*row_form.COLUMNS, "kind", "late_fee_fen").first())
    return None if found is None else (tuple(found[:-2]), found[-2], found[-1])


def is_reversed(batch: str, number: int) -> bool:
    return Reversal.objects.filter(batch_id=batch, row_number=number).exists()


def counts(batch: str, number: int) -> bool:
    """Whether the row counts (counted.py's one definition)."""
    return counted.counted_rows(Contribution.objects.filter(batch_id=batch, row_number=number)).exists()


def reversal_entry(refs: list[tuple[str, int]], cause: str, reason: str, subject: str) -> NewEntry:
    return NewEntry(CONTRIBUTION_ROWS_REVERSED, subject,
                    {"rows": [ref(batch, number) for batch, number in refs], "cause": cause, "reason": reason})


def _counted_pension_credits(refs: list[tuple[str, int]]) -> dict[tuple[str, int], list[int]]:
    """(person, year) → [credits, credit-months] of the named rows that count now: what the summary holds for them."""
    if not refs:
        return {}
    where = " OR ".join(["(c.batch_id = %s AND c.row_number = %s)"] * len(refs))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join('c.' + name for name in row_form.COLUMNS)} FROM {counted.TABLE} c "  # nosec B608 # constants, %s marks; values bound
                       f"WHERE ({where}) AND {counted.counted('c')}", [value for pair in refs for value in pair])
        return summary.pension_credits(cursor.fetchall())


@projects(CONTRIBUTION_ROWS_REVERSED)
def rows_reversed(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    refs = [parse_ref(text) for text in p["rows"]]
    if isinstance(store, LiveStore):  # verify's replay checks the summary against the rows on its own (integrity.py)
        credits = _counted_pension_credits(refs)
        summary.add_pension_credits({key: [-total, -weighted] for key, (total, weighted) in credits.items()})
    for batch, number in refs:
        store.put(TABLE, ref(batch, number), {"key": ref(batch, number), "batch_id": batch, "row_number": number,
                                              "cause": p["cause"], "reason": p["reason"], "entry_seq": entry.seq,
                                              "txn": entry.txn})


def refs_for(person: str, first: str, last: str, insurance_type: str, employer: str, *, counting_only: bool) -> list[str]:
    """The references ("batch:row") of the person's rows of months first..last, one insurance type and employer ("" for
    none), not reversed; `counting_only`: only the rows that count (what a refund may name). For the desk forms."""
    rows = Contribution.objects.filter(person_id=person, period__gte=first, period__lte=last, insurance_type=insurance_type,
                                       employer_id=employer)
    rows = counted.counted_rows(rows) if counting_only else rows.exclude(
        Exists(Reversal.objects.filter(batch_id=OuterRef("batch_id"), row_number=OuterRef("row_number"))))
    return [ref(batch, number) for batch, number in rows.order_by("period", "batch__entry_seq")
            .values_list("batch_id", "row_number")]


def month_of(text: str) -> tuple[str, str, str] | None:
    """(period, insurance type, employer uid) of the row a reference names, or None (the desk forms, amending)."""
    where = parse_ref(text)
    found = Contribution.objects.filter(batch_id=where[0], row_number=where[1]).values_list(
        "period", "insurance_type", "employer_id").first() if where else None
    return tuple(found) if found else None

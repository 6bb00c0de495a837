"""A person's record as this region holds it, read for a transfer out (第十条): the plain data transfers/figures.py
computes the table and the funds from, and where each piece is committed in the ledger (for the package's proofs).

What is read, all of the person:
- the pension contribution rows (every kind; their batch and row number, the position the batch's Merkle root commits
  to) and the reversals naming them;
- the deemed service recognised here, and what earlier transfers brought here (months, deemed service, accounts; a
  supplementary package's replacing the package's);
- the current account-year row of each credited year (its crediting run or correction, and row number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from sirecords.accounts.kinds import DEEMED_SERVICE_RECOGNISED
from sirecords.accounts.models import AccountYear, CreditingRun
from sirecords.contributions.models import AccountTransfer, Contribution, ContributionBatch, Reversal, TransferredMonth
from sirecords.ledger.models import Entry
from sirecords.transfers.figures import Record
from sirecords.transfers.kinds import TRANSFER_RECEIVED, TRANSFER_SUPPLEMENT_RECEIVED

RECEIVED = (TRANSFER_RECEIVED, TRANSFER_SUPPLEMENT_RECEIVED)
ROW_FIELDS = ("batch_id", "row_number", "period", "base_fen", "employer_fen", "individual_fen", "account_credit_fen",
              "paid_on", "kind")


@dataclass
class Held:
    """The record and the ledger positions that commit to it."""

    record: Record
    batches: dict[str, ContributionBatch] = field(default_factory=dict)
    account_rows: list[AccountYear] = field(default_factory=list)
    runs: dict[str, CreditingRun] = field(default_factory=dict)


def _rows(person: str) -> list[dict[str, Any]]:
    rows = Contribution.objects.filter(person_id=person, insurance_type="pension").values_list(*ROW_FIELDS)
    return [{"batch": batch, "row": number, "period": period, "base_fen": base, "employer_fen": employer,
             "individual_fen": individual, "account_credit_fen": credit, "paid_on": paid_on, "kind": kind}
            for batch, number, period, base, employer, individual, credit, paid_on, kind in rows]


def _current_years(person: str) -> list[AccountYear]:
    current: dict[int, AccountYear] = {}
    for row in AccountYear.objects.filter(person_id=person).order_by("year", "run_seq"):
        current[row.year] = row
    return [current[year] for year in sorted(current)]


def account_year_dict(row: AccountYear) -> dict[str, Any]:
    return {"year": row.year, "opening_fen": row.opening_fen, "credits_fen": row.credits_fen,
            "interest_on_prior_fen": row.interest_on_prior_fen, "interest_on_credits_fen": row.interest_on_credits_fen,
            "closing_fen": row.closing_fen}


def _deemed(person: str) -> list[dict[str, Any]]:
    """Deemed service as recognised here (its entries), and as received with earlier transfers."""
    out = []
    for entry in Entry.objects.filter(subject=f"person:{person}", kind=DEEMED_SERVICE_RECOGNISED).order_by("seq"):
        p = json.loads(entry.payload)
        out.append({k: p[k] for k in ("region", "start", "end", "months", "work_unit")})
    received: dict[str, list[dict[str, Any]]] = {}  # by transfer: the latest package taken (a supplement replaces)
    for entry in Entry.objects.filter(subject=f"person:{person}", kind__in=RECEIVED).order_by("seq"):
        payload = json.loads(entry.payload)
        received[payload["transfer"]] = payload["deemed"]
    return out + [deemed for transfer in received.values() for deemed in transfer]


def held(person: str, region: str, year: int) -> Held:
    rows = _rows(person)
    keys = {(row["batch"], row["row"]) for row in rows}
    batches = {row["batch"] for row in rows}
    reversed_rows = {(r.batch_id, r.row_number) for r in Reversal.objects.filter(batch_id__in=batches)
                     if (r.batch_id, r.row_number) in keys}
    years = _current_years(person)
    record = Record(
        region=region, year=year, rows=rows, reversed=reversed_rows,
        received=[{"region": m.region, "period": m.period, "base_fen": m.base_fen}
                  for m in TransferredMonth.objects.filter(person_id=person).order_by("period")],
        deemed=_deemed(person),
        account_years=[account_year_dict(row) for row in years],
        received_accounts=[{"year": a.year, "amount_fen": a.amount_fen}
                           for a in AccountTransfer.objects.filter(person_id=person, direction="in")])
    return Held(record, {b.uid: b for b in ContributionBatch.objects.filter(uid__in=batches)}, years,
                {run.uid: run for run in CreditingRun.objects.filter(uid__in={row.run_id for row in years})})


def subject_entry_seqs(person: str, size: int) -> list[int]:
    """Every entry about the person up to `size`: its subject names the person, or its payload does (a batch or a
    reversal names rows, not persons: the package adds those entries with the rows it proves)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM ledger_entry WHERE seq <= %s AND (subject = %s OR payload LIKE %s) ORDER BY seq",
                       [size, f"person:{person}", f"%{person}%"])
        return [seq for (seq,) in cursor.fetchall()]

"""A `verify` check: each month's pension payment rows against the root its ledger entry commits to.

For each ``pension_payments.made`` entry the month's rows are re-read in row order, their leaf hashes and
RFC 6962 root recomputed; a changed row (its amount no longer the award's, or the root differs), a missing
row (a gap, or fewer rows), an added row (past the count, or of a month no entry paid) is named.
"""

from __future__ import annotations

import json

from django.db import connection

from sirecords.benefits.kinds import PENSION_PAYMENTS_MADE
from sirecords.benefits.payments import COLUMNS, amounts_due, row_leaf
from sirecords.ledger.merkle import CompactRange
from sirecords.ledger.verify import Report, register_check

CHECK = "benefits"
TABLE = "benefits_payment"


@register_check
def payment_rows_match_their_entries(report: Report) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, payload FROM ledger_entry WHERE kind = %s ORDER BY seq", [PENSION_PAYMENTS_MADE])
        entries = [(seq, json.loads(payload)) for seq, payload in cursor.fetchall()]
    paid = set()
    for seq, payload in entries:
        month, count = payload["month"], payload["row_count"]
        paid.add(month)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(COLUMNS)}, run FROM {TABLE} WHERE month = %s ORDER BY row_number, id",  # nosec B608 # constant names; values bound
                           [month])
            rows = cursor.fetchall()
        tree = CompactRange()
        expected = 1
        for pk, *values, run in rows:
            number = values[1]
            where = f"{TABLE} pk={pk} (month {month} row {number}, person {values[2]})"
            if number > count:
                report.add(CHECK, where, f"row added: entry #{seq} commits to {count} rows")
                continue
            while expected < number:
                report.add(CHECK, f"{TABLE} month {month} row {expected}", f"row missing (deleted): entry #{seq} commits "
                                                                           f"to rows 1–{count}")
                expected += 1
            if number < expected:
                report.add(CHECK, where, f"row added: row number {number} appears twice")
                continue
            expected = number + 1
            tree.append(row_leaf(values))
            if run != payload["run"]:
                report.add(CHECK, where, f"row changed: run {run} is not entry #{seq}'s run {payload['run']}")
        while expected <= count:
            report.add(CHECK, f"{TABLE} month {month} row {expected}", f"row missing (deleted): entry #{seq} commits "
                                                                       f"to rows 1–{count}")
            expected += 1
        if tree.root().hex() != payload["rows_root"]:
            report.add(CHECK, f"{TABLE} month {month}", f"rows do not give the Merkle root entry #{seq} commits to")
            _name_changed(report, seq, month, rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, month, row_number FROM {TABLE} ORDER BY id")  # nosec B608 # constant names; values bound
        for pk, month, number in cursor.fetchall():
            if month not in paid:
                report.add(CHECK, f"{TABLE} pk={pk} (month {month} row {number})", "row added: no ledger entry paid its month")


def _name_changed(report: Report, seq: int, month: str, rows) -> None:
    """A root mismatch: name the rows whose amount or award no longer agree with the awards projection."""
    awards = amounts_due(month)
    for pk, row_month, number, person, award, amount, _back_pay, _run in rows:
        known = awards.get(award)
        if row_month != month or known is None or known != (person, amount):
            report.add(CHECK, f"{TABLE} pk={pk} (month {month} row {number}, person {person})",
                       f"row changed: person, award or amount differ from the award it pays (entry #{seq})")

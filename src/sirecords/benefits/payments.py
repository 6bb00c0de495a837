"""Monthly pension payments: the rows of one month's run and the Merkle root the ledger entry commits to.

The rows are written set-based while the `pay_pensions` transaction posts (never one ORM save per row,
never outside the posting); one `pension_payments.made` entry commits to their count, total and RFC 6962
root; `sirecords verify` (checks.py) recomputes it and names a changed, added or missing row.
A month is paid once: preparing it again does nothing, and a second transaction for it is refused.

A row pays the month's amount in force (`amount_fen`) and settles what is still owed (`back_pay_fen`): an
adjustment posted after months of its year were paid owes the difference for those months
(`Adjustment.back_pay_fen`), a recomputation or correction (recompute.py) the difference for the months
already paid (`Recomputation.back_pay_fen`) or an overpayment to recover (`Recomputation.overpayment_fen`).
The next run that pays the award pays what is owed and not yet paid; an overpayment is deducted as a
negative `back_pay_fen`, at most the month's amount (a row never pays less than nothing), run after run
until it is recovered.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from sirecords.benefits.kinds import PENSION_PAYMENTS_MADE
from sirecords.benefits.models import Payment
from sirecords.core.canonical import canonical_bytes
from sirecords.ledger.merkle import CompactRange, leaf_hash

COLUMNS = ("month", "row_number", "person_id", "award_id", "amount_fen", "back_pay_fen")  # a leaf's values (run: apart)

Plan = list[tuple[str, str, int, int]]  # (person_id, award_id, amount_fen, back_pay_fen) in row order


def row_leaf(row: Sequence) -> bytes:
    """Leaf hash of a payment row's canonical bytes (values in COLUMNS order)."""
    return leaf_hash(canonical_bytes(list(row)))


def already_paid(month: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM ledger_entry WHERE kind = %s AND subject = %s LIMIT 1", [PENSION_PAYMENTS_MADE, f"payments:{month}"])
        return cursor.fetchone() is not None


# The monthly amount in force for a month: of the adjustments and recomputations effective by then, the one posted
# last (a recomputation re-applies the adjustments before it; an adjustment after it starts from its amount), else
# the award as made. Three placeholders, each the month.
_AMOUNT_DUE = ("COALESCE((SELECT r.after_fen FROM benefits_recomputation r WHERE r.award_id = a.uid AND r.from_month <= %s "
               "AND r.last_seq > COALESCE((SELECT MAX(j.last_seq) FROM benefits_adjustment j WHERE j.award_id = a.uid "
               "AND j.from_month <= %s), 0) ORDER BY r.last_seq DESC LIMIT 1), "
               "(SELECT j.after_fen FROM benefits_adjustment j WHERE j.award_id = a.uid AND j.from_month <= %s "
               "ORDER BY j.last_seq DESC LIMIT 1), a.awarded_fen)")


# Owed and not yet settled: what the award's adjustments, recomputations and released holds owe (less the overpayments
# found), less
# what earlier runs settled (back pay paid, overpayment deducted as a negative back_pay_fen).
_OWED = ("(SELECT COALESCE(SUM(j.back_pay_fen), 0) FROM benefits_adjustment j WHERE j.award_id = a.uid) + "
         "(SELECT COALESCE(SUM(h.back_pay_fen), 0) FROM benefits_payment_hold h WHERE h.award_id = a.uid) + "
         "(SELECT COALESCE(SUM(r.back_pay_fen - r.overpayment_fen), 0) FROM benefits_recomputation r WHERE r.award_id = a.uid) - "
         "(SELECT COALESCE(SUM(p.back_pay_fen), 0) FROM benefits_payment p WHERE p.award_id = a.uid)")


# The award `a` is held (benefits_payment_hold): a report that may stop it is being examined; no run pays it.
HELD = "EXISTS (SELECT 1 FROM benefits_payment_hold h WHERE h.award_id = a.uid AND h.released_at = '')"


def plan(month: str) -> Plan:
    """Every award payable for `month` (active and started, or ended after it: a death recorded late) and not held, at
    the amount in force that month, with the back pay still owed or the overpayment still to recover (negative, at
    most the month's amount)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.person_id, a.uid, {_AMOUNT_DUE}, {_OWED} FROM benefits_award a "
                       "WHERE a.start_month <= %s AND (a.status = 'active' OR (a.status = 'ended' AND a.end_month > %s)) "
                       f"AND NOT ({HELD}) ORDER BY a.uid", [month, month, month, month, month])  # nosec B608 # constant names; values bound
        # int(): PostgreSQL returns the SUMs as numeric; the rows hold integer fen.
        return [(person, award, int(amount), max(int(owed), -int(amount))) for person, award, amount, owed in cursor.fetchall()]


def withheld(month: str) -> list[tuple[str, str, str]]:
    """(award, hold, reason) of every award `plan(month)` leaves out because it is held, in award order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.uid, h.uid, h.reason FROM benefits_award a JOIN benefits_payment_hold h ON h.award_id = a.uid "
                       "AND h.released_at = '' WHERE a.start_month <= %s AND (a.status = 'active' OR (a.status = 'ended' "
                       "AND a.end_month > %s)) ORDER BY a.uid, h.uid", [month, month])
        return [tuple(row) for row in cursor.fetchall()]


def amount_in_force(award: str, month: str) -> int:
    """The monthly amount of `award` in force for `month` (whatever its status)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_AMOUNT_DUE} FROM benefits_award a WHERE a.uid = %s", [month, month, month, award])  # nosec B608 # constant names; values bound
        return int(cursor.fetchone()[0])


def amounts_due(month: str) -> dict[str, tuple[str, int]]:
    """award uid → (person, amount in force in `month`) for every award, whatever its status."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.uid, a.person_id, {_AMOUNT_DUE} FROM benefits_award a", [month, month, month])  # nosec B608 # constant names; values bound
        return {uid: (person, amount) for uid, person, amount in cursor.fetchall()}


def summary(month: str, rows: Plan) -> dict:
    tree = CompactRange()
    for number, (person, award, amount, back_pay) in enumerate(rows, start=1):
        tree.append(row_leaf((month, number, person, award, amount, back_pay)))
    return {"row_count": len(rows), "total_fen": sum(amount + back_pay for _, _, amount, back_pay in rows),
            "back_pay_fen": sum(max(back_pay, 0) for *_, back_pay in rows),
            "recovered_fen": sum(max(-back_pay, 0) for *_, back_pay in rows), "rows_root": tree.root().hex()}


def write(month: str, rows: Plan, run: str) -> None:
    Payment.objects.bulk_create([Payment(month=month, row_number=number, person_id=person, award_id=award,
                                         amount_fen=amount, back_pay_fen=back_pay, run=run)
                                 for number, (person, award, amount, back_pay) in enumerate(rows, start=1)], batch_size=5000)

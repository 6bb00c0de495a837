"""Releasing a held award (benefits_payment_hold): what the payroll runs skipped while it was held is owed, month by
month at the amount in force then, unless the month was not due (after a death, during a sentence).

Which runs skipped it is read from the ledger: each `pension_payments.made` entry lists the holds it withheld
(`withheld`), so the back pay is computed from what was posted, not from the calendar. An award may be held for more
than one report at once (a death and a returned payment); a run skips it while any is open, and the release of the
last one owes the months skipped that no earlier release owed.
"""

from __future__ import annotations

import json

from sirecords.benefits import payments
from sirecords.benefits.kinds import PENSION_PAYMENTS_MADE, PENSION_RELEASED, PENSION_RESTORED
from sirecords.benefits.models import Award, AwardStatus, Payment, PaymentHold
from sirecords.ledger.append import NewEntry
from sirecords.ledger.models import Entry
from sirecords.transactions.posting import InvalidTransaction


def skipped_months(award: str) -> list[str]:
    """The months whose payroll run withheld `award` (for any hold), in order. A run's entry is the month's, so its
    payload is searched for the award, then read to be sure."""
    runs = Entry.objects.filter(kind=PENSION_PAYMENTS_MADE, payload__contains=award).values_list("payload", flat=True)
    return sorted({made["month"] for made in map(json.loads, runs)
                   if any(item["award"] == award for item in made.get("withheld", ()))})


def owed_already(award: str) -> set[str]:
    """The months earlier releases of `award`'s holds owed as back pay (their entries are the award's own)."""
    return {month for payload in Entry.objects.filter(kind=PENSION_RELEASED, subject=f"award:{award}")
            .values_list("payload", flat=True) for month in json.loads(payload)["months"]}


def release(hold: PaymentHold, *, due_before: str | None = None, reissued_fen: int = 0) -> NewEntry:
    """The entry releasing `hold`. While another hold of the award stays open it owes nothing yet; the last one owes
    the months skipped that were due (before `due_before`, the first month not due, when given; before the award's end)
    and that no earlier release owed; and `reissued_fen`, a payment the bank returned and now owed again."""
    if hold.released_at:
        raise InvalidTransaction({"hold": f"the hold of award {hold.award_id} was released on {hold.released_at[:10]}"})
    others = PaymentHold.objects.filter(award_id=hold.award_id, released_at="").exclude(uid=hold.uid).exists()
    owed: list[str] = []
    if not others:
        end = Award.objects.filter(uid=hold.award_id).values_list("end_month", flat=True).first() or None
        limits = [month for month in (due_before, end) if month]
        before = min(limits) if limits else None
        earlier = owed_already(hold.award_id)
        owed = [month for month in skipped_months(hold.award_id)
                if month not in earlier and (before is None or month < before)]
    back_pay = sum(payments.amount_in_force(hold.award_id, month) for month in owed) + reissued_fen
    return NewEntry(PENSION_RELEASED, f"award:{hold.award_id}", {"hold": hold.uid, "award": hold.award_id,
                                                                  "person": hold.person_id, "months": owed,
                                                                  "back_pay_fen": back_pay,
                                                                  **({"reissued_fen": reissued_fen} if reissued_fen else {})})


def restore(award: Award, *, hold: str, reason: str) -> NewEntry:
    """The entry restoring an award ended by a death since revoked: every month from its end month that a payroll run
    has paid since (the award was left out of them) owed as back pay at the amount in force that month."""
    if award.status != AwardStatus.ENDED or not award.end_month:
        raise InvalidTransaction({"award": f"the pension {award.uid} is {award.status}: there is nothing to restore"})
    months = sorted(set(Payment.objects.filter(month__gte=award.end_month).values_list("month", flat=True)))
    back_pay = sum(payments.amount_in_force(award.uid, month) for month in months)
    return NewEntry(PENSION_RESTORED, f"award:{award.uid}", {"award": award.uid, "person": award.person_id, "hold": hold,
                                                              "months": months, "back_pay_fen": back_pay,
                                                              "reason": reason})


def hold_of(discrepancy: str) -> PaymentHold | None:
    """The open hold a cross-check discrepancy placed (its uid is the discrepancy's id)."""
    return PaymentHold.objects.filter(uid=discrepancy, released_at="").first()

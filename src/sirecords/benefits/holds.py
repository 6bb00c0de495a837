"""Releasing a held award (benefits_payment_hold): what the payroll runs skipped while it was held is owed, month by
month at the amount in force then, unless the month was not due (after a death, during a sentence).

Which runs skipped it is read from the ledger: each `pension_payments.made` entry lists the holds it withheld
(`withheld`), so the back pay is computed from what was posted, not from the calendar.
"""

from __future__ import annotations

import json

from django.db import connection

from sirecords.benefits import payments
from sirecords.benefits.kinds import PENSION_PAYMENTS_MADE, PENSION_RELEASED
from sirecords.benefits.models import PaymentHold
from sirecords.ledger.append import NewEntry
from sirecords.transactions.posting import InvalidTransaction


def held_months(hold: str) -> list[str]:
    """The months whose payroll run withheld `hold`, in order."""
    months = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM ledger_entry WHERE kind = %s AND payload LIKE %s ORDER BY seq",
                       [PENSION_PAYMENTS_MADE, f"%{hold}%"])
        for (payload,) in cursor.fetchall():
            made = json.loads(payload)
            if any(item["hold"] == hold for item in made.get("withheld", ())):
                months.append(made["month"])
    return months


def open_hold(award: str) -> PaymentHold | None:
    return PaymentHold.objects.filter(award_id=award, released_at="").order_by("last_seq").first()


def release(hold: PaymentHold, *, due_before: str | None = None) -> NewEntry:
    """The entry releasing `hold`: back pay for the months it kept from the award that were due (before `due_before`,
    the first month not due, when given)."""
    if hold.released_at:
        raise InvalidTransaction({"hold": f"the hold of award {hold.award_id} was released on {hold.released_at[:10]}"})
    owed = [month for month in held_months(hold.uid) if due_before is None or month < due_before]
    back_pay = sum(payments.amount_in_force(hold.award_id, month) for month in owed)
    return NewEntry(PENSION_RELEASED, f"award:{hold.award_id}", {"hold": hold.uid, "award": hold.award_id,
                                                                  "person": hold.person_id, "months": owed,
                                                                  "back_pay_fen": back_pay})

"""The record's `summary` (issue #17, point 6): the figures other agencies' systems and the next issues read first —
where the person is insured, their status, the contribution months, the account balance and the pension as it stands.

Built from the parts of the record already read (records/personal.full_record), with two small queries of its own:
the open year's credited principal and whether the pension is held.

- status: `deceased` (a death recorded: the pension ended by it, or the account closed), `retired` (a pension award),
  `transferred_out` (the relationship moved to another region, 第十条: `transferred_to` names it, the account balance
  here is 0.00, the months stay as they were, for reference), `terminated` (not yet used), else `active`;
- contribution_months: paid months of pension insurance counted in the contribution years; deemed_months;
- account_balance: the last year-end balance plus this year's credited principal (no interest for the open year) plus
  an account received with a transfer in a year not yet credited;
- account_type: `temporary` for a temporary account (66号 第五条), else `basic`;
- pension: null, or {monthly (the amount now in payment), status (paid, withheld, suspended, stopped), paid_through,
  overpayment_owed (a pension stopped by a death: what its overpayment cases still owe, yuan; else null)
  (the last month paid), due_through (the last month due; null while in payment)}.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.db import connection

from sirecords.benefits import overpayments
from sirecords.contributions import counted
from sirecords.contributions.models import AccountTransfer
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.core.money import parse_amount, to_fen
from sirecords.core.periods import Month
from sirecords.engine import transfers as transfer_rules
from sirecords.registry.models import Person


def summary(person: Person, *, years: dict[str, Any], account_years: list[dict[str, Any]], pension: dict[str, Any] | None,
            account_closure: dict[str, Any] | None, today: date | None = None) -> dict[str, Any]:
    last = account_years[-1] if account_years else None
    closing = to_fen(parse_amount(last["closing"])) if last else 0
    last_year = int(last["year"]) if last else None
    balance = closing + _open_principal(person.uid, last_year) + _received(person.uid, last_year)
    if account_closure is not None:
        balance = to_fen(parse_amount(account_closure["balance"]))
    moved = AccountTransfer.objects.filter(person_id=person.uid, direction="out").order_by("-last_seq").first()
    status = "transferred_out" if moved is not None else _status(pension, account_closure)
    return {"region": person.pooling_region, "name": person.name, "status": status,
            "contribution_months": years["actual_months"], "deemed_months": years["deemed_months"],
            "account_balance": yuan(0 if moved is not None else balance),
            "transferred_to": moved.region if moved is not None else None,
            "account_type": _account_type(person),
            "pension": _pension(person.uid, pension, today or date.today())}


def _account_type(person: Person) -> str:
    """`temporary` (临时基本养老保险缴费账户, 66号 第五条: a man 50+ or a woman 40+ who joined here on or after 2010-01-01
    from a household register in another province — engine.transfers.temporary_account), unless the record was
    received here with a transfer (an assignment, or a person whose relationship moved here); else `basic`."""
    decision = transfer_rules.temporary_account(person.sex, person.birth_date, person.registered_on, person.region,
                                                person.pooling_region).value
    if decision.temporary and not AccountTransfer.objects.filter(person_id=person.uid, direction="in").exists():
        return "temporary"
    return "basic"


def _received(person: str, last_year: int | None) -> int:
    """Accounts received with a transfer (④) in a year the annual run has not credited yet (once it has, they are in
    that year's closing)."""
    rows = AccountTransfer.objects.filter(person_id=person, direction="in")
    if last_year is not None:
        rows = rows.filter(year__gt=last_year)
    return sum(rows.values_list("amount_fen", flat=True))


def _status(pension: dict[str, Any] | None, account_closure: dict[str, Any] | None) -> str:
    if account_closure is not None or (pension is not None and pension["status"] == "ended"):
        return "deceased"
    return "retired" if pension is not None else "active"


def _open_principal(person: str, last_year: int | None) -> int:
    """Credited principal of the pension months after the last credited year (the open year): counted rows only."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(c.account_credit_fen), 0) FROM {counted.TABLE} c WHERE c.person_id = %s "  # nosec B608 # counted.py constant SQL; values bound
                       f"AND c.insurance_type = 'pension' AND c.period > %s AND {counted.counted('c')}",
                       [person, f"{last_year:04d}-12" if last_year else ""])
        return int(cursor.fetchone()[0])


def _pension(person: str, pension: dict[str, Any] | None, today: date) -> dict[str, Any] | None:
    if pension is None:
        return None
    paid_through = pension["payments"][0]["month"] if pension.get("payments") else None
    held = (apps.is_installed("sirecords.benefits") and
            apps.get_model("benefits", "PaymentHold").objects.filter(person_id=person, released_at="").exists())
    if pension["status"] == "ended":
        status, due = "stopped", str(Month.parse(pension["end_month"]) - 1) if pension.get("end_month") else paid_through
    elif pension["status"] == "suspended":
        status, due = "suspended", paid_through
    elif held:
        status, due = "withheld", str(Month(today.year, today.month))
    else:
        status, due = "paid", None
    owed = overpayments.owed_by(person) if status == "stopped" else 0
    return {"monthly": pension["total"], "status": status, "paid_through": paid_through, "due_through": due,
            "overpayment_owed": yuan(owed) if owed else None}

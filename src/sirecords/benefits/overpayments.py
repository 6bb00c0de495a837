"""Overpayment cases: a pension paid for months after the pensioner's death, to be recovered (经办条例 第四十六条).

A case is opened when the death is recorded with months paid after it (crosschecks' resolution of `pensioner_died`:
`opening_entry`), naming who received it (sealed) and what was paid less what the bank returned. It is recovered,
each step a reviewed transaction (`recover_overpayment`):

1. `account_offset` — first, against the deceased's inheritable individual account balance (个人账户余额, inherited in
   full otherwise: 社会保险法 第十四条): the balance at the award less the account part of the pensions due and paid,
   and less what was offset before; the amount is computed, never typed in;
2. then `instalment_agreement` — the receiver's agreement to repay in monthly instalments (签订还款协议分期退回): the
   monthly amount and the months, which must cover what is owed; or
3. `repayment` — an amount repaid (an instalment, or the whole), at most what is owed.

What is owed is overpaid − recovered, on the deceased's record (records/summary.py); the case is `recovered` when
nothing is. A fine is for the HR administrative department (社会保险法 第八十八条): the resolution records a referral.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy

from sirecords.benefits.kinds import INSTALMENT_AGREEMENT_SIGNED, OVERPAYMENT_CASE_OPENED, OVERPAYMENT_RECOVERED
from sirecords.benefits.models import AccountClosure, Award, OverpaymentCase, Payment, SurvivorClaim
from sirecords.benefits.recompute import current_version
from sirecords.core.money import fen_to_yuan
from sirecords.core.periods import Month
from sirecords.crypto.sealing import seal
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, a_month, checked_text, money, text, unknown_fields

RELATIONS = ("spouse", "child", "parent", "sibling", "other", "unknown")
METHODS = ("account_offset", "instalment_agreement", "repayment")


def opening_entry(case: str, award: Award, months: list[str], paid_fen: int, returned_fen: int,
                  received_by: dict[str, str] | None) -> NewEntry:
    """The entry opening the case `case` for what `award` paid for `months` after the death, less the returns."""
    received_by = received_by if isinstance(received_by, dict) else {}
    name = checked_text(received_by.get("name") or "", "received_by.name", required=False, max_length=100,
                        multiline=False)
    relation = received_by.get("relation") or "unknown"
    if relation not in RELATIONS:
        raise InvalidTransaction({"received_by.relation": f"is one of {', '.join(RELATIONS)}"})
    return NewEntry(OVERPAYMENT_CASE_OPENED, f"person:{award.person_id}", {
        "case": case, "person": award.person_id, "award": award.uid, "months": months, "paid_fen": paid_fen,
        "returned_fen": returned_fen, "overpaid_fen": paid_fen - returned_fen, "relation": relation,
        "received_by_sealed": seal(name, f"overpayment:{case}:received_by") if name else ""})


def inheritable_balance(person: str) -> int:
    """The deceased's individual account balance the heirs inherit, less what was offset against an overpayment: for a
    pensioner, the balance at the award less the account part of each pension due and paid (the months before the
    pension's end); for an insured person, the balance at the account's closing; nothing once a survivors' claim paid
    it."""
    if SurvivorClaim.objects.filter(person_id=person).exists():
        return 0  # inherited: paid to the survivor with the claim
    closure = AccountClosure.objects.filter(person_id=person).first()
    if closure is not None:
        balance = closure.balance_fen
    else:
        award = Award.objects.filter(person_id=person).order_by("-start_month", "-last_seq").first()
        if award is None:
            return 0
        version = current_version(award)
        paid = Payment.objects.filter(award_id=award.uid, amount_fen__gt=0)
        if award.end_month:
            paid = paid.filter(month__lt=award.end_month)
        balance = version["balance_fen"] - version["account_fen"] * paid.values("month").distinct().count()
    return max(0, balance - offset_already(person))


def offset_already(person: str) -> int:
    """What earlier account offsets of the person's overpayment cases took from the balance."""
    total = 0
    for payload in Entry.objects.filter(kind=OVERPAYMENT_RECOVERED, subject=f"person:{person}").values_list("payload", flat=True):
        recovered = json.loads(payload)
        if recovered["method"] == "account_offset":
            total += recovered["amount_fen"]
    return total


def _case(payload: dict[str, Any], errors: Errors) -> OverpaymentCase | None:
    case = OverpaymentCase.objects.filter(uid=payload.get("case") or "").first()
    if case is None:
        errors["case"] = f"no overpayment case {payload.get('case')!r}"
    elif not case.owed_fen:
        errors["case"] = f"the case {case.uid} is recovered already"
    return case


def plan(payload: dict[str, Any]) -> tuple[OverpaymentCase, NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"case", "method", "amount", "monthly", "first_month", "months", "reason"}, errors)
    case = _case(payload, errors)
    method = payload.get("method")
    if method not in METHODS:
        errors["method"] = f"is one of {', '.join(METHODS)}"
    reason = text(payload, "reason", errors, required=True, max_length=500)
    errors.raise_if_any()
    owed = case.owed_fen
    balance = inheritable_balance(case.person_id)
    subject = f"person:{case.person_id}"
    if method == "account_offset":
        if balance == 0:
            raise InvalidTransaction({"method": "the deceased's account has no inheritable balance left to offset"})
        amount = min(owed, balance)
        return case, NewEntry(OVERPAYMENT_RECOVERED, subject, {"case": case.uid, "method": method, "amount_fen": amount,
                                                               "balance_before_fen": balance, "reason": reason})
    if balance > 0:
        raise InvalidTransaction({"method": f"the inheritable account balance ({fen_to_yuan(balance)}) is offset first "
                                            "(account_offset)"})
    if method == "repayment":
        amount = money(payload, "amount", errors, required=True)
        errors.raise_if_any()
        if amount <= 0 or amount > owed:
            raise InvalidTransaction({"amount": f"is more than nothing and at most what is owed, {fen_to_yuan(owed)}"})
        return case, NewEntry(OVERPAYMENT_RECOVERED, subject, {"case": case.uid, "method": method, "amount_fen": amount,
                                                               "reason": reason})
    monthly = money(payload, "monthly", errors, required=True)
    first = a_month(payload, "first_month", errors)
    months = payload.get("months")
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 120:
        errors["months"] = "is a whole number of months, 1 to 120"
    errors.raise_if_any()
    if monthly <= 0 or monthly * months < owed:
        raise InvalidTransaction({"monthly": f"{months} instalments of {fen_to_yuan(max(monthly, 0))} do not repay what is "
                                             f"owed, {fen_to_yuan(owed)}"})
    return case, NewEntry(INSTALMENT_AGREEMENT_SIGNED, subject, {
        "case": case.uid, "monthly_fen": monthly, "first_month": str(first), "months": months,
        "last_month": str(Month.parse(str(first)) + (months - 1)), "owed_fen": owed, "reason": reason})


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [added("case", "多发追回案件 case", payload.get("case")), added("method", "追回方式 method", payload.get("method"))]
    case = OverpaymentCase.objects.filter(uid=payload.get("case") or "").first()
    if case is not None:
        rows += [added("overpaid", "多发金额 overpaid", fen_to_yuan(case.overpaid_fen)),
                 added("owed", "尚欠 owed", fen_to_yuan(case.owed_fen)),
                 added("inheritable", "可继承个人账户余额 inheritable balance", fen_to_yuan(inheritable_balance(case.person_id)))]
    for field in ("amount", "monthly", "first_month", "months", "reason"):
        if field in payload:
            rows.append(added(field, field, payload.get(field)))
    return rows


@transaction_type("recover_overpayment", gettext_lazy("Recover a pension paid after a death (第四十六条)"),
                  creators=("clerk",), documents=("evidence",), describe=_describe)
def recover_overpayment(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    return [plan(payload)[1]]


def owed_by(person: str) -> int:
    """What the person's open overpayment cases still owe (the record's balance owed)."""
    totals = OverpaymentCase.objects.filter(person_id=person).aggregate(overpaid=Sum("overpaid_fen"), recovered=Sum("recovered_fen"))
    return (totals["overpaid"] or 0) - (totals["recovered"] or 0)

"""The desk transactions on contribution rows (docs/contributions.md), each reviewed (workflow/stages.toml):

- `pay_arrears` (欠费补缴): one person's months in arrears within a range, paid on a date, on the payment receipt
  (缴费凭证): ONE counter batch of arrears-payment rows with the engine's late fees (arrears.py, counter.py).
- `refund_contributions` (退费): named rows that count (a duplicate or wrong payment) stop counting: ONE reversal
  entry (reversals.py), the credits leave the account summary.
- `correct_contributions` (更正): named rows are reversed and the right rows, recomputed by the engine from the
  corrected wage and/or month, are posted in ONE correction batch; the maintenance log gets one
  `contribution_row.corrected` entry per row (before and after, the method).

Rows are never updated. Each build checks against the state at posting time; the reviewers see the months, amounts
and late fees (`describe`), computed the same way.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.contributions import arrears, counter, reversals
from sirecords.contributions import rows as row_form
from sirecords.contributions.calc import Calculator
from sirecords.contributions.kinds import CONTRIBUTION_ROW_CORRECTED
from sirecords.contributions.models import Contribution, Reversal, RowKind
from sirecords.core.money import fen_to_yuan
from sirecords.engine.params import INSURANCE_TYPES, ParameterError
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.parameters.queries import loaded_param_set, params_for_month
from sirecords.registry.maintenance_log import log_kind
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, a_date, a_month, text, unknown_fields

MAX_MONTHS = 600  # a range of months paid at once: 50 years
MAX_ROWS = 200  # rows named by one refund or correction
_MONEY = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,2}))?\Z")
log_kind(CONTRIBUTION_ROW_CORRECTED, "修正")  # the maintenance log (第十二条) shows each corrected row

GROUNDS = {"duplicate": "重复缴费 duplicate payment", "wrong": "错误缴费 wrong payment"}


def _person(payload: dict[str, Any], errors: Errors) -> str:
    uid = payload.get("person")
    if not isinstance(uid, str) or not Person.objects.filter(uid=uid).exists():
        errors["person"] = _("no insured person {uid}").format(uid=repr(uid))
        return ""
    return uid


# --- pay_arrears ---------------------------------------------------------------------------------------------------

def plan_payment(payload: dict[str, Any]) -> dict[str, Any]:
    """The rows paying the person's months in arrears in [from, to] on paid_on, or InvalidTransaction naming why not:
    {"person", "paid_on", "rows": [(row, kind, fee)], "total_fen", "late_fee_fen"}."""
    errors = Errors()
    unknown_fields(payload, {"person", "from", "to", "paid_on", "insurance_types"}, errors)
    person = _person(payload, errors)
    first, last = a_month(payload, "from", errors), a_month(payload, "to", errors)
    paid = a_date(payload, "paid_on", errors)
    types = payload.get("insurance_types") or []
    if not isinstance(types, list) or any(t not in INSURANCE_TYPES for t in types):
        errors["insurance_types"] = _("must be a list of insurance type codes ({codes})").format(codes=", ".join(INSURANCE_TYPES))
        types = []
    errors.raise_if_any()
    months = last - first + 1
    if months < 1:
        errors["to"] = _("{last} is before {first}").format(last=last, first=first)
    elif months > MAX_MONTHS:
        errors["to"] = _("a range of {months} months; at most {limit} at once").format(months=months, limit=MAX_MONTHS)
    elif paid < date(last.year, last.month, 1):
        errors["paid_on"] = _("{paid} is before the month {month} it pays").format(paid=paid, month=last)
    errors.raise_if_any()
    due = arrears.in_arrears(person, str(first), str(last), types)
    owed = {d.period for d in due}
    missing = [str(first + i) for i in range(months) if str(first + i) not in owed]
    if missing:
        shown = ", ".join(missing[:12]) + (f" … ({len(missing)})" if len(missing) > 12 else "")
        errors["from"] = _("not in arrears (nothing unpaid to pay, or paid already): {months}").format(months=shown)
        errors.raise_if_any()
    rows = []
    for number, d in enumerate(due, start=1):
        try:
            rows.append(arrears.payment_row(d, number, paid.isoformat()))
        except arrears.NotPayable as problem:
            errors[f"{d.period}.{d.insurance_type}"] = str(problem)
    errors.raise_if_any()
    return {"person": person, "paid_on": paid.isoformat(), "rows": rows,
            "total_fen": sum(row[8] + row[9] for row, _k, _f in rows), "late_fee_fen": sum(fee for _r, _k, fee in rows)}


def _problems(error: InvalidTransaction) -> str:
    return "; ".join(f"{k}: {v}" for k, v in error.errors.items())


def _payment_recorded(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The arrears-payment rows a posted pay_arrears recorded (its person, months, types and date), or None."""
    rows = Contribution.objects.filter(person_id=str(payload.get("person") or ""), kind=RowKind.ARREARS_PAYMENT,
                                       period__gte=str(payload.get("from") or ""), period__lte=str(payload.get("to") or ""),
                                       paid_on=str(payload.get("paid_on") or ""))
    if payload.get("insurance_types"):
        rows = rows.filter(insurance_type__in=list(payload["insurance_types"]))
    found = [(tuple(values[:-1]), RowKind.ARREARS_PAYMENT.value, values[-1]) for values in
             rows.order_by("period", "insurance_type").values_list(*row_form.COLUMNS, "late_fee_fen")]
    if not found:
        return None
    return {"rows": found, "total_fen": sum(row[8] + row[9] for row, _k, _f in found),
            "late_fee_fen": sum(fee for _r, _k, fee in found)}


def _type_label(code: str) -> str:
    from sirecords.contributions.models import InsuranceType

    return dict(InsuranceType.choices).get(code, code)


def _describe_payment(payload: dict[str, Any]) -> list[dict[str, Any]]:
    shown = [added("person", "人员 person", payload.get("person")),
             added("months", "补缴月份 months", f"{payload.get('from')} – {payload.get('to')}"),
             added("paid_on", "缴费日期 paid on", payload.get("paid_on"))]
    try:
        plan = plan_payment(payload)
    except InvalidTransaction as error:
        plan = _payment_recorded(payload)  # once posted, its months are no longer in arrears: the rows it posted
        if plan is None:
            return [*shown, added("problem", "问题 problem", _problems(error))]
    for row, _kind, fee in plan["rows"]:
        detail = arrears.late_fee_detail(row[8] + row[9], row[3], row[11], row[13])
        days = f", {detail.days} 天 days from {detail.due}" if detail else ""
        shown.append(added(f"{row[3]}.{row[4]}", f"{row[3]} {_type_label(row[4])}",
                           f"单位 employer {fen_to_yuan(row[8])} + 个人 individual {fen_to_yuan(row[9])}; "
                           f"滞纳金 late fee {fen_to_yuan(fee)}{days}"))
    shown.append(added("total", "合计 total", f"欠费 arrears {fen_to_yuan(plan['total_fen'])} + 滞纳金 late fees "
                                              f"{fen_to_yuan(plan['late_fee_fen'])} = "
                                              f"{fen_to_yuan(plan['total_fen'] + plan['late_fee_fen'])}"))
    return shown


@transaction_type("pay_arrears", "欠费补缴", creators=("clerk",), documents=("payment_receipt",), describe=_describe_payment)
def pay_arrears(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    plan = plan_payment(payload)
    return [counter.batch_entry(ctx.txn, counter.COUNTER, ctx.region or settings.SIRECORDS_REGION, plan["rows"])]


# --- refund_contributions ------------------------------------------------------------------------------------------

def _named_rows(payload: dict[str, Any], person: str, errors: Errors, field: str = "rows") -> list[tuple[str, int, tuple, str, int]]:
    """(batch, number, row, kind, fee) of each row the payload names ("batch:row"), of `person`, that counts."""
    refs = payload.get(field)
    if not isinstance(refs, list) or not refs:
        errors[field] = _("name at least one row (batch:row)")
        return []
    if len(refs) > MAX_ROWS:
        errors[field] = _("{count} rows; at most {limit} at once").format(count=len(refs), limit=MAX_ROWS)
        return []
    found, seen = [], set()
    for item in refs:
        where = reversals.parse_ref(item)
        if where is None:
            errors[field] = _("{ref} is not a row reference batch:row").format(ref=repr(item))
            continue
        if where in seen:
            errors[field] = _("{ref} is named twice").format(ref=item)
            continue
        seen.add(where)
        row = reversals.row_at(*where)
        if row is None or row[0][1] != person:
            errors[field] = _("{ref} is not a contribution row of this person").format(ref=item)
        elif reversals.is_reversed(*where):
            errors[field] = _("{ref} is reversed already").format(ref=item)
        else:
            found.append((*where, *row))
    return found


def _reversed_rows(payload: dict[str, Any], cause: str) -> dict[str, Any] | None:
    """The rows a posted refund or correction named, all reversed with that cause, as its plan shows them; or None."""
    refs = payload.get("rows") if cause == "refund" else [item.get("row") for item in payload.get("rows") or []
                                                          if isinstance(item, dict)]
    wheres = [reversals.parse_ref(text) for text in refs or []]
    if not wheres or None in wheres or Reversal.objects.filter(
            key__in=[reversals.ref(*where) for where in wheres], cause=cause).count() != len(wheres):
        return None
    rows = [(*where, *reversals.row_at(*where)) for where in wheres]
    return {"rows": rows, "total_fen": sum(row[8] + row[9] + fee for _b, _n, row, _k, fee in rows)}


def plan_refund(payload: dict[str, Any]) -> dict[str, Any]:
    errors = Errors()
    unknown_fields(payload, {"person", "rows", "ground", "reason"}, errors)
    person = _person(payload, errors)
    if payload.get("ground") not in GROUNDS:
        errors["ground"] = _("must be one of {values}").format(values=", ".join(GROUNDS))
    reason = text(payload, "reason", errors, required=True, max_length=500)
    errors.raise_if_any()
    rows = _named_rows(payload, person, errors)
    for batch, number, row, _kind, _fee in rows:
        if not row[11]:
            errors["rows"] = _("{ref} is not paid ({period} in arrears): there is nothing to refund").format(
                ref=reversals.ref(batch, number), period=row[3])
    errors.raise_if_any()
    return {"person": person, "rows": rows, "reason": f"{GROUNDS[payload['ground']]}: {reason}",
            "total_fen": sum(row[8] + row[9] + fee for _b, _n, row, _k, fee in rows)}


def _describe_refund(payload: dict[str, Any]) -> list[dict[str, Any]]:
    shown = [added("person", "人员 person", payload.get("person")),
             added("ground", "退费原因 ground", GROUNDS.get(payload.get("ground"), payload.get("ground"))),
             added("reason", "说明 reason", payload.get("reason"))]
    try:
        plan = plan_refund(payload)
    except InvalidTransaction as error:
        plan = _reversed_rows(payload, "refund")  # once posted, its rows are reversed: as they were refunded
        if plan is None:
            return [*shown, added("problem", "问题 problem", _problems(error))]
    for batch, number, row, _kind, fee in plan["rows"]:
        shown.append({"field": reversals.ref(batch, number), "label": f"{row[3]} {_type_label(row[4])}",
                      "before": f"已缴 paid {row[11]}: {fen_to_yuan(row[8] + row[9])}"
                                + (f" + 滞纳金 late fee {fen_to_yuan(fee)}" if fee else ""),
                      "after": "退费 refunded, 不再计算 no longer counts"})
    shown.append(added("total", "退费合计 refund total", fen_to_yuan(plan["total_fen"])))
    return shown


@transaction_type("refund_contributions", "缴费退费", creators=("clerk",), documents=("evidence",), describe=_describe_refund)
def refund_contributions(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    plan = plan_refund(payload)
    refs = [(batch, number) for batch, number, *_rest in plan["rows"]]
    return [reversals.reversal_entry(refs, "refund", plan["reason"], f"person:{plan['person']}")]


# --- correct_contributions -----------------------------------------------------------------------------------------

def _fen(value: Any) -> int | None:
    match = _MONEY.match(value) if isinstance(value, str) else None
    return (int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))) if match else None


def _corrected(old: tuple, kind: str, number: int, wage: int, period: str, region: str) -> tuple[tuple, str, int]:
    """The right row for `old` with the wage and month corrected, computed by the engine under the parameter set
    that governs the month (it must be loaded). Paid stays paid (an arrears payment's late fee recomputed)."""
    params = params_for_month(region, int(period[:4]), int(period[5:]))
    loaded = loaded_param_set(params.version)
    if loaded is None:
        raise InvalidTransaction({"rows": _("rule parameters {version} for {period} are not loaded").format(
            version=params.version, period=period)})
    try:
        base, employer_fen, individual_fen, account = Calculator(loaded, old[4], old[5]).figures(wage)
    except ParameterError as error:
        raise InvalidTransaction({"rows": str(error)}) from None
    paid_on = old[11]
    row = (number, old[1], old[2], period, old[4], old[5], wage, base, employer_fen, individual_fen, account, paid_on,
           0 if paid_on else employer_fen + individual_fen, params.version)
    if kind == RowKind.ARREARS_PAYMENT:
        return row, kind, arrears.late_fee_fen(employer_fen + individual_fen, period, paid_on, params.version)
    return row, RowKind.CORRECTION.value, 0


def plan_correction(payload: dict[str, Any], region: str) -> dict[str, Any]:
    errors = Errors()
    unknown_fields(payload, {"person", "rows", "method"}, errors)
    person = _person(payload, errors)
    method = text(payload, "method", errors, required=True, max_length=500)
    items = payload.get("rows")
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        errors["rows"] = _("name at least one row: {\"row\": \"batch:row\", \"wage\": \"8000.00\", \"period\": \"YYYY-MM\"}")
    errors.raise_if_any()
    named = _named_rows({"rows": [item.get("row") for item in items]}, person, errors)
    errors.raise_if_any()
    out, changes, targets = [], [], set()
    for number, (item, (batch, old_number, old, kind, fee)) in enumerate(zip(items, named), start=1):
        where = reversals.ref(batch, old_number)
        unknown = set(item) - {"row", "wage", "period"}
        if unknown:
            errors[f"rows.{where}"] = _("{fields}: not a field of a corrected row").format(fields=", ".join(sorted(unknown)))
            continue
        wage = _fen(item["wage"]) if "wage" in item else old[6]
        if wage is None:
            errors[f"rows.{where}"] = _("the wage {value} is not an amount in yuan such as 8000.00").format(value=repr(item["wage"]))
            continue
        period = a_month({"period": item.get("period", old[3])}, "period", errors)
        if period is None:
            continue
        row, new_kind, new_fee = _corrected(old, kind, number, wage, str(period), region)
        if row[1:] == old[1:] and new_fee == fee:
            errors[f"rows.{where}"] = _("the corrected row is the same as the row: nothing to correct")
            continue
        key = (row[1], row[2], row[3], row[4])
        if key in targets or (key[2] != old[3] and _month_taken(*key)):
            errors[f"rows.{where}"] = _("{period} {type} already has a row of this person and employer").format(
                period=row[3], type=row[4])
            continue
        targets.add(key)
        out.append((row, new_kind, new_fee))
        changes.append((batch, old_number, old, fee, row, new_fee))
    errors.raise_if_any()
    return {"person": person, "method": method, "rows": out, "changes": changes,
            "reversed": [(batch, number) for batch, number, *_rest in named]}


def _month_taken(person: str, employer: str, period: str, insurance_type: str) -> bool:
    """Whether the month already has a row that is not reversed (paid or in arrears) for this person and employer."""
    rows = Contribution.objects.filter(person_id=person, employer_id=employer, period=period, insurance_type=insurance_type)
    return any(not reversals.is_reversed(batch, number) for batch, number in rows.values_list("batch_id", "row_number"))


SHOWN = ("period", "wage_fen", "base_fen", "employer_fen", "individual_fen", "account_credit_fen", "paid_on", "arrears_fen",
         "rule_version")


def _shown(row: tuple, fee: int) -> dict[str, Any]:
    values = dict(zip(row_form.COLUMNS, row))
    return {**{name: values[name] for name in SHOWN}, "late_fee_fen": fee}


def _type_of(batch: str, number: int) -> str:
    found = reversals.row_at(batch, number)
    return found[0][4] if found else ""


def _corrections_recorded(payload: dict[str, Any]) -> list[tuple] | None:
    """(batch, number, before, after) of each row a posted correction reversed, from its maintenance-log entries."""
    if _reversed_rows(payload, "correction") is None:
        return None
    uids = [item.get("row") for item in payload.get("rows") or [] if isinstance(item, dict)]
    logged = {}
    entries = Entry.objects.filter(kind=CONTRIBUTION_ROW_CORRECTED, subject=f"person:{payload.get('person')}")
    for written in entries.values_list("payload", flat=True):
        body = json.loads(written)
        logged[body["uid"]] = (body["before"], body["after"])  # the latest correction of a row is the one that reversed it
    if not all(uid in logged for uid in uids):
        return None
    return [(*reversals.parse_ref(uid), *logged[uid]) for uid in uids]


def _describe_correction(payload: dict[str, Any]) -> list[dict[str, Any]]:
    shown = [added("person", "人员 person", payload.get("person")), added("method", "处理方法 method", payload.get("method"))]
    try:
        plan = plan_correction(payload, settings.SIRECORDS_REGION)
        changes = [(batch, number, _shown(old, fee), _shown(row, new_fee)) for batch, number, old, fee, row, new_fee
                   in plan["changes"]]
    except InvalidTransaction as error:
        changes = _corrections_recorded(payload)  # once posted, its rows are reversed: the corrections it logged
        if changes is None:
            return [*shown, added("problem", "问题 problem", _problems(error))]
    for batch, number, before, after in changes:
        month = f"{before['period']} {_type_label(_type_of(batch, number))}"
        for name in (*SHOWN, "late_fee_fen"):
            if before[name] != after[name]:
                money = name.endswith("_fen")
                shown.append({"field": f"{reversals.ref(batch, number)}.{name}", "label": f"{month} {name}",
                              "before": fen_to_yuan(before[name]) if money else before[name],
                              "after": fen_to_yuan(after[name]) if money else after[name]})
    return shown


@transaction_type("correct_contributions", "缴费记录更正", creators=("clerk",), documents=("evidence",),
                  describe=_describe_correction)
def correct_contributions(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    region = ctx.region or settings.SIRECORDS_REGION
    plan = plan_correction(payload, region)
    subject = f"person:{plan['person']}"
    entries = [reversals.reversal_entry(plan["reversed"], "correction", plan["method"], subject)]
    for batch, number, old, fee, row, new_fee in plan["changes"]:
        entries.append(NewEntry(CONTRIBUTION_ROW_CORRECTED, subject, {
            "target": "contribution", "uid": reversals.ref(batch, number), "method": plan["method"],
            "before": _shown(old, fee), "after": {**_shown(row, new_fee), "row": reversals.ref(ctx.txn, row[0])}}))
    entries.append(counter.batch_entry(ctx.txn, counter.CORRECTION, region, plan["rows"]))
    return entries

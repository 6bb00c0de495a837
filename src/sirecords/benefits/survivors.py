"""A survivors' claim (经办条例 第十九条): paid when a survivor applies after a recorded death, not on a department's report
alone — the funeral grant and the survivors' pension by the region's rules (engine/survivors.py) and the inheritance of
the individual account balance (社会保险法 第十四条; overpayments.inheritable_balance). An overpayment the deceased's
pension left is recovered from it first: from the inheritance (an account offset), then from the survivors' benefits
(a survivors' offset), each recorded against its case; the survivor is paid the rest. One claim per deceased person.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy

from sirecords.benefits.kinds import OVERPAYMENT_RECOVERED, SURVIVOR_BENEFITS_PAID
from sirecords.benefits.models import AccountClosure, Award, AwardStatus, OverpaymentCase, SurvivorClaim
from sirecords.benefits.overpayments import RELATIONS, inheritable_balance
from sirecords.core.money import fen_to_yuan, to_fen
from sirecords.crypto.sealing import seal
from sirecords.engine.params import ParameterError
from sirecords.engine.survivors import survivor_benefits
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.parameters.queries import params_in_ledger
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields


def plan(payload: dict[str, Any], txn: str = "") -> dict[str, Any]:
    """The claim's figures, or InvalidTransaction naming why it cannot be paid."""
    errors = Errors()
    unknown_fields(payload, {"person", "claimant", "relation", "reason"}, errors)
    person = Person.objects.filter(uid=payload.get("person") or "").first()
    if person is None:
        errors["person"] = f"no registered person {payload.get('person')!r}"
    claimant = text(payload, "claimant", errors, required=True, max_length=100)
    relation = payload.get("relation")
    if relation not in RELATIONS[:-1]:
        errors["relation"] = f"is one of {', '.join(RELATIONS[:-1])}"
    reason = text(payload, "reason", errors, required=True, max_length=500)
    errors.raise_if_any()
    award = Award.objects.filter(person_id=person.uid).order_by("-start_month", "-last_seq").first()
    closure = AccountClosure.objects.filter(person_id=person.uid).first()
    if closure is None and (award is None or award.status != AwardStatus.ENDED):
        raise InvalidTransaction({"person": "no death of this person is recorded: record it first (record_death)"})
    if SurvivorClaim.objects.filter(person_id=person.uid).exists():
        raise InvalidTransaction({"person": "the survivors' benefits of this person were paid already"})
    died_on = closure.on_date if closure is not None else None
    year = int(died_on[:4]) if died_on else int(award.end_month[:4]) if award and award.end_month else date.today().year
    try:
        params = params_in_ledger(person.pooling_region, year)
        figures = survivor_benefits(params, monthly_pension=Decimal(award.total_fen) / 100 if closure is None else None)
    except ParameterError as error:
        raise InvalidTransaction({"rules": str(error)}) from None
    funeral, pension = to_fen(figures.value.funeral_grant), to_fen(figures.value.survivors_pension)
    inheritance = inheritable_balance(person.uid)
    recoveries, from_account, from_benefits = [], 0, 0
    open_cases = OverpaymentCase.objects.filter(person_id=person.uid, recovered_fen__lt=F("overpaid_fen"))
    for case in open_cases.order_by("opened_at", "uid"):
        owed = case.owed_fen
        account = min(owed, inheritance - from_account)
        benefits = min(owed - account, funeral + pension - from_benefits)
        for method, amount in (("account_offset", account), ("survivor_offset", benefits)):
            if amount > 0:
                recoveries.append(NewEntry(OVERPAYMENT_RECOVERED, f"person:{person.uid}", {
                    "case": case.uid, "method": method, "amount_fen": amount, "claim": txn,
                    "reason": "从继承的个人账户余额和遗属待遇中抵扣 offset against the inheritance and the survivors' benefits"}))
        from_account, from_benefits = from_account + account, from_benefits + benefits
    return {"person": person, "claimant": claimant, "relation": relation, "reason": reason, "funeral_grant_fen": funeral,
            "survivors_pension_fen": pension, "inheritance_fen": inheritance, "offset_fen": from_account + from_benefits,
            "paid_fen": funeral + pension + inheritance - from_account - from_benefits, "recoveries": recoveries,
            "rule_version": params.version, "trace": figures.trace.as_dict()}


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [added("person", "死亡人员 the deceased", payload.get("person")),
            added("relation", "申领人关系 relation", payload.get("relation")), added("reason", "说明 reason", payload.get("reason"))]
    try:
        figures = plan(payload)
    except InvalidTransaction as error:
        return [*rows, added("problem", "问题 problem", "; ".join(f"{k}: {v}" for k, v in error.errors.items()))]
    for key, label in (("funeral_grant_fen", "丧葬补助金 funeral grant"), ("survivors_pension_fen", "抚恤金 survivors' pension"),
                       ("inheritance_fen", "个人账户余额继承 inheritance"), ("offset_fen", "抵扣多发 overpayment offset"),
                       ("paid_fen", "实发 paid")):
        rows.append(added(key, label, fen_to_yuan(figures[key])))
    return rows


@transaction_type("pay_survivor_benefits", gettext_lazy("Pay the survivors' benefits of a deceased person (第十九条)"),
                  creators=("clerk",), documents=("kinship_proof",), describe=_describe)
def pay_survivor_benefits(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    figures = plan(payload, ctx.txn)
    person = figures["person"]
    return [*figures["recoveries"], NewEntry(SURVIVOR_BENEFITS_PAID, f"person:{person.uid}", {
        "claim": ctx.txn, "person": person.uid, "claimant_sealed": seal(figures["claimant"], f"survivor:{person.uid}:claimant"),
        "relation": figures["relation"], **{key: figures[key] for key in ("funeral_grant_fen", "survivors_pension_fen",
                                                                           "inheritance_fen", "offset_fen", "paid_fen",
                                                                           "rule_version", "trace")}})]

"""Recomputation (重新核定) and correction of a pension award: a new award version computed by the engine from
the record as it is now, the monthly difference from the version in force for each month already paid, and
the back pay (补发) or overpayment (多发) that settles it.

Triggers of `recompute_award`:
- ``official_rate``: the part year of the account was credited at a provisional rate, the official one is loaded;
- ``late_recognition``: deemed service or contributions were recognised after the award (contribution months,
  the wage index or the account at retirement changed);
- ``pension_base``: the award was made on the prior year's 计发基数 (the year's was not yet published), now
  published.

`correct_award` puts a wrong input right (category, retirement month, flexible): the version in force is
reversed (``award.corrected``, the maintenance log's record with before and after) and the right award posted
as a new version. Either way the months already paid are settled month by month: difference = the new
version's amount (its adjustments re-applied) − the amount in force then; a month newly due under a corrected
start owes its whole amount, a month no longer due gives its whole amount back. The sum is back pay paid by
the next payment run, or an overpayment deducted from the next runs until recovered (payments.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy

from sirecords.benefits.compute import compute_award
from sirecords.benefits.kinds import AWARD_CORRECTED, PENSION_AWARDED, PENSION_RECOMPUTED
from sirecords.benefits.models import Adjustment, Award, AwardStatus
from sirecords.benefits.payments import amount_in_force
from sirecords.core.money import from_fen, to_fen, yuan_or_blank
from sirecords.core.periods import Month
from sirecords.engine.params import ParameterError
from sirecords.engine.pension import adjust_for
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.parameters.queries import params_in_ledger
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, text

TRIGGERS = ("official_rate", "late_recognition", "pension_base")
INPUTS = ("category", "retirement_month", "flexible")  # what a correction may change


def current_version(award: Award) -> dict[str, Any]:
    """The payload of the version in force: the latest pension.recomputed entry of the award, else pension.awarded."""
    entry = (Entry.objects.filter(kind__in=(PENSION_AWARDED, PENSION_RECOMPUTED), subject=f"award:{award.uid}")
             .order_by("-seq").first())
    payload = json.loads(entry.payload)
    # Awards made before the first pension month was the month after started in the retirement month itself.
    payload.setdefault("retirement_month", payload["start_month"])
    payload.setdefault("version", 1)
    return payload


def _award(payload: dict[str, Any]) -> Award:
    award = (Award.objects.filter(person_id=payload.get("person") or "").exclude(status=AwardStatus.ENDED)
             .order_by("-last_seq").first())
    if award is None:
        raise InvalidTransaction({"person": "has no pension award in payment (active or suspended) to recompute or correct"})
    return award


def _paid_months(award: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT month, amount_fen FROM benefits_payment WHERE award_id = %s", [award])
        return {month: int(amount) for month, amount in cursor.fetchall()}


def _last_run() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(month) FROM benefits_payment")
        return cursor.fetchone()[0]


def readjusted(award: Award, awarded_fen: int, contribution_months: int) -> list[tuple[str, int]]:
    """[(from month, amount)] of the new version: as awarded, then each of the award's yearly adjustments re-applied
    with its year's parameters to the new amount."""
    schedule = [("0000-00", awarded_fen)]
    amount = awarded_fen
    for adjustment in Adjustment.objects.filter(award_id=award.uid).order_by("year"):
        try:
            params = params_in_ledger(award.region, adjustment.year)
        except ParameterError as error:
            raise InvalidTransaction({"rules": str(error)}) from None
        amount = to_fen(adjust_for(params, from_fen(amount), contribution_months=contribution_months).value.after)
        schedule.append((adjustment.from_month, amount))
    return schedule


def _due(schedule: list[tuple[str, int]], month: str) -> int:
    return [amount for start, amount in schedule if start <= month][-1]


def _settled(award: str) -> dict[str, int]:
    """month → the amount the latest earlier version settled it to (its recomputation entry's months)."""
    settled: dict[str, int] = {}
    for payload in (Entry.objects.filter(kind=PENSION_RECOMPUTED, subject=f"award:{award}").order_by("seq")
                    .values_list("payload", flat=True)):
        settled.update({item["month"]: item["after_fen"] for item in json.loads(payload)["months"]})
    return settled


def settle(award: Award, old_start: str, new_start: str, schedule: list[tuple[str, int]]) -> dict[str, Any]:
    """The months already paid (or due under the new start within the runs paid), each with the amount due then under
    the version in force (as an earlier recomputation settled it, else the amount in force when paid), the new
    version's amount and the difference; their sum as back pay or overpayment."""
    paid = _paid_months(award.uid)
    settled = _settled(award.uid)
    last = _last_run()
    months = []
    if last is not None:
        month = Month.parse(min(old_start, new_start))
        while str(month) <= last:
            m = str(month)
            before = settled[m] if m in settled else amount_in_force(award.uid, m) if m in paid else 0
            # Newly due: a month the corrected start adds before the old one (never paid); otherwise due when paid.
            owed = m >= new_start and (m in paid or m < old_start or settled.get(m, 0) > 0)
            after = _due(schedule, m) if owed else 0
            if before or after:
                months.append({"month": m, "before_fen": before, "after_fen": after, "difference_fen": after - before})
            month += 1
    net = sum(item["difference_fen"] for item in months)
    return {"months": months, "months_settled": sum(1 for item in months if item["difference_fen"]),
            "back_pay_fen": max(net, 0), "overpayment_fen": max(-net, 0),
            "from_month": str(Month.parse(last) + 1) if last is not None and last >= new_start else new_start}


def new_version(award: Award, inputs: dict[str, Any], trigger: str, txn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the version in force, the new version's pension.recomputed payload)."""
    old = current_version(award)
    figures = compute_award({"person": award.person_id, **inputs})
    schedule = readjusted(award, figures["total_fen"], figures["contribution_months"])
    settlement = settle(award, award.start_month, figures["start_month"], schedule)
    version = old["version"] + 1
    entry = {**figures, "award": award.uid, "version": version, "trigger": trigger, "txn": txn,
             "before": {key: old.get(key) for key in ("version", "category", "retirement_month", "start_month", "basic_fen",
                                                      "account_fen", "transitional_fen", "total_fen", "contribution_months",
                                                      "balance_fen", "rule_version")},
             "before_fen": amount_in_force(award.uid, settlement["from_month"]),
             "after_fen": _due(schedule, settlement["from_month"]), **settlement}
    return old, entry


def _check_trigger(trigger: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    if trigger == "official_rate":
        was = (old.get("account_year") or {}).get("rate_status")
        if was != "provisional":
            raise InvalidTransaction({"trigger": "the award's part year was not credited at a provisional rate "
                                                 f"({was or 'no part year'}): nothing for an official rate to replace"})
        if new["account_year"]["rate_status"] != "official":
            raise InvalidTransaction({"trigger": f"the official crediting rate of {new['account_year']['year']} is not "
                                                 "loaded yet: the rate is still provisional"})
    elif trigger == "pension_base":
        if not old.get("pension_base_provisional"):
            raise InvalidTransaction({"trigger": "the award was made on its own year's 计发基数, not a provisional one"})
        if new["pension_base_provisional"]:
            raise InvalidTransaction({"trigger": f"the 计发基数 of {new['retirement_month'][:4]} is not published (loaded) yet"})
    elif (old["contribution_months"], old.get("wage_index"), old["balance_fen"]) == (
            new["contribution_months"], new["wage_index"], new["balance_fen"]):
        raise InvalidTransaction({"trigger": f"nothing recognised since the award: {new['contribution_months']} contribution "
                                             "months, the wage index and the account at retirement are as awarded"})


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added(name, name, payload.get(name)) for name in ("person", "trigger", *INPUTS, "reason") if name in payload]


@transaction_type("recompute_award", gettext_lazy("Recompute a pension award"), creators=("clerk",), describe=_describe)
def recompute_award(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    trigger = payload.get("trigger")
    if trigger not in TRIGGERS:
        raise InvalidTransaction({"trigger": f"must be one of {', '.join(TRIGGERS)}"})
    award = _award(payload)
    inputs = {key: value for key, value in current_version(award).items() if key in INPUTS}
    inputs.setdefault("flexible", False)
    old, entry = new_version(award, inputs, trigger, ctx.txn)
    _check_trigger(trigger, old, entry)
    return [NewEntry(PENSION_RECOMPUTED, f"award:{award.uid}", entry, effective=f"{entry['start_month']}-01")]


@transaction_type("correct_award", gettext_lazy("Correct a pension award"), creators=("clerk",), documents=("evidence",),
                  describe=_describe)
def correct_award(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    reason = text(payload, "reason", errors, required=True, max_length=500, multiline=True)
    errors.raise_if_any()
    award = _award(payload)
    before = current_version(award)
    inputs = {key: payload.get(key, before.get(key, False)) for key in INPUTS}
    if all(inputs[key] == before.get(key, False) for key in INPUTS):
        raise InvalidTransaction({"retirement_month": "category, retirement month and flexible are as awarded: "
                                                      "nothing to correct"})
    old, entry = new_version(award, inputs, "correction", ctx.txn)
    shown = ("category", "retirement_month", "start_month", "total_fen", "contribution_months")
    reversal = {"target": "benefits_award", "uid": award.uid, "person": award.person_id, "reverses_version": old["version"],
                "before": {key: old.get(key) for key in shown}, "after": {key: entry[key] for key in shown},
                "method": "冲正原核定并重新核定 reversal of the award in force and the right award as a new version",
                "reason": reason}
    return [NewEntry(AWARD_CORRECTED, f"award:{award.uid}", reversal),
            NewEntry(PENSION_RECOMPUTED, f"award:{award.uid}", entry, effective=f"{entry['start_month']}-01")]


def describe_settlement(payload: dict[str, Any]) -> str:
    """One line for lists: the monthly change and the settlement."""
    return (f"{yuan_or_blank(payload.get('before_fen'))} → {yuan_or_blank(payload.get('after_fen'))}; "
            f"补发 back pay {yuan_or_blank(payload.get('back_pay_fen'))}, 多发 overpayment {yuan_or_blank(payload.get('overpayment_fen'))}")


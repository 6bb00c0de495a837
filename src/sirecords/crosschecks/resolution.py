"""resolve_discrepancy and dismiss_discrepancy: a queued discrepancy settled only through a reviewed transaction.

Resolving carries out the fix the discrepancy calls for with the benefits app's own transaction builders (the same
checks and entries as at the desk) and records the resolution with what it did:

- pensioner_died → record_death: the pension ends from the month after the death; the overpayment (paid for later
  months, less what the bank returned) recomputed at posting; a payment held for it is released, the months due
  before the end owed as back pay;
- insured_died → record_death: the account closes, its balance payable to the heirs;
- pensioner_imprisoned → suspend_benefit; a payment held for it is released, the months before the sentence's
  month owed;
- released → resume_benefit (at the last standard, no back pay for the sentence);
- id_changed → change_id_number: the new number from the department's report, the old one kept as a former number
  (not when the new number is registered to someone already: two registrations are not merged here).

Dismissing says the record was right: the discrepancy stays dismissed unless a later report changes its figures, and a
payment held for it is released with every month it kept as back pay.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy

from sirecords.benefits import holds
from sirecords.benefits.models import Award, Payment
from sirecords.benefits.transactions import DEATH_DOCUMENTS, record_death, resume_benefit, suspend_benefit
from sirecords.core.periods import Month
from sirecords.crosschecks.evidence import report_of
from sirecords.crosschecks.kinds import DISCREPANCY_ASSIGNED, DISCREPANCY_DISMISSED, DISCREPANCY_RESOLVED
from sirecords.crosschecks.models import Discrepancy, DiscrepancyState
from sirecords.crosschecks.payment_returns import returned_fen
from sirecords.crosschecks.queue import KIND_LABELS, readable
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.registry.transactions import change_id_number
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type, transaction_type_named
from sirecords.transactions.validation import Errors, text, unknown_fields
from sirecords.users.actors import actor_for

# kind → the fix's name (the benefits transaction whose builder resolving runs)
FIXES = {"pensioner_died": "record_death", "insured_died": "record_death", "pensioner_imprisoned": "suspend_benefit",
         "released": "resume_benefit", "id_changed": "change_id_number"}
EVIDENCE = ("department_report", *DEATH_DOCUMENTS, "suspension_basis", "resumption_basis", "id_change_proof")


def open_discrepancy(payload: dict[str, Any]) -> Discrepancy:
    found = Discrepancy.objects.filter(id=payload.get("discrepancy") or "").first()
    if found is None:
        raise InvalidTransaction({"discrepancy": f"no discrepancy {payload.get('discrepancy')!r}"})
    if found.state not in (DiscrepancyState.OPEN, DiscrepancyState.IN_REVIEW):
        raise InvalidTransaction({"discrepancy": f"discrepancy {found.id} is {found.state} already"})
    return found


def _describe(payload: dict[str, Any], fix: str | None = None) -> list[dict[str, Any]]:
    """What the reviewers see: the discrepancy (its kind, date or month, and facts in the queue's words), the fix it
    runs, and why."""
    rows = [added("discrepancy", "比对差异 discrepancy", payload.get("discrepancy"))]
    found = Discrepancy.objects.filter(id=payload.get("discrepancy") or "").first()
    if found is not None:
        rows += [added("kind", "差异类型 kind", f"{KIND_LABELS.get(found.kind, found.kind)} ({found.kind})"),
                 added("key", "日期或月份 date or month", found.key)]
        rows += [added(f"detail.{n}", label, text) for n, (label, text) in enumerate(readable(json.loads(found.detail)))]
        if fix is not None:
            fix_type = FIXES.get(found.kind)
            rows.append(added("fix", "更正业务 fix", f"{transaction_type_named(fix_type).title} ({fix_type})" if fix_type else "—"))
    if "to" in payload:
        rows.append(added("to", "经办人 assigned to", payload.get("to")))
    if "reason" in payload:
        rows.append(added("reason", "理由 reason", payload.get("reason")))
    return rows


def _describe_fix(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return _describe(payload, fix="resolve")


def _subject(payload: dict[str, Any], posted: bool) -> str | None:
    found = Discrepancy.objects.filter(id=payload.get("discrepancy") or "").first()
    return found.subject if found is not None and found.subject.startswith("person:") else None


def _reason(payload: dict[str, Any], allowed: set[str]) -> str:
    errors = Errors()
    unknown_fields(payload, allowed, errors)
    reason = text(payload, "reason", errors, required=True, max_length=500, multiline=True)
    errors.raise_if_any()
    return reason


def _overpaid(award: Award, end_month: str) -> dict[str, Any]:
    """What was paid for months from `end_month` on (not due after a death): the case to recover, figures in fen."""
    paid = list(Payment.objects.filter(award_id=award.uid, month__gte=end_month).order_by("month")
                .values_list("month", "amount_fen", "back_pay_fen"))
    months = [month for month, _amount, _back in paid]
    total, returned = sum(a + b for _m, a, b in paid), returned_fen(award.person_id, months)
    return {"months": months, "paid_fen": total, "returned_fen": returned, "overpayment_fen": total - returned}


@transaction_type("resolve_discrepancy", gettext_lazy("Resolve a cross-check discrepancy: fix the record (第五条)"),
                  creators=("clerk",), documents=(EVIDENCE,), describe=_describe_fix, subject=_subject)
def resolve_discrepancy(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    reason = _reason(payload, {"discrepancy", "reason"})
    discrepancy = open_discrepancy(payload)
    fix = FIXES.get(discrepancy.kind)
    if fix is None:
        raise InvalidTransaction({"discrepancy": f"a {discrepancy.kind} discrepancy is not resolved by a transaction here "
                                                 "yet: dismiss it, or fix the record at the desk"})
    person = discrepancy.subject.removeprefix("person:")
    detail = json.loads(discrepancy.detail)
    why = f"{reason} ({detail.get('source', '')} {detail.get('reference', '')})".strip()
    outcome: dict[str, Any] = {"fix": fix}
    hold = holds.hold_of(discrepancy.id)
    if fix == "record_death":
        entries = record_death({"person": person, "date": discrepancy.key, "reason": why}, ctx)
        ended = entries[0].payload.get("end_month")
        if ended and discrepancy.hold:
            outcome.update(_overpaid(Award.objects.get(uid=discrepancy.hold), ended))
        if hold is not None:
            entries.append(holds.release(hold, due_before=ended))
    elif fix == "suspend_benefit":
        entries = suspend_benefit({"person": person, "reason": why}, ctx)
        if hold is not None:
            entries.append(holds.release(hold, due_before=str(Month.parse(discrepancy.key[:7]))))
    elif fix == "resume_benefit":
        entries = resume_benefit({"person": person, "reason": why}, ctx)
    else:
        if detail.get("new_number_registered"):
            raise InvalidTransaction({"discrepancy": "the new number is registered to someone already: the two "
                                                     "registrations are one person's, which is not merged here; dismiss it"})
        reported = dict(report_of(discrepancy).fields)
        entries = change_id_number({"person": person, "new_id_number": reported["new_id_number"],
                                    "changed_on": discrepancy.key}, ctx)
    return [*entries, NewEntry(DISCREPANCY_RESOLVED, f"discrepancy:{discrepancy.id}",
                               {"id": discrepancy.id, "txn": ctx.txn, "reason": reason, "outcome": outcome})]


@transaction_type("dismiss_discrepancy", gettext_lazy("Dismiss a cross-check discrepancy: the record is right (第五条)"),
                  creators=("clerk",), describe=_describe, subject=_subject)
def dismiss_discrepancy(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    reason = _reason(payload, {"discrepancy", "reason"})
    discrepancy = open_discrepancy(payload)
    entries = []
    hold = holds.hold_of(discrepancy.id)
    if hold is not None:
        entries.append(holds.release(hold))
    return [*entries, NewEntry(DISCREPANCY_DISMISSED, f"discrepancy:{discrepancy.id}",
                               {"id": discrepancy.id, "txn": ctx.txn, "reason": reason, "figures": discrepancy.figures})]


@transaction_type("assign_discrepancy", gettext_lazy("Assign a cross-check discrepancy to a clerk"),
                  creators=("clerk", "supervisor"), describe=_describe, subject=_subject)
def assign_discrepancy(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """Who works on it: a supervisor assigns it to a clerk, or a clerk takes it. Changes no record: posted at once."""
    errors = Errors()
    unknown_fields(payload, {"discrepancy", "to"}, errors)
    errors.raise_if_any()
    discrepancy = open_discrepancy(payload)
    to = str(payload.get("to") or "")
    clerk = actor_for(to) if to else None
    if clerk is None or not clerk.has("clerk", ctx.region):
        raise InvalidTransaction({"to": f"{to!r} is not a clerk of region {ctx.region}"})
    if ctx.actor != to and not actor_for(ctx.actor).has("supervisor", ctx.region):
        raise InvalidTransaction({"to": "a clerk takes a discrepancy for themself; a supervisor assigns it to another"})
    return [NewEntry(DISCREPANCY_ASSIGNED, f"discrepancy:{discrepancy.id}", {"id": discrepancy.id, "to": to})]

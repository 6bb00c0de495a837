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

from sirecords.benefits import holds, overpayments
from sirecords.benefits.models import AccountClosure, Award, AwardStatus, Payment
from sirecords.benefits.transactions import DEATH_DOCUMENTS, record_death, resume_benefit, suspend_benefit
from sirecords.contributions.row_transactions import pay_arrears
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.core.money import parse_amount, to_fen
from sirecords.core.periods import Month
from sirecords.crosschecks import tax_paid
from sirecords.crosschecks.employer_status import arrears_of
from sirecords.crosschecks.evidence import report_of
from sirecords.crosschecks.kinds import (
    DISCREPANCY_ASSIGNED,
    DISCREPANCY_DISMISSED,
    DISCREPANCY_RESOLVED,
    FRAUD_REFERRAL_RECORDED,
)
from sirecords.crosschecks.models import Discrepancy, DiscrepancyState
from sirecords.crosschecks.payment_returns import returned_fen
from sirecords.crosschecks.queue import KIND_LABELS, readable
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.registry.models import Employer, EmployerStatus, Employment
from sirecords.registry.transactions import change_employer_details, change_id_number, end_employment
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type, transaction_type_named
from sirecords.transactions.validation import Errors, checked_text, text, unknown_fields
from sirecords.users.actors import actor_for

# kind → the fix's name (the benefits transaction whose builder resolving runs)
FIXES = {"pensioner_died": "record_death", "insured_died": "record_death", "pensioner_imprisoned": "suspend_benefit",
         "released": "resume_benefit", "id_changed": "change_id_number", "death_revoked": "restore_benefit",
         "payment_returned": "release_payment", "employer_closed": "close_employer", "paid_not_recorded": "collected",
         "recorded_not_paid": "collected", "amount_differs": "collected"}
# The fixes that are not one transaction type of their own, as the reviewers see them named.
FIX_TITLES = {"restore_benefit": gettext_lazy("Restore a pension stopped for a death since revoked, with back pay"),
              "release_payment": gettext_lazy("Release the held payment; the returned payment owed again"),
              "close_employer": gettext_lazy("End the closed unit's employment periods; cancel its registration "
                                             "when no arrears are left"),
              "collected": gettext_lazy("Pay the months in arrears, or compare the corrected month again")}
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
            title = FIX_TITLES.get(fix_type) or (transaction_type_named(fix_type).title if fix_type else None)
            rows.append(added("fix", "更正业务 fix", f"{title} ({fix_type})" if fix_type else "—"))
        if payload.get("as"):
            rows.append(added("as", "处理方式 as", payload.get("as")))
        if payload.get("referral"):
            rows.append(added("referral", "移送行政部门 referral", payload.get("referral")))
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
    reason = _reason(payload, {"discrepancy", "reason", "as", "referral", "received_by"})
    discrepancy = open_discrepancy(payload)
    fix = FIXES.get(discrepancy.kind)
    if fix is None:
        raise InvalidTransaction({"discrepancy": f"a {discrepancy.kind} discrepancy is not resolved by a transaction here: "
                                                 "register the person or fix the record at the desk, or dismiss it"})
    detail = json.loads(discrepancy.detail)
    why = f"{reason} ({detail.get('source', '')} {detail.get('reference', '')})".strip()
    entries, outcome = FIX_BUILDERS[fix](discrepancy, detail, why, payload, ctx)
    # The facts sent to the HR administrative department (社会保险法 第八十八条), checked as any free text is.
    referral = checked_text(payload["referral"], "referral", max_length=500) if "referral" in payload else None
    if referral:
        entries.append(NewEntry(FRAUD_REFERRAL_RECORDED, discrepancy.subject, {
            "discrepancy": discrepancy.id, "kind": discrepancy.kind, "to": "人力资源社会保障行政部门 the HR administrative "
                                                                         "department", "facts": referral,
            "overpayment_fen": outcome.get("overpayment_fen", 0)}))
        outcome["referred"] = True
    return [*entries, NewEntry(DISCREPANCY_RESOLVED, f"discrepancy:{discrepancy.id}",
                               {"id": discrepancy.id, "txn": ctx.txn, "reason": reason, "outcome": {"fix": fix, **outcome}})]


Fix = tuple[list[NewEntry], dict[str, Any]]


def _fix_death(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    outcome: dict[str, Any] = {}
    entries = record_death({"person": discrepancy.subject.removeprefix("person:"), "date": discrepancy.key, "reason": why}, ctx)
    ended = entries[0].payload.get("end_month")
    if ended and discrepancy.hold:
        award = Award.objects.get(uid=discrepancy.hold)
        outcome.update(_overpaid(award, ended))
        if outcome["overpayment_fen"] > 0:  # the case to recover, naming who received it
            entries.append(overpayments.opening_entry(discrepancy.id, award, outcome["months"], outcome["paid_fen"],
                                                      outcome["returned_fen"], payload.get("received_by")))
            outcome["case"] = discrepancy.id
    hold = holds.hold_of(discrepancy.id)
    if hold is not None:
        entries.append(holds.release(hold, due_before=ended))
    return entries, outcome


def _fix_suspension(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    entries = suspend_benefit({"person": discrepancy.subject.removeprefix("person:"), "reason": why}, ctx)
    hold = holds.hold_of(discrepancy.id)
    if hold is not None:
        entries.append(holds.release(hold, due_before=str(Month.parse(discrepancy.key[:7]))))
    return entries, {}


def _fix_resumption(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    return resume_benefit({"person": discrepancy.subject.removeprefix("person:"), "reason": why}, ctx), {}


def _fix_id_number(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    if detail.get("new_number_registered"):
        raise InvalidTransaction({"discrepancy": "the new number is registered to someone already: the two "
                                                 "registrations are one person's, which is not merged here; dismiss it"})
    reported = dict(report_of(discrepancy).fields)
    return change_id_number({"person": discrepancy.subject.removeprefix("person:"),
                             "new_id_number": reported["new_id_number"], "changed_on": discrepancy.key}, ctx), {}


def _fix_revoked_death(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    """The death was revoked: a pension it ended is restored with every month stopped as back pay; a death still
    queued is dismissed with it (its hold released with the months held)."""
    person = discrepancy.subject.removeprefix("person:")
    entries: list[NewEntry] = []
    outcome: dict[str, Any] = {"dismissed": []}
    for queued in Discrepancy.objects.filter(subject=discrepancy.subject, kind__in=("pensioner_died", "insured_died"),
                                             state=DiscrepancyState.OPEN).order_by("id"):
        hold = holds.hold_of(queued.id)
        if hold is not None:
            entries.append(holds.release(hold))
        entries.append(NewEntry(DISCREPANCY_DISMISSED, f"discrepancy:{queued.id}", {
            "id": queued.id, "txn": ctx.txn, "reason": f"the death was revoked ({discrepancy.id})", "figures": queued.figures}))
        outcome["dismissed"].append(queued.id)
    award = Award.objects.filter(person_id=person).order_by("-start_month", "-last_seq").first()
    if award is not None and award.status == AwardStatus.ENDED:
        restored = holds.restore(award, hold=discrepancy.id, reason="death_revoked")
        entries.append(restored)
        outcome.update(restored_months=restored.payload["months"], back_pay_fen=restored.payload["back_pay_fen"])
    elif AccountClosure.objects.filter(person_id=person).exists():
        raise InvalidTransaction({"discrepancy": "the person's individual account was closed at the recorded death: "
                                                 "reopening it is a correction of the account at the desk (更正)"})
    if not entries:
        raise InvalidTransaction({"discrepancy": "no death of this person is recorded or queued now: dismiss it"})
    return entries, outcome


def _fix_returned_payment(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    """The bank's return settled (the account corrected at the desk): the hold released with the months it kept and
    the returned payment owed again; after the pensioner's death, nothing is paid again (the return reduces the
    overpayment instead)."""
    hold = holds.hold_of(discrepancy.id)
    if hold is None:
        raise InvalidTransaction({"discrepancy": "no payment is held for this return now"})
    award = Award.objects.get(uid=hold.award_id)
    due = not award.end_month or detail["month"] < award.end_month
    reissued = to_fen(parse_amount(detail["amount"])) if due else 0
    return [holds.release(hold, due_before=award.end_month or None, reissued_fen=reissued)], {"reissued_fen": reissued}


def _fix_closed_employer(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    """The unit closed: each employment period still open ends on the day it closed (or the day it began, if later);
    the registration is cancelled when no arrears are left (经办条例 第十条), else kept, and said so."""
    employer = discrepancy.subject.removeprefix("employer:")
    closed_on = discrepancy.key
    entries: list[NewEntry] = []
    periods = Employment.objects.filter(employer_id=employer, end__isnull=True).order_by("start", "uid") \
        .values_list("uid", "start")
    for uid, start in periods:
        entries += end_employment({"employment": uid, "end": max(closed_on, start.isoformat())}, ctx)
    ended = len(entries)
    months, owed = arrears_of([employer]).get(employer, (0, 0))
    unit = Employer.objects.get(uid=employer)
    cancelled = months == 0 and unit.status != EmployerStatus.CLOSED
    if cancelled:
        entries += change_employer_details({"employer": employer, "status": EmployerStatus.CLOSED.value}, ctx)
    if not entries:
        raise InvalidTransaction({"discrepancy": f"the unit has no open period and {months} months in arrears "
                                                 f"({yuan(owed)}): its registration stays until they are settled"})
    return entries, {"periods_ended": ended, "registration_cancelled": cancelled,
                     "arrears_months": months, "arrears_fen": owed}


def _fix_collected(discrepancy: Discrepancy, detail: dict, why: str, payload: dict, ctx: WriteContext) -> Fix:
    """The collector's report against the record for one person and month. As `arrears`: the months in arrears the
    collector says were paid are paid (pay_arrears, on the collector's date). As `correction`: the record was put
    right through the collection path or at the desk (a collection file's rows, correct_contributions, a refund), and
    the month is compared again: it resolves only once the record agrees with the report."""
    person = discrepancy.subject.removeprefix("person:")
    month = detail["month"]
    items = detail["insurance_types"]
    how = payload.get("as") or ("arrears" if all(item.get("why") == "in_arrears" for item in items) else "correction")
    if how not in ("correction", "arrears"):
        raise InvalidTransaction({"as": "is correction or arrears"})
    if how == "arrears":
        if discrepancy.kind != "paid_not_recorded" or any(item.get("why") != "in_arrears" for item in items):
            raise InvalidTransaction({"as": "arrears is for a payment of months the record holds in arrears"})
        paid_on = dict(report_of(discrepancy).fields)["paid_on"]
        entries = pay_arrears({"person": person, "from": month, "to": month, "paid_on": paid_on,
                               "insurance_types": sorted({item["insurance_type"] for item in items})}, ctx)
        return entries, {"as": how, "paid_on": paid_on}
    remaining = tax_paid.still_differs(discrepancy.kind, person, month, items)
    if remaining:
        raise InvalidTransaction({"discrepancy": "the record still differs from the collector's report for "
                                                 f"{month}: " + "; ".join(remaining) + ". Put the rows right first "
                                                 "(import the collector's rows, correct_contributions or a refund at the desk)"})
    return [], {"as": how, "compared_again": month}


FIX_BUILDERS = {"record_death": _fix_death, "suspend_benefit": _fix_suspension, "resume_benefit": _fix_resumption,
                "change_id_number": _fix_id_number, "restore_benefit": _fix_revoked_death,
                "release_payment": _fix_returned_payment, "close_employer": _fix_closed_employer,
                "collected": _fix_collected}


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

"""The work queue of discrepancies: listed for clerks and supervisors, subjects masked as the system masks ID numbers."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from sirecords.core.money import fen_to_yuan
from sirecords.crosschecks.models import Claim, Discrepancy, DiscrepancyState
from sirecords.registry.models import Employer, Person
from sirecords.workflow.models import BusinessTransaction, State

KIND_LABELS = {
    "pensioner_died": _("A pensioner reported dead"), "insured_died": _("An insured person reported dead"),
    "pensioner_imprisoned": _("A pensioner reported imprisoned"), "released": _("A pensioner reported released"),
    "death_revoked": _("A recorded death revoked"), "employer_closed": _("A closed employer still open in the record"),
    "paid_not_recorded": _("Paid to the collector, not in the record"),
    "recorded_not_paid": _("In the record, not paid to the collector"),
    "amount_differs": _("The collector's amount differs from the record's"), "id_changed": _("An ID number changed"),
    "not_on_establishment": _("Enrolled in the public-institution scheme, not on the establishment"),
    "establishment_not_enrolled": _("On the establishment, not enrolled"),
    "unknown_person": _("A report about nobody registered"), "payment_returned": _("A pension payment returned by the bank"),
}
KINDS = tuple(KIND_LABELS)
# The facts of a discrepancy's detail, as the staff pages name them (the blind indexes are not shown).
DETAIL_LABELS = {
    "event_on": _("Date of the event"), "source": _("Reported by"), "reference": _("Department's reference"),
    "name_matches": _("Name as in the record"), "death_month": _("Month of death"), "months": _("Paid after the death"),
    "returned": _("Returned by the bank"), "overpayment": _("Overpayment"), "monthly": _("Monthly pension"),
    "months_after": _("Contribution months after the death"), "month": _("Month"), "amount": _("Amount returned"),
    "reason": _("Reason"), "paid": _("Paid that month"), "status": _("Status reported"), "effective_on": _("Effective"),
    "registered": _("Still registered"), "open_periods": _("Employment periods not ended"),
    "arrears_months": _("Months in arrears"), "arrears": _("Arrears"), "changed_on": _("Changed on"),
    "birth_date_changed": _("The new number gives another birth date"), "sex_changed": _("The new number gives another sex"),
    "new_number_registered": _("The new number is registered already"), "id_number": _("ID number (masked)"),
    "feed": _("Feed"), "fix": _("The fixing transaction"), "paid_fen": _("Paid for months not due"),
    "returned_fen": _("Returned by the bank"), "overpayment_fen": _("Overpayment to recover"),
    "insurance_types": _("Insurance types"), "insurance_type": _("Insurance type"), "employer": _("Unit"),
    "employer_amount": _("Employer's amount"), "individual_amount": _("Individual's amount"),
    "recorded": _("In the record"), "why": _("Why"), "unit": _("Unit"), "unit_registered": _("Unit registered"),
    "unit_scheme": _("Unit's pension scheme"), "listed": _("Listed in the file"),
    "on_establishment": _("On the establishment"),
}
# The codes a detail's values use, in the pages' words.
VALUE_LABELS = {
    "not_on_record": _("nothing in the record for that unit, month and type"), "in_arrears": _("in arrears in the record"),
    "not_employer": _("the unit did not employ the person that month"),
    "unit_not_registered": _("the unit is not registered"),
    "public_institution": _("public institution (120)"), "enterprise": _("enterprise (110)"),
    "pension": _("Pension insurance"), "medical": _("Medical insurance"), "unemployment": _("Unemployment insurance"),
    "work_injury": _("Work injury insurance"), "maternity": _("Maternity insurance"),
}
STATE_LABELS = {"open": _("Open"), "in_review": _("In review"), "resolved": _("Resolved"), "dismissed": _("Dismissed")}


def listing(kind: str | None = None, state: str | None = None, *, ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The discrepancies (of `kind`, in `state`, or those of `ids`), oldest due first, as `crosscheck list --json`
    prints them. The state `in_review` is derived: open, with a transaction settling it now."""
    rows = Discrepancy.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if ids is not None:
        rows = rows.filter(id__in=ids)
    rows = list(rows.order_by("due_on", "found_at", "id"))
    reviewing = in_review([r.id for r in rows if r.state == DiscrepancyState.OPEN])
    for row in rows:
        if row.id in reviewing:
            row.state, row.transaction = DiscrepancyState.IN_REVIEW.value, reviewing[row.id]
    if state:
        rows = [row for row in rows if row.state == state]
    subjects = _subjects(rows)
    return [{"id": r.id, "kind": r.kind, "subject": subjects.get(r.subject) or json.loads(r.detail).get("id_number", "—"),
             "detail": json.loads(r.detail), "state": r.state, "due_on": r.due_on, "assigned_to": r.assigned_to or None,
             "transaction": r.transaction or None}
            for r in rows]


def _subjects(rows: list[Discrepancy]) -> dict[str, str]:
    """subject → as the queue shows it: a person's ID number masked, an employer's credit code (not personal data); a
    number nobody holds is shown from the detail, masked when it was received. Two queries, whatever the rows."""
    uids = {kind: [r.subject.split(":", 1)[1] for r in rows if r.subject.startswith(f"{kind}:")] for kind in ("person", "employer")}
    shown = {f"person:{p.uid}": p.masked_id_number for p in Person.objects.filter(uid__in=uids["person"])}
    shown.update({f"employer:{uid}": uscc for uid, uscc in Employer.objects.filter(uid__in=uids["employer"])
                  .values_list("uid", "uscc")})
    return shown


def counts(today: date | None = None) -> dict[str, int]:
    """How many are open (or in review), and of those how many are past their due date: the supervisors' figures."""
    today_text = (today or date.today()).isoformat()
    is_open = Q(state=DiscrepancyState.OPEN)
    return Discrepancy.objects.aggregate(
        open=Count("id", filter=is_open), overdue=Count("id", filter=is_open & Q(due_on__lt=today_text)),
        resolved=Count("id", filter=Q(state=DiscrepancyState.RESOLVED)),
        dismissed=Count("id", filter=Q(state=DiscrepancyState.DISMISSED)))


STATES = tuple(DiscrepancyState.values)


def in_review(ids: list[str]) -> dict[str, str]:
    """Of these open discrepancies, those a transaction is settling now (opened or submitted, not yet posted): id →
    the transaction. A returned or withdrawn transaction leaves its discrepancy open."""
    claims = dict(Claim.objects.filter(discrepancy__in=ids).values_list("discrepancy", "txn"))
    pending = set(BusinessTransaction.objects.filter(uid__in=list(claims.values()), state__in=(State.DRAFT, State.SUBMITTED))
                  .values_list("uid", flat=True))
    return {discrepancy: txn for discrepancy, txn in claims.items() if txn in pending}



def _item(item: dict[str, Any]) -> str:
    """One item of a listed fact on one line: a month and what was paid, or an insurance type with both sides (the
    type first, then the unit, what the collector was paid, what the record holds, why)."""
    labels = COLLECTOR_ITEM_LABELS if "insurance_type" in item else DETAIL_LABELS
    parts = []
    for key in sorted(item, key=lambda name: ITEM_ORDER.index(name) if name in ITEM_ORDER else len(ITEM_ORDER)):
        value = item[key]
        if isinstance(value, dict):
            value = " ".join(f"{DETAIL_LABELS.get(k, k)} {v}" for k, v in value.items())
        elif value is None or value == "":
            value = "—"
        elif isinstance(value, str):
            value = VALUE_LABELS.get(value, value)
        parts.append(f"{labels.get(key, key)}: {value}" if key in _NAMED_IN_ITEMS else str(value))
    return "; ".join(parts)


ITEM_ORDER = ("month", "insurance_type", "employer", "paid", "recorded", "why")
_NAMED_IN_ITEMS = {"paid", "recorded", "why", "employer"}  # shown with their label; a month or a type speaks for itself
COLLECTOR_ITEM_LABELS = {"paid": _("Paid to the collector"), "recorded": _("In the record"), "employer": _("Unit"),
                         "why": _("Why")}


def readable(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of each fact of a detail, in the pages' words: yes/no for flags, lists one item a line."""
    rows = []
    for key, value in detail.items():
        if key.endswith("_index"):
            continue
        if key.endswith("_fen") and isinstance(value, int):
            text = fen_to_yuan(value)
        elif isinstance(value, bool):
            text = str(_("yes") if value else _("no"))
        elif isinstance(value, list):
            text = "\n".join(_item(item) if isinstance(item, dict) else str(item) for item in value) or "—"
        else:
            text = str(VALUE_LABELS.get(value, value)) if isinstance(value, str) else str(value)
        rows.append((str(DETAIL_LABELS.get(key, key)), text))
    return rows

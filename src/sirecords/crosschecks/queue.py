"""The work queue of discrepancies: listed for clerks and supervisors, subjects masked as the system masks ID numbers."""

from __future__ import annotations

import json
from typing import Any

from sirecords.crosschecks.models import Claim, Discrepancy, DiscrepancyState
from sirecords.registry.models import Person
from sirecords.workflow.models import BusinessTransaction, State

KINDS = ("pensioner_died", "insured_died", "pensioner_imprisoned", "released", "death_revoked", "employer_closed",
         "paid_not_recorded", "recorded_not_paid", "amount_differs", "id_changed", "not_on_establishment",
         "establishment_not_enrolled", "unknown_person", "payment_returned")


def listing(kind: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    """The discrepancies (of `kind`, in `state`), oldest due first, as `crosscheck list --json` prints them."""
    rows = Discrepancy.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    rows = list(rows.order_by("due_on", "found_at", "id"))
    reviewing = in_review([r.id for r in rows if r.state == DiscrepancyState.OPEN])
    for row in rows:
        if row.id in reviewing:
            row.state, row.transaction = DiscrepancyState.IN_REVIEW.value, reviewing[row.id]
    if state:
        rows = [row for row in rows if row.state == state]
    persons = {f"person:{p.uid}": p.masked_id_number
               for p in Person.objects.filter(uid__in=[r.subject.split(":", 1)[1] for r in rows if r.subject.startswith("person:")])}
    return [{"id": r.id, "kind": r.kind, "subject": persons.get(r.subject, r.subject), "detail": json.loads(r.detail),
             "state": r.state, "due_on": r.due_on, "assigned_to": r.assigned_to or None, "transaction": r.transaction or None}
            for r in rows]


STATES = tuple(DiscrepancyState.values)


def in_review(ids: list[str]) -> dict[str, str]:
    """Of these open discrepancies, those a transaction is settling now (opened or submitted, not yet posted): id →
    the transaction. A returned or withdrawn transaction leaves its discrepancy open."""
    claims = dict(Claim.objects.filter(discrepancy__in=ids).values_list("discrepancy", "txn"))
    pending = set(BusinessTransaction.objects.filter(uid__in=list(claims.values()), state__in=(State.DRAFT, State.SUBMITTED))
                  .values_list("uid", flat=True))
    return {discrepancy: txn for discrepancy, txn in claims.items() if txn in pending}

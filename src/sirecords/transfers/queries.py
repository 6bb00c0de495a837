"""Which transfers each reader sees (第十条, issue #19 point 5), for the portal, the employer portal, the desk and the
API alike; what a transfer shows is transfers/progress.py's.

- the insured person: their own (the person is the session's or the token's, never a parameter's);
- an employer's user: those of the unit's current employees (an employment with the unit not ended), their progress
  only (progress.as_json_many without the figures and the refusal: the months that moved are the person's record
  outside the unit's time);
- staff: the transfers of their regions — this region's, and the person's pooling region — with one of READERS there,
  the subject masked; supervisors follow the overdue ones. Another region's staff see none (as disputes do,
  disputes/services.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Max

from sirecords.accounts.kinds import ACCOUNT_YEAR_CORRECTED
from sirecords.contributions.kinds import CONTRIBUTION_ROWS_REVERSED
from sirecords.ledger.models import Entry
from sirecords.registry.models import Employment, Person
from sirecords.registry.subjects import mask_name
from sirecords.transactions.actors import Actor
from sirecords.transfers import progress
from sirecords.transfers.models import Direction, Transfer, TransferState
from sirecords.workflow.stages import REVIEW_ROLES

# Who reads the desk's list: the clerks who open the requests, the review chain's roles (workflow/stages.py), and the
# supervisors. The same in api/rules.py and web/rules_transfers.py (tests/web/test_transfer_pages.py checks they agree).
READERS = ("clerk", *REVIEW_ROLES, "supervisor")


def for_person(person: str) -> list[Transfer]:
    """The person's transfers, newest first."""
    return list(Transfer.objects.filter(person=person).order_by("-requested_on", "-last_seq"))


def current_employees(employer: str) -> list[str]:
    """The uids of the persons employed by the unit now (an employment with it not ended)."""
    return sorted(set(Employment.objects.filter(employer_id=employer, end__isnull=True)
                      .values_list("person_id", flat=True)))


def for_employer(employer: str) -> list[Transfer]:
    """The transfers of the unit's current employees, newest first."""
    persons = current_employees(employer)
    return list(Transfer.objects.filter(person__in=persons).order_by("-requested_on", "-last_seq")) if persons else []


def _pooling_regions(transfers: list[Transfer]) -> dict[str, str]:
    persons = {t.person for t in transfers}
    return dict(Person.objects.filter(uid__in=persons).values_list("uid", "pooling_region")) if persons else {}


def _handles(actor: Actor, transfer: Transfer, roles: tuple[str, ...], pooling: dict[str, str]) -> bool:
    regions = {settings.SIRECORDS_REGION, *([pooling[transfer.person]] if transfer.person in pooling else [])}
    return all(any(actor.has(role, region) for role in roles) for region in regions)


def listing(state: str | None = None, *, open_only: bool = False, overdue_only: bool = False,
            actor: Actor | None = None, roles: tuple[str, ...] = READERS, today: date | None = None) -> list[Transfer]:
    """The transfers by due date (the ended ones after, newest first), optionally of one state, the open ones (a step
    awaited) or the overdue ones; with `actor`, those of the regions where they hold one of `roles`."""
    rows = Transfer.objects.all()
    if state:
        rows = rows.filter(state=state)
    if open_only or overdue_only:
        rows = rows.filter(state=TransferState.REQUESTED)
    found = list(rows)
    if overdue_only:
        found = [t for t in found if progress.overdue(t, today)]
    found.sort(key=lambda t: t.requested_on, reverse=True)
    found.sort(key=lambda t: (not progress.awaited(t), progress.due_date(t) or ""))
    if actor is None:
        return found
    pooling = _pooling_regions(found)
    return [t for t in found if _handles(actor, t, roles, pooling)]


def subjects_masked(transfers: list[Transfer]) -> dict[str, str]:
    """Whose transfer each is, as staff lists show it: the ID number masked (110105************). One query."""
    persons = {p.uid: p for p in Person.objects.filter(uid__in={t.person for t in transfers})}
    return {t.uid: persons[t.person].masked_id_number if t.person in persons else f"person:{t.person}"
            for t in transfers}


# What corrects a record kept for reference (a reversal: a refund or a corrected row; a recomputed account year):
# posted after a transfer was sent, the record differs from what was sent, and it is sent again (补转).
CORRECTIONS = (CONTRIBUTION_ROWS_REVERSED, ACCOUNT_YEAR_CORRECTED)


def supplements_due(transfers: list[Transfer]) -> set[str]:
    """The transfers sent from here whose person's record was corrected after it was last sent: a supplementary
    package is due (sirecords transfer supplement UID). One query."""
    sent = {f"person:{t.person}": t for t in transfers if t.direction == Direction.OUT}
    if not sent:
        return set()
    latest = (Entry.objects.filter(kind__in=CORRECTIONS, subject__in=sent).values("subject")
              .annotate(seq=Max("seq")).values_list("subject", "seq"))
    return {sent[subject].uid for subject, seq in latest if seq > sent[subject].last_seq}


def staff_json(transfers: list[Transfer], today: date | None = None) -> list[dict[str, Any]]:
    """The staff's list: each transfer's progress and figures, the subject masked (never a name or a full ID
    number), whether a supplementary package is due; the region left's refusal is not in a list (it is about the
    person's record)."""
    subjects = subjects_masked(transfers)
    due = supplements_due(transfers)
    return [{**item, "subject": subjects[t.uid], "supplement_due": t.uid in due}
            for t, item in zip(transfers, progress.as_json_many(transfers, refusal=False, today=today), strict=True)]


def employees_json(transfers: list[Transfer], today: date | None = None) -> list[dict[str, Any]]:
    """The employer's list: each transfer's progress, the employee's name and ID number masked, their uid (the
    unit's employee page)."""
    persons = {p.uid: p for p in Person.objects.filter(uid__in={t.person for t in transfers})}
    return [{**item, "person": t.person, "subject": persons[t.person].masked_id_number,
             "name": mask_name(persons[t.person].name)}
            for t, item in zip(transfers, progress.as_json_many(transfers, figures=False, refusal=False, today=today),
                               strict=True)]

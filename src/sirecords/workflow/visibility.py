"""Who may see a business transaction, what waits for whom, and whose record a transaction shows.

One definition for the pages, the API and the document downloads: a transaction is seen by its
creator, and by holders of a review-stage role or the supervisor role in its region. The query
forms (visible_to, due_at, queue) keep every list to what the actor may see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.transactions.posting import NO_PERSON, person_in_payload, transaction_types
from sirecords.workflow.models import Action, BusinessTransaction, State
from sirecords.workflow.stages import STAGE_ROLE

# Besides its creator, these roles see the transactions of the regions where they hold them.
SEEING_ROLES = frozenset(STAGE_ROLE.values()) | {"supervisor"}

def can_see(actor: Actor, txn: BusinessTransaction) -> bool:
    """The creator, and anyone holding a review-stage role or the supervisor role in its region."""
    if actor.blocked():
        return False
    if txn.created_by == actor.username:
        return True
    return any(actor.has(role, txn.region) for role in SEEING_ROLES)


def person_subject(type_name: str, payload: dict[str, Any], txn: BusinessTransaction | None = None) -> str | None:
    """Whose record a page about this payload shows: "person:<uid>", "txn:<uid>" for a person not yet
    registered, or None when it names no person (employers only). The type's subject hook decides."""
    kind = transaction_types().get(type_name)
    posted = txn is not None and txn.state == State.POSTED
    subject = (kind.subject if kind and kind.subject else person_in_payload)(payload, posted)
    if subject == NO_PERSON:
        return None
    if subject:
        return subject
    return f"txn:{txn.uid}" if txn is not None else None


def _in_regions(regions: list[str]) -> Q:
    # Not Q(): an empty Q vanishes when OR-ed with another ("mine | anywhere" would become "mine").
    return Q(pk__isnull=False) if ANY_REGION in regions else Q(region__in=regions)


def visible_to(actor: Actor) -> Q:
    if actor.blocked():
        return Q(pk__in=[])
    regions = sorted({region for role in SEEING_ROLES for region in actor.regions_for(role)})
    return Q(created_by=actor.username) | (_in_regions(regions) if regions else Q(pk__in=[]))


def visible_transactions(actor: Actor) -> QuerySet[BusinessTransaction]:
    return BusinessTransaction.objects.filter(visible_to(actor))


def due_at(stage: str, regions: list[str]) -> QuerySet[BusinessTransaction]:
    """Submitted transactions of `regions` whose due stage is `stage`. The stage list is fixed at submission,
    so for each distinct list the index of `stage` is known and the filtering stays in SQL."""
    waiting = BusinessTransaction.objects.filter(_in_regions(regions), state=State.SUBMITTED, stages__contains=stage)
    due = Q(pk__in=[])
    for stages in waiting.values_list("stages", flat=True).distinct():
        if stage in stages.split():
            due |= Q(stages=stages, next_stage=stages.split().index(stage))
    return waiting.filter(due).order_by("updated_at", "uid")


def queue(actor: Actor, stage: str | None, limit: int) -> list[BusinessTransaction]:
    """What waits for the actor's decision, oldest first: due at a stage whose role the actor holds in its
    region, neither opened by the actor nor already acted on by them at another stage (第七条)."""
    if actor.blocked():
        return []
    waiting = Q(pk__in=[])
    for s, role in STAGE_ROLE.items():
        regions = actor.regions_for(role)
        if regions and stage in (None, s):
            waiting |= Q(pk__in=due_at(s, regions).values("pk"))
    acted = Action.objects.filter(actor=actor.username, kind__in=[Action.Kind.APPROVE, Action.Kind.REJECT])
    rows = BusinessTransaction.objects.filter(waiting).exclude(created_by=actor.username).order_by("updated_at", "uid")
    found = []
    for txn in rows.iterator():
        if not acted.filter(txn=txn).exclude(stage=txn.due_stage).exists():
            found.append(txn)
            if len(found) == limit:
                break
    return found

"""Which business transactions an actor may read through the API: the pages' rule
(web/views/desk_visibility.can_see: its creator, and holders of a review-stage role or the supervisor
role in its region), written as a query filter so that no list can show a row the actor may not see.
tests/api/test_visibility.py checks that the two agree.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sirecords.users.roles import STAGE_ROLE
from sirecords.web.views.desk_visibility import SEEING_ROLES
from sirecords.workflow.actors import ANY_REGION, Actor
from sirecords.workflow.models import Action, BusinessTransaction, State


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
    return waiting.filter(due)


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

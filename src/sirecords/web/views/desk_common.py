"""Shared pieces of the front-desk pages: names shown in the reader's language, the pooling regions a
user may act in, and the transaction a URL names."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language, gettext, gettext_lazy

from sirecords.registry.labels import FIELD_LABELS
from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.transactions.posting import transaction_types
from sirecords.workflow.documents import DOCUMENT_KINDS
from sirecords.workflow.models import Action, BusinessTransaction, State
from sirecords.workflow.stages import STAGE_TITLES

_ = gettext_lazy

STATE_NAMES = {State.DRAFT: _("Draft"), State.SUBMITTED: _("Under review"), State.RETURNED: _("Returned for amendment"),
               State.POSTED: _("In effect"), State.WITHDRAWN: _("Withdrawn")}
ACTION_NAMES = {Action.Kind.CREATE: _("Opened"), Action.Kind.AMEND: _("Amended"), Action.Kind.ATTACH: _("Document attached"),
                Action.Kind.SUBMIT: _("Submitted"), Action.Kind.APPROVE: _("Approved"), Action.Kind.REJECT: _("Returned"),
                Action.Kind.WITHDRAW: _("Withdrawn"), Action.Kind.POST: _("Posted"), Action.Kind.REFUSED: _("Refused")}


def english() -> bool:
    return (get_language() or "").startswith("en")


def pick(pair: tuple[str, str]) -> str:
    """(中文, English) → the one for the reader."""
    return pair[1] if english() else pair[0]


def stage_name(stage: str) -> str:
    return pick(STAGE_TITLES[stage]) if stage in STAGE_TITLES else stage


def document_name(kind: str) -> str:
    return pick(DOCUMENT_KINDS[kind]) if kind in DOCUMENT_KINDS else kind


def requirement_names(kind) -> list[str]:
    """A transaction type's required documents by name, a group any one of which suffices as "a or b or c"."""
    return [gettext(" or ").join(document_name(d) for d in group) for group in kind.requirements]


def field_name(field: str, fallback: str = "") -> str:
    return pick(FIELD_LABELS[field]) if field in FIELD_LABELS else (fallback or field)


def type_title(type_name: str) -> str:
    kind = transaction_types().get(type_name)
    return kind.title if kind else type_name


def regions_for(actor: Actor, roles: tuple[str, ...]) -> list[str]:
    """The pooling regions where the actor holds one of `roles` (a grant for every region means this agency's)."""
    found = {region for role in roles for region in actor.regions_for(role)}
    if ANY_REGION in found:
        found = (found - {ANY_REGION}) | {settings.SIRECORDS_REGION}
    return sorted(found)


def transaction_named(uid: str) -> BusinessTransaction:
    return get_object_or_404(BusinessTransaction, pk=uid)

"""Who may see a business transaction, and whose personal data a page about it shows.

One definition, used by the transaction page, its action forms and the document downloads alike.
"""

from __future__ import annotations

from typing import Any

from sirecords.audit.log import record_access
from sirecords.registry.identifiers import InvalidIdentifier
from sirecords.registry.models import Employment
from sirecords.registry.transactions import find_person_by_id_number
from sirecords.users.roles import STAGE_ROLE
from sirecords.workflow.actors import Actor
from sirecords.workflow.models import BusinessTransaction, State

# Besides its creator, these roles see the transactions of the regions where they hold them.
SEEING_ROLES = frozenset(STAGE_ROLE.values()) | {"supervisor"}

# Types whose payload names no person: showing them shows nobody's personal data.
EMPLOYER_ONLY = frozenset({"register_employer", "change_employer_details"})


def can_see(actor: Actor, txn: BusinessTransaction) -> bool:
    """The creator, and anyone holding a review-stage role or the supervisor role in its region."""
    if actor.blocked():
        return False
    if txn.created_by == actor.username:
        return True
    return any(actor.has(role, txn.region) for role in SEEING_ROLES)


def person_subject(type_name: str, payload: dict[str, Any], txn: BusinessTransaction | None = None) -> str | None:
    """Whose record a page about this payload shows: "person:<uid>", "txn:<uid>" for a person not yet
    registered, or None when it names no person (employers only)."""
    if type_name in EMPLOYER_ONLY or payload.get("target") == "employer":
        return None
    if payload.get("person"):
        return f"person:{payload['person']}"
    if payload.get("target") == "person" and payload.get("uid"):
        return f"person:{payload['uid']}"
    employment = payload.get("employment") or (payload.get("uid") if payload.get("target") == "employment" else None)
    if employment:
        person = Employment.objects.filter(pk=employment).values_list("person_id", flat=True).first()
        if person:
            return f"person:{person}"
    if payload.get("id_number") and txn is not None and txn.state == State.POSTED:
        try:
            person = find_person_by_id_number(str(payload["id_number"]))
        except InvalidIdentifier:
            person = None
        if person:
            return f"person:{person.uid}"
    return f"txn:{txn.uid}" if txn is not None else None


def log_access(actor: Actor, subject: str | None, what: str, purpose: str) -> None:
    if subject:
        record_access(actor.username, subject, what, "web", purpose)

"""The registry's hooks on its transaction types for the review chain: whose record a payload shows, and the
masked words that summarise it in queues (the workflow knows no payload shape)."""

from __future__ import annotations

import unicodedata
from typing import Any

from sirecords.core.identifiers import InvalidIdentifier, mask_id_number, parse_id_number
from sirecords.crypto.sealing import blind_index
from sirecords.transactions.posting import NO_PERSON


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


def summary(payload: dict[str, Any]) -> list[str]:
    """Masked ID number and name of a person; credit code and name of an employer."""
    parts = []
    if payload.get("id_number"):
        parts.append(mask_id_number(str(payload["id_number"])))
    if payload.get("name") and "uscc" not in payload:
        parts.append(mask_name(str(payload["name"])))
    if payload.get("uscc"):
        parts.append(str(payload["uscc"]))
        if payload.get("name"):
            parts.append(str(payload["name"]))
    return parts


def id_number_subject(raw: str) -> str:
    """The subject naming an ID number without showing it: "idx:" and its keyed blind index — the same value as
    registry_person.id_number_index once someone is registered with it. For an access-log record of a person not
    (yet) registered: a pending registration, or a look-up of a number nobody is registered with (a probe). A number
    failing its check is indexed as typed (NFKC, no spaces, upper case)."""
    try:
        value = parse_id_number(raw).normalized
    except InvalidIdentifier:
        value = "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()
    return "idx:" + blind_index("id_number", value)


def employer_only(payload: dict[str, Any], posted: bool) -> str | None:
    return NO_PERSON


def person_subject(payload: dict[str, Any], posted: bool) -> str | None:
    """The person a registry payload is about: by uid, through an employment period, or by the ID number it
    registers: once posted, the person registered with it; before, the number's keyed index (id_number_subject)."""
    from sirecords.registry.models import Employment
    from sirecords.registry.queries import find_person_by_id_number

    if payload.get("target") == "employer":
        return NO_PERSON
    if payload.get("person"):
        return f"person:{payload['person']}"
    if payload.get("target") == "person" and payload.get("uid"):
        return f"person:{payload['uid']}"
    employment = payload.get("employment") or (payload.get("uid") if payload.get("target") == "employment" else None)
    if employment:
        person = Employment.objects.filter(pk=employment).values_list("person_id", flat=True).first()
        if person:
            return f"person:{person}"
    if payload.get("id_number") and posted:
        try:
            found = find_person_by_id_number(str(payload["id_number"]))
        except InvalidIdentifier:
            found = None
        if found:
            return f"person:{found.uid}"
    if payload.get("id_number") and not posted:
        return id_number_subject(str(payload["id_number"]))
    return None

"""What a registry transaction will change, before and after, for the reviewer's screen.

Reviewers compare these values with the original documents, so they see them in full; opening a
transaction for review is recorded in the access log by the page that shows it.
"""

from __future__ import annotations

from typing import Any

from sirecords.core.identifiers import InvalidIdentifier, parse_id_number
from sirecords.registry.labels import label
from sirecords.registry.models import Employer, Employment, Person


def change(field: str, before: Any, after: Any) -> dict[str, Any]:
    return {"field": field, "label": label(field), "before": "" if before is None else str(before),
            "after": "" if after is None else str(after)}


def _person_label(uid: str) -> str:
    person = Person.objects.filter(pk=uid or "").first()
    return f"{person.name} {person.masked_id_number}" if person else f"({uid} not found)"


def _employer_label(uid: str) -> str:
    employer = Employer.objects.filter(pk=uid or "").first()
    return f"{employer.name} {employer.uscc}" if employer else f"({uid} not found)"


def register_person(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [change(f, "", payload.get(f, "")) for f in ("id_number", "name", "phone", "address", "region")]
    try:
        identity = parse_id_number(str(payload.get("id_number") or ""))
        rows += [change("birth_date", "", identity.birth_date.isoformat()), change("sex", "", "男" if identity.sex == "M" else "女")]
    except InvalidIdentifier:
        pass
    return rows


def change_person_details(payload: dict[str, Any]) -> list[dict[str, Any]]:
    person = Person.objects.filter(pk=payload.get("person") or "").first()
    rows = [change("person", "", _person_label(payload.get("person")))]
    for field in ("name", "phone", "address", "region"):
        if field in payload:
            rows.append(change(field, getattr(person, field, "") if person else "", payload[field]))
    return rows


def change_id_number(payload: dict[str, Any]) -> list[dict[str, Any]]:
    person = Person.objects.filter(pk=payload.get("person") or "").first()
    return [change("person", "", _person_label(payload.get("person"))),
            change("id_number", person.id_number if person else "", payload.get("new_id_number", "")),
            change("changed_on", "", payload.get("changed_on", ""))]


def register_employer(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [change(f, "", payload.get(f, "")) for f in ("uscc", "name", "address", "region", "uscc_override", "scheme")
            if f in payload]


def change_employer_details(payload: dict[str, Any]) -> list[dict[str, Any]]:
    employer = Employer.objects.filter(pk=payload.get("employer") or "").first()
    rows = [change("employer", "", _employer_label(payload.get("employer")))]
    for field in ("name", "address", "region", "status"):
        if field in payload:
            rows.append(change(field, getattr(employer, field, "") if employer else "", payload[field]))
    return rows


def start_employment(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [change("person", "", _person_label(payload.get("person"))),
            change("employer", "", _employer_label(payload.get("employer"))), change("start", "", payload.get("start"))]


def end_employment(payload: dict[str, Any]) -> list[dict[str, Any]]:
    job = Employment.objects.filter(pk=payload.get("employment") or "").select_related("employer").first()
    rows = []
    if job:
        rows += [change("person", "", _person_label(job.person_id)), change("employer", "", _employer_label(job.employer_id)),
                 change("start", job.start, job.start)]
    return rows + [change("end", job.end if job else "", payload.get("end"))]

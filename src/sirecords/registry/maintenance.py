"""Corrections and supplements by the dedicated data maintainers (第十一条, 第十二条).

A correction changes recorded values that are wrong; a supplement fills values that are missing
(or adds an employment period that was never recorded). Each posts one entry that names the record,
the values before and after, and the method; the original entries stay untouched (第九条(四)), so the
maintenance log can always show what was there before.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _

from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code, parse_id_number
from sirecords.crypto.sealing import blind_index, seal
from sirecords.ledger.append import NewEntry, PostedEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import Store, projects, row_from_model_values
from sirecords.registry import describe, subjects
from sirecords.registry.kinds import CORRECTION_APPLIED, SUPPLEMENT_APPLIED
from sirecords.registry.models import Employer, EmployerStatus, Employment, Person
from sirecords.registry.transactions import PHONE, birth_columns, identifier_message
from sirecords.transactions.posting import transaction_type
from sirecords.transactions.validation import Errors, a_date, formatted, region, text, unknown_fields

TARGETS = {"person": Person, "employer": Employer, "employment": Employment}
TABLES = {"person": "registry_person", "employer": "registry_employer", "employment": "registry_employment"}
CORRECTABLE = {"person": ("id_number", "name", "phone", "address", "region"),
               "employer": ("uscc", "name", "address", "region", "status"),
               "employment": ("start", "end")}
SUPPLEMENTABLE = {"person": ("phone", "address"), "employer": ("address",)}
SEALED = ("id_number", "name", "phone", "address")
# Fields a record cannot be without: a correction may change them, never empty them.
REQUIRED = {"person": ("id_number", "name", "region"), "employer": ("uscc", "name", "region", "status"),
            "employment": ("start",)}


# Free text a correction may set, and its limit (the same as when the record is registered).
TEXT_LIMITS = {("person", "name"): 50, ("person", "address"): 200, ("employer", "name"): 200, ("employer", "address"): 300}
FORMATTED_LIMITS = {"id_number": 30, "uscc": 30, "phone": 20, "region": 6, "status": 20, "start": 10, "end": 10}


def _canonical(target: str, field: str, value: Any, errors: Errors) -> str | None:
    """A new value made canonical (core/text.py) as registration makes it, or None with the problem in errors."""
    found = Errors()
    if value is None:
        return ""
    value = str(value)
    if (target, field) in TEXT_LIMITS:
        value = text({field: value}, field, found, required=False, max_length=TEXT_LIMITS[target, field])
    else:
        value = formatted({field: value}, field, found, required=False, max_length=FORMATTED_LIMITS.get(field, 200))
    if field == "phone" and value and not found and not PHONE.match(value):
        found[field] = _("is not a mobile number (11 digits from 13…19) or a landline (0XX-XXXXXXXX)")
    for name, problem in found.items():
        errors[f"changes.{name}"] = problem
    return None if found else value


def _columns(target: str, uid: str, field: str, value: str, errors: Errors) -> dict[str, Any]:
    """The stored columns for one corrected field: sealed and indexed where the field is personal."""
    if target == "person":
        if field == "id_number":
            try:
                identity = parse_id_number(value)
            except InvalidIdentifier as invalid:
                errors["changes.id_number"] = identifier_message(invalid)
                return {}
            if Person.objects.filter(id_number_index=blind_index("id_number", identity.normalized)).exclude(pk=uid).exists():
                errors["changes.id_number"] = _("this ID number is registered to another person")
            return {"id_number_sealed": seal(identity.normalized, f"person:{uid}:id_number"),
                    "id_number_index": blind_index("id_number", identity.normalized),
                    "sex": identity.sex, **birth_columns(uid, identity.birth_date)}
        if field in SEALED:
            cols = {f"{field}_sealed": seal(value, f"person:{uid}:{field}") if value else ""}
            if field == "name":
                cols["name_index"] = blind_index("name", value)
            return cols
        if field == "region":
            return {"region": region({"region": value}, "region", errors)}
    if target == "employer":
        if field == "uscc":
            problems = check_uscc(value)
            if problems:
                errors["changes.uscc"] = identifier_message(problems[0])
            elif Employer.objects.filter(uscc=normalize_code(value)).exclude(pk=uid).exists():
                errors["changes.uscc"] = _("this code is registered to another employer")
            return {"uscc": normalize_code(value)}
        if field == "status" and value not in EmployerStatus.values:
            errors["changes.status"] = _("must be one of {values}").format(values=", ".join(EmployerStatus.values))
        if field == "region":
            return {"region": region({"region": value}, "region", errors)}
        return {field: value}
    if target == "employment":
        parsed = a_date({field: value}, field, errors, required=field == "start")
        return {field: parsed.isoformat() if parsed else None}
    return {field: value}


def _build(payload: dict[str, Any], allowed: dict[str, tuple[str, ...]], kind: str, empty_only: bool) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"target", "uid", "changes", "method"}, errors)
    target = payload.get("target")
    if target not in allowed:
        errors["target"] = _("must be one of {values}").format(values=", ".join(allowed))
        errors.raise_if_any()
    method = text(payload, "method", errors, required=True, max_length=500)
    uid = str(payload.get("uid") or "")
    record = TARGETS[target].objects.filter(pk=uid).first()
    if record is None:
        errors["uid"] = _("no {target} {uid}").format(target=target, uid=repr(uid))
    changes = payload.get("changes")
    if not isinstance(changes, dict) or not changes:
        errors["changes"] = _("name at least one field and its new value")
        changes = {}
    before_row = row_from_model_values(TARGETS[target].objects.filter(pk=uid).values().first() or {})
    after: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in allowed[target]:
            fields = ", ".join(allowed[target])
            errors[f"changes.{field}"] = (_("cannot be supplemented here; fields: {fields}") if empty_only
                                          else _("cannot be corrected here; fields: {fields}")).format(fields=fields)
            continue
        value = _canonical(target, field, value, errors)
        if value is None:
            continue
        if not value and field in REQUIRED.get(target, ()):
            errors[f"changes.{field}"] = _("is required: it cannot be corrected to nothing")
            continue
        if empty_only and record is not None and getattr(record, field, ""):
            errors[f"changes.{field}"] = _("already has a value: a correction, not a supplement, changes it")
        if not empty_only and record is not None and str(getattr(record, field, "") or "") == value:
            errors[f"changes.{field}"] = _("is already this value")
        after.update(_columns(target, uid, field, value, errors))
    if target == "employment" and record is not None:
        start, end = after.get("start", before_row.get("start")), after.get("end", before_row.get("end"))
        if start and end and end < start:
            errors["changes.end"] = _("is before the start, {date}").format(date=start)
    errors.raise_if_any()
    before = {column: before_row.get(column) for column in after}
    body = {"target": target, "uid": uid, "before": before, "after": after, "method": method}
    subject = f"person:{record.person_id}" if target == "employment" else f"{target}:{uid}"
    return [NewEntry(kind, subject, body)]


@transaction_type("correction", "个人权益记录修正", creators=("maintainer",), documents=("evidence",),
                  describe=lambda p: describe_maintenance(p), subject=subjects.person_subject)
def correction(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    return _build(payload, CORRECTABLE, CORRECTION_APPLIED, empty_only=False)


@transaction_type("supplement", "个人权益记录补充", creators=("maintainer",), documents=("evidence",),
                  describe=lambda p: describe_maintenance(p), subject=subjects.person_subject)
def supplement(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    if payload.get("target") == "employment":
        return _supplement_employment(payload)
    return _build(payload, SUPPLEMENTABLE, SUPPLEMENT_APPLIED, empty_only=True)


def _supplement_employment(payload: dict[str, Any]) -> list[NewEntry]:
    """A past employment period that was never recorded: person, employer, start and end."""
    errors = Errors()
    unknown_fields(payload, {"target", "changes", "method"}, errors)
    method = text(payload, "method", errors, required=True, max_length=500)
    changes = payload.get("changes") if isinstance(payload.get("changes"), dict) else {}
    person = Person.objects.filter(pk=changes.get("person") or "").first()
    employer = Employer.objects.filter(pk=changes.get("employer") or "").first()
    if person is None:
        errors["changes.person"] = _("no such insured person")
    if employer is None:
        errors["changes.employer"] = _("no such employer")
    start = a_date(changes, "start", errors)
    end = a_date(changes, "end", errors)
    if start and end and end < start:
        errors["changes.end"] = _("is before the start")
    if person and employer and start and end and Employment.objects.filter(
            person=person, employer=employer, start__lte=end).exclude(end__lt=start).exists():
        errors["changes.start"] = _("overlaps a recorded period with this employer")
    errors.raise_if_any()
    uid = uuid.uuid4().hex
    after = {"person_id": person.uid, "employer_id": employer.uid, "start": start.isoformat(), "end": end.isoformat()}
    body = {"target": "employment", "uid": uid, "before": {}, "after": after, "method": method}
    return [NewEntry(SUPPLEMENT_APPLIED, f"person:{person.uid}", body, start.isoformat())]


@projects(CORRECTION_APPLIED, SUPPLEMENT_APPLIED)
def maintenance_applied(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    table = TABLES[p["target"]]
    row = store.get(table, p["uid"])
    if row is None:
        if p["before"]:
            raise LookupError(f"entry #{entry.seq} maintains {table} {p['uid']}, which does not exist")
        row = {"uid": p["uid"]}
    row.update(p["after"], last_seq=entry.seq)
    store.put(table, p["uid"], row)


def describe_maintenance(payload: dict[str, Any]) -> list[dict[str, Any]]:
    target, uid = payload.get("target"), payload.get("uid")
    record = TARGETS[target].objects.filter(pk=uid or "").first() if target in TARGETS else None
    rows = [describe.change("target", "", f"{target} {uid or ''}".strip()), describe.change("method", "", payload.get("method"))]
    for field, value in (payload.get("changes") or {}).items():
        rows.append(describe.change(field, getattr(record, field, "") if record else "", value))
    return rows

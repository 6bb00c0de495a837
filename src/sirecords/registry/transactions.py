"""Registry transaction types: what each accepts, how it is checked, which entries it posts.

Every check failure names the field and says why; nothing is written (InvalidTransaction).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sirecords.core.identifiers import InvalidIdentifier, check_uscc, normalize_code, parse_id_number
from sirecords.crypto.sealing import blind_index, seal
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.registry import describe, subjects
from sirecords.registry.kinds import (
    EMPLOYER_CHANGED,
    EMPLOYER_REGISTERED,
    EMPLOYMENT_ENDED,
    EMPLOYMENT_STARTED,
    ID_NUMBER_CHANGED,
    PERSON_CHANGED,
    PERSON_REGISTERED,
)
from sirecords.registry.models import Employer, EmployerScheme, EmployerStatus, Employment, FormerIdNumber, Person
from sirecords.transactions.posting import transaction_type
from sirecords.transactions.validation import REGION, Errors, a_date, formatted, region, text, unknown_fields

PHONE = re.compile(r"(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\Z")  # ASCII digits: the value is canonical first
# Check-digit failures of a legacy code may be overridden with a reason; format failures never.
OVERRIDABLE_USCC = {"uscc.checksum", "uscc.org_checksum"}


MINIMUM_WORKING_AGE = 16  # 劳动法 第十五条


# Identifier problems by their stable code: identifiers.py is plain Python and speaks English. Where the active
# language has a translation the problem is told in it; otherwise the checker's own message stays, with its details.
IDENTIFIER_PROBLEMS = {
    "id_number.length": gettext_noop("ID number must have 18 characters (or 15 for a legacy number)"),
    "id_number.charset": gettext_noop("ID number characters must be digits (the 18th may be X)"),
    "id_number.birth_date": gettext_noop("ID number birth date is not a real date"),
    "id_number.implausible_birth": gettext_noop("ID number birth date is before 1900-01-01: valid under GB 11643, but not "
                                                "plausible for a person to be recorded"),
    "id_number.future_birth": gettext_noop("ID number birth date is after today"),
    "id_number.checksum": gettext_noop("ID number check character is wrong"),
    "uscc.length": gettext_noop("Unified social credit code must have 18 characters"),
    "uscc.charset": gettext_noop("Unified social credit code contains characters outside the GB 32100 character set"),
    "uscc.checksum": gettext_noop("Unified social credit code check character (character 18) is wrong"),
    "uscc.org_checksum": gettext_noop("Embedded organisation code (characters 9-17) has a wrong check character"),
}


def identifier_message(invalid: InvalidIdentifier) -> str:
    """An identifier problem in the active language (see IDENTIFIER_PROBLEMS)."""
    generic = IDENTIFIER_PROBLEMS.get(invalid.code)
    if generic is None:
        return invalid.message
    translated = _(generic)
    return invalid.message if translated == generic else translated


def _birthday(birth: date, age: int) -> date:
    """The day a person reaches `age`; someone born on 29 February turns a year older on 1 March."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return date(birth.year + age, 3, 1)


def _phone(payload: dict, errors: Errors) -> str:
    value = formatted(payload, "phone", errors, required=False, max_length=20)
    if value and not PHONE.match(value):
        errors["phone"] = _("is not a mobile number (11 digits from 13…19) or a landline (0XX-XXXXXXXX)")
    return value


def _person(payload: dict, errors: Errors) -> Person | None:
    uid = payload.get("person")
    if not uid:
        errors["person"] = _("is required")
        return None
    found = Person.objects.filter(pk=uid).first()
    if found is None:
        errors["person"] = _("no insured person {uid}").format(uid=uid)
    return found


def _employer(payload: dict, errors: Errors) -> Employer | None:
    uid = payload.get("employer")
    if not uid:
        errors["employer"] = _("is required")
        return None
    found = Employer.objects.filter(pk=uid).first()
    if found is None:
        errors["employer"] = _("no employer {uid}").format(uid=uid)
    return found


def _sealed_person_fields(uid: str, **fields: str) -> dict[str, str]:
    """Seal personal fields for person `uid`; names also get a blind index for look-up."""
    sealed = {}
    for name, value in fields.items():
        sealed[f"{name}_sealed"] = seal(value, f"person:{uid}:{name}") if value else ""
        if name in ("id_number", "name"):
            sealed[f"{name}_index"] = blind_index(name, value)
    return sealed


def birth_columns(uid: str, birth: date) -> dict[str, str]:
    """The birth date as stored: sealed in full, bound to the person; in clear only its year-month (docs/privacy.md)."""
    return {"birth_date_sealed": seal(birth.isoformat(), f"person:{uid}:birth_date"), "birth_month": f"{birth:%Y-%m}"}


@transaction_type("register_person", "参保人员登记", documents=("id_card",), describe=describe.register_person, summary=subjects.summary,
                  subject=subjects.person_subject)
def register_person(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"id_number", "name", "phone", "address", "region", "sex", "birth_date", "registered_on"}, errors)
    identity = None
    try:
        identity = parse_id_number(str(payload.get("id_number") or ""))
    except InvalidIdentifier as invalid:
        errors["id_number"] = identifier_message(invalid)
    name = text(payload, "name", errors, required=True, max_length=50)
    phone = _phone(payload, errors)
    address = text(payload, "address", errors, required=False, max_length=200)
    region_code = region(payload, "region", errors)
    registered_on = a_date(payload, "registered_on", errors, required=False) or date.today()
    # The pooling region (参保地) is the agency that insures the person: the region the transaction is made in, never a
    # payload field (a clerk may register people only where they hold the role).
    if not REGION.match(ctx.region):
        errors["pooling_region"] = _("{value} is not a 6-digit GB/T 2260 region code: the transaction must name the "
                                     "pooling region that insures the person").format(value=repr(ctx.region))
    if identity:
        if payload.get("sex") and payload["sex"] != identity.sex:
            errors["sex"] = _("does not match the ID number, which gives {value}").format(value=identity.sex)
        if payload.get("birth_date") and str(payload["birth_date"]) != identity.birth_date.isoformat():
            errors["birth_date"] = _("does not match the ID number, which gives {value}").format(
                value=identity.birth_date.isoformat())
        existing = Person.objects.filter(id_number_index=blind_index("id_number", identity.normalized)).first()
        if existing:
            errors["id_number"] = _("this ID number is already registered (person {uid})").format(uid=existing.uid)
    errors.raise_if_any()
    uid = uuid.uuid4().hex
    sealed = _sealed_person_fields(uid, id_number=identity.normalized, name=name, phone=phone, address=address)
    body = {"person": uid, **sealed, **birth_columns(uid, identity.birth_date), "sex": identity.sex,
            "region": region_code, "pooling_region": ctx.region, "registered_on": registered_on.isoformat()}
    return [NewEntry(PERSON_REGISTERED, f"person:{uid}", body, registered_on.isoformat())]


@transaction_type("change_person_details", "个人信息变更", documents=("change_application",),
                  describe=describe.change_person_details, summary=subjects.summary,
                  subject=subjects.person_subject)
def change_person_details(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"person", "name", "phone", "address", "region"}, errors)
    person = _person(payload, errors)
    fields = {}
    if "name" in payload:
        fields["name"] = text(payload, "name", errors, required=True, max_length=50)
    if "phone" in payload:
        fields["phone"] = _phone(payload, errors)
    if "address" in payload:
        fields["address"] = text(payload, "address", errors, required=False, max_length=200)
    new_region = region(payload, "region", errors) if "region" in payload else None
    if not fields and new_region is None:
        errors["payload"] = _("names no field to change")
    errors.raise_if_any()
    changes = _sealed_person_fields(person.uid, **fields)
    if new_region is not None:
        changes["region"] = new_region
    return [NewEntry(PERSON_CHANGED, f"person:{person.uid}", {"person": person.uid, "changes": changes})]


@transaction_type("change_id_number", "身份证号码变更",
                  documents=("id_change_proof",), describe=describe.change_id_number, summary=subjects.summary,
                  subject=subjects.person_subject)
def change_id_number(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """The new number replaces the old, which is kept as a former number and still finds the person. The birth date
    and sex first recorded stay: a new number never moves the retirement month by itself (劳社部发〔1999〕8号)."""
    errors = Errors()
    unknown_fields(payload, {"person", "new_id_number", "changed_on"}, errors)
    person = _person(payload, errors)
    new = None
    try:
        new = parse_id_number(str(payload.get("new_id_number") or ""))
    except InvalidIdentifier as invalid:
        errors["new_id_number"] = identifier_message(invalid)
    changed_on = a_date(payload, "changed_on", errors)
    if person is not None and new is not None:
        index = blind_index("id_number", new.normalized)
        if index == person.id_number_index:
            errors["new_id_number"] = _("is the person's number already")
        elif Person.objects.filter(id_number_index=index).exists() or FormerIdNumber.objects.filter(id_number_index=index).exists():
            errors["new_id_number"] = _("this ID number is registered to another person (or was)")
    errors.raise_if_any()
    return [NewEntry(ID_NUMBER_CHANGED, f"person:{person.uid}", {
        "person": person.uid, **_sealed_person_fields(person.uid, id_number=new.normalized),
        "former_index": person.id_number_index, "former_sealed": seal(person.id_number, f"person:{person.uid}:former_id_number"),
        "changed_on": changed_on.isoformat()}, changed_on.isoformat())]


@transaction_type("register_employer", "用人单位登记", documents=("business_licence",), describe=describe.register_employer,
                  summary=subjects.summary,
                  subject=subjects.employer_only)
def register_employer(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"uscc", "name", "address", "region", "uscc_override", "registered_on", "scheme"}, errors)
    scheme = payload.get("scheme") or EmployerScheme.ENTERPRISE.value
    if scheme not in EmployerScheme.values:
        errors["scheme"] = _("is one of {values}").format(values=", ".join(EmployerScheme.values))
    raw = normalize_code(str(payload.get("uscc") or ""))
    override = text(payload, "uscc_override", errors, required=False, max_length=500)
    problems = check_uscc(raw)
    if problems:
        if override and all(p.code in OVERRIDABLE_USCC for p in problems):
            pass  # a legacy code accepted on a recorded reason
        elif override:
            errors["uscc"] = _("{problem} (only a check-character failure may be overridden)").format(
                problem=identifier_message(problems[0]))
        elif all(p.code in OVERRIDABLE_USCC for p in problems):
            errors["uscc"] = _("{problem} (a genuine legacy code may be accepted with an override reason)").format(
                problem=identifier_message(problems[0]))
        else:
            errors["uscc"] = identifier_message(problems[0])
    elif override:
        errors["uscc_override"] = _("is only for a code that fails the GB 32100 check; this code is valid")
    name = text(payload, "name", errors, required=True, max_length=200)
    address = text(payload, "address", errors, required=False, max_length=300)
    region_code = region(payload, "region", errors)
    registered_on = a_date(payload, "registered_on", errors, required=False) or date.today()
    if raw and "uscc" not in errors and Employer.objects.filter(uscc=raw).exists():
        errors["uscc"] = _("this code is already registered")
    errors.raise_if_any()
    uid = uuid.uuid4().hex
    body = {"employer": uid, "uscc": raw, "uscc_override": override, "name": name, "address": address,
            "region": region_code, "status": EmployerStatus.ACTIVE.value, "registered_on": registered_on.isoformat(),
            "scheme": scheme}
    return [NewEntry(EMPLOYER_REGISTERED, f"employer:{uid}", body, registered_on.isoformat())]


@transaction_type("change_employer_details", "用人单位信息变更", documents=("change_application",),
                  describe=describe.change_employer_details, summary=subjects.summary,
                  subject=subjects.employer_only)
def change_employer_details(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"employer", "name", "address", "region", "status"}, errors)
    employer = _employer(payload, errors)
    changes: dict[str, str] = {}
    if "name" in payload:
        changes["name"] = text(payload, "name", errors, required=True, max_length=200)
    if "address" in payload:
        changes["address"] = text(payload, "address", errors, required=False, max_length=300)
    if "region" in payload:
        changes["region"] = region(payload, "region", errors)
    if "status" in payload:
        if payload["status"] not in EmployerStatus.values:
            errors["status"] = _("must be one of {values}").format(values=", ".join(EmployerStatus.values))
        changes["status"] = payload["status"]
    if not changes:
        errors["payload"] = _("names no field to change")
    errors.raise_if_any()
    return [NewEntry(EMPLOYER_CHANGED, f"employer:{employer.uid}", {"employer": employer.uid, "changes": changes})]


@transaction_type("start_employment", "参保人员增员（开始就业）", documents=("labour_contract",),
                  describe=describe.start_employment, summary=subjects.summary,
                  subject=subjects.person_subject)
def start_employment(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"person", "employer", "start"}, errors)
    person = _person(payload, errors)
    employer = _employer(payload, errors)
    start = a_date(payload, "start", errors)
    if person and employer and start:
        if employer.status != EmployerStatus.ACTIVE:
            errors["employer"] = _("employer status is {status}; it cannot take on staff").format(status=employer.status)
        if start < _birthday(person.birth_date, MINIMUM_WORKING_AGE):
            errors["start"] = _("is before the person's {age}th birthday").format(age=MINIMUM_WORKING_AGE)
        # The new period is open-ended, so any period with this employer still running on `start` overlaps it.
        overlapping = Employment.objects.filter(person=person, employer=employer).filter(Q(end__isnull=True) | Q(end__gte=start))
        if overlapping.exists():
            errors["start"] = _("the person is already employed by this employer on that date")
    errors.raise_if_any()
    uid = uuid.uuid4().hex
    body = {"employment": uid, "person": person.uid, "employer": employer.uid, "start": start.isoformat()}
    return [NewEntry(EMPLOYMENT_STARTED, f"person:{person.uid}", body, start.isoformat())]


@transaction_type("end_employment", "参保人员减员（结束就业）", documents=("termination_proof",),
                  describe=describe.end_employment, summary=subjects.summary,
                  subject=subjects.person_subject)
def end_employment(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"employment", "end"}, errors)
    employment = Employment.objects.filter(pk=payload.get("employment") or "").first()
    if employment is None:
        errors["employment"] = _("no employment {uid}").format(uid=repr(payload.get("employment")))
    end = a_date(payload, "end", errors)
    if employment and end:
        if employment.end is not None:
            errors["employment"] = _("already ended on {date}").format(date=employment.end.isoformat())
        elif end < employment.start:
            errors["end"] = _("is before the start, {date}").format(date=employment.start.isoformat())
    errors.raise_if_any()
    body = {"employment": employment.uid, "end": end.isoformat()}
    return [NewEntry(EMPLOYMENT_ENDED, f"person:{employment.person_id}", body, end.isoformat())]

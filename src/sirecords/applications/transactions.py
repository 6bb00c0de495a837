"""answer_application and refuse_application: a written application to query persons' records (第十八条–第二十条).

`answer_application` is the application itself: the query officer records it (applicant, credentials, contact, purpose
and legal basis, the persons by ID number, the items of 第二条 and the months, the agreed use) with the applicant's
credentials attached; the stages of workflow/stages.toml review it; posting is the approval (第二十条(一)): the entry
`application.approved` names what is to be answered, and for an authority with a disclosure date it also posts, per
person, the order that keeps the authority's reads from the person until then (第十八条; records/transactions.py's
entry, reviewed by the same stages as a `withhold_read_disclosure`).

`refuse_application` is the decision not to answer (第二十条(二)): a reviewer at the stage due refuses with the reason,
which the applicant is told. Opened only through applications/services.py.

The persons' ID numbers are in the entry sealed (bound to the application) with their keyed index, never in clear;
so is the contact. The transaction's summary names the organisation only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sirecords.applications.kinds import APPLICATION_APPROVED, APPLICATION_REFUSED
from sirecords.core.identifiers import InvalidIdentifier, mask_id_number, parse_id_number
from sirecords.crypto.sealing import blind_index, seal
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.queries.scopes import checked_items, checked_months, load_scopes
from sirecords.records import transactions as withholding
from sirecords.records.kinds import READ_DISCLOSURE_WITHHELD
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields
from sirecords.workflow.models import Action, BusinessTransaction, State
from sirecords.workflow.services import payload_of
from sirecords.workflow.stages import REVIEW_ROLES

TYPE, REFUSAL = "answer_application", "refuse_application"
KINDS = ("authority", "unit")  # 第十八条 bodies; 第十九条 other units (scopes.toml kinds of the same names)
CREDENTIALS = "applicant_credentials"  # workflow/documents.py DOCUMENT_KINDS
MAX_PERSONS = 50  # a written application names persons; never a bulk extract (第二十二条)
FIELDS = {"applicant_kind", "organisation", "contact", "purpose", "legal_basis", "persons", "items", "months",
          "agreed_use", "disclose_on"}


def id_seal_context(txn: str, n: int) -> str:
    return f"application:{txn}:person:{n}:id_number"


def contact_seal_context(txn: str) -> str:
    return f"application:{txn}:contact"


def order_key(txn: str, person: str) -> str:
    """The key of the withholding an approved authority's application posts for one person (32 hex, like a uid)."""
    return hashlib.sha256(f"{txn}:{person}".encode()).hexdigest()[:32]


def masked(number: str) -> str:
    """The project's one mask (core/identifiers.py: the address code only; docs/privacy.md)."""
    return mask_id_number(number)


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    persons = payload.get("persons") if isinstance(payload.get("persons"), list) else []
    return [added("applicant_kind", "申请人类别 applicant kind", payload.get("applicant_kind")),
            added("organisation", "申请单位 organisation", payload.get("organisation")),
            added("purpose", "查询目的 purpose", payload.get("purpose")),
            added("legal_basis", "法律依据 legal basis", payload.get("legal_basis")),
            added("persons", "查询对象 persons", ", ".join(masked(str(p)) for p in persons)),
            added("items", "查询项目 items", ", ".join(payload.get("items") or [])),
            added("months", "查询期间 months", " – ".join(payload.get("months") or [])),
            added("agreed_use", "约定用途 agreed use", payload.get("agreed_use")),
            added("disclose_on", "告知日期 disclose on", payload.get("disclose_on") or "")]


def _summary(payload: dict[str, Any]) -> list[str]:
    return [str(payload.get("organisation", ""))[:100]]


def decided(txn: str) -> str | None:
    """The kind of the decision already posted on application `txn`, or None."""
    return (Entry.objects.filter(subject=f"application:{txn}", kind__in=(APPLICATION_APPROVED, APPLICATION_REFUSED))
            .values_list("kind", flat=True).first())


def checked(payload: dict[str, Any], region: str) -> dict[str, Any]:
    """The application's fields canonical, or InvalidTransaction naming each field at fault. `persons` becomes a list
    of (ID number normalised, person) in the order given."""
    errors = Errors()
    unknown_fields(payload, FIELDS, errors)
    kind = payload.get("applicant_kind")
    if kind not in KINDS:
        errors["applicant_kind"] = _("must be one of {kinds}").format(kinds=", ".join(KINDS))
    result: dict[str, Any] = {"applicant_kind": kind}
    for name, limit in (("organisation", 200), ("contact", 200), ("purpose", 500), ("legal_basis", 500), ("agreed_use", 500)):
        result[name] = text(payload, name, errors, required=True, max_length=limit, multiline=name != "organisation")
    try:
        items = checked_items(tuple(payload.get("items") or ()))
        allowed = set(load_scopes()["kinds"][kind]["items"]) if kind in KINDS else set(items)
        beyond = sorted(items - allowed)
        if beyond:
            errors["items"] = _("{kind} may be answered only {allowed} (scopes.toml); not {beyond}").format(
                kind=kind, allowed=", ".join(sorted(allowed)), beyond=", ".join(beyond))
        result["items"] = sorted(items)
    except (InvalidTransaction, TypeError) as invalid:
        errors["items"] = getattr(invalid, "errors", {}).get("items", str(invalid))
    try:
        months = payload.get("months")
        if not isinstance(months, (list, tuple)) or len(months) != 2:
            raise InvalidTransaction({"months": _("must be two months written YYYY-MM: the first and the last")})
        result["months"] = list(checked_months(tuple(months)))
    except InvalidTransaction as invalid:
        errors["months"] = invalid.errors.get("months", str(invalid))
    numbers = payload.get("persons")
    persons: list[tuple[str, Person]] = []
    if not isinstance(numbers, list) or not numbers:
        errors["persons"] = _("name at least one person by ID number")
    elif len(numbers) > MAX_PERSONS:
        errors["persons"] = _("at most {n} persons in one application (第二十二条: no bulk extracts)").format(n=MAX_PERSONS)
    else:
        problems = []
        for n, raw in enumerate(numbers, 1):
            try:
                number = parse_id_number(str(raw)).normalized
            except InvalidIdentifier as invalid:
                problems.append(_("person {n}: {problem}").format(n=n, problem=invalid))
                continue
            person = Person.objects.filter(id_number_index=blind_index("id_number", number)).first()
            if person is None:
                problems.append(_("person {n}: no insured person is registered with this ID number").format(n=n))
            elif person.pooling_region != region:
                problems.append(_("person {n} belongs to pooling region {home}; apply there").format(n=n, home=person.pooling_region))
            elif any(p.uid == person.uid for _number, p in persons):
                problems.append(_("person {n} is named twice").format(n=n))
            else:
                persons.append((number, person))
        if problems:
            errors["persons"] = "; ".join(problems)
    result["persons"] = persons
    disclose_on = payload.get("disclose_on") or ""
    if disclose_on and kind != "authority":
        errors["disclose_on"] = _("only an administrative or judicial body's query may be kept from the person (第十八条)")
    result["disclose_on"] = disclose_on
    errors.raise_if_any()
    return result


def _withholdings(fields: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """For an authority with a disclosure date: per person, the order records/disclosure.py reads (its reads are those
    whose purpose is `case [<this application>]`), checked by the same rule as a withhold_read_disclosure."""
    if not fields["disclose_on"]:
        return []
    entries = []
    for _number, person in fields["persons"]:
        try:
            order = withholding.check({"person": person.uid, "reference": ctx.txn, "authority": fields["organisation"],
                                       "disclose_on": fields["disclose_on"]})
        except InvalidTransaction as invalid:
            raise InvalidTransaction({"disclose_on": invalid.errors.get("disclose_on", str(invalid))}) from None
        entries.append(NewEntry(READ_DISCLOSURE_WITHHELD, f"person:{person.uid}", {"order": order_key(ctx.txn, person.uid), **order}))
    return entries


@transaction_type(TYPE, gettext_lazy("Written application to query records (第十八条–第二十条)"), creators=("query_officer",),
                  documents=(CREDENTIALS,), describe=_describe, summary=_summary, subject=lambda payload, posted: None)
def answer_application(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    if decided(ctx.txn):
        raise InvalidTransaction({"application": _("this application is already decided")})
    fields = checked(payload, ctx.region)
    persons = [{"person": person.uid, "id_index": person.id_number_index,
                "id_number_sealed": seal(number, id_seal_context(ctx.txn, n))}
               for n, (number, person) in enumerate(fields["persons"], 1)]
    body = {"application": ctx.txn, "region": ctx.region, "applicant_kind": fields["applicant_kind"],
            "organisation": fields["organisation"], "contact_sealed": seal(fields["contact"], contact_seal_context(ctx.txn)),
            "purpose": fields["purpose"], "legal_basis": fields["legal_basis"], "agreed_use": fields["agreed_use"],
            "items": fields["items"], "months": fields["months"], "persons": persons,
            "disclose_on": fields["disclose_on"] or None}
    withheld = _withholdings(fields, ctx)
    return [NewEntry(APPLICATION_APPROVED, f"application:{ctx.txn}", body), *withheld]


def _refusal_describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added("application", "申请 application", payload.get("application")),
            added("reason", "不予提供的理由 reason", payload.get("reason"))]


@transaction_type(REFUSAL, gettext_lazy("Refuse a written application (第二十条(二))"), creators=REVIEW_ROLES,
                  describe=_refusal_describe, summary=lambda payload: [str(payload.get("application", ""))],
                  subject=lambda payload, posted: None)
def refuse_application(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"application", "reason", "stage"}, errors)
    reason = text(payload, "reason", errors, required=True, max_length=1000, multiline=True)
    application = BusinessTransaction.objects.filter(pk=str(payload.get("application") or ""), type=TYPE).first()
    if application is None:
        errors["application"] = _("no written application {uid}").format(uid=repr(payload.get("application")))
    elif decided(application.uid):
        errors["application"] = _("this application is already decided")
    elif application.region != ctx.region:
        errors["application"] = _("the application is in region {region}").format(region=application.region)
    elif not _rejected_by(application, ctx.actor):
        # Only through applications.services.refuse: the refusing reviewer's own rejection at the stage due, just
        # recorded (workflow.review checked the stage's role, the region and one stage per person).
        errors["application"] = _("a refusal follows the refusing reviewer's own rejection at the stage due")
    errors.raise_if_any()
    fields = payload_of(application)
    body = {"application": application.uid, "region": application.region, "applicant_kind": fields.get("applicant_kind"),
            "organisation": fields.get("organisation", ""), "legal_basis": fields.get("legal_basis", ""),
            "agreed_use": fields.get("agreed_use", ""), "reason": reason, "stage": str(payload.get("stage") or ""),
            "persons": [{"id_index": blind_index("id_number", parse_id_number(str(n)).normalized)}
                        for n in fields.get("persons", ()) if _valid(n)]}
    return [NewEntry(APPLICATION_REFUSED, f"application:{application.uid}", body)]


def _rejected_by(application: BusinessTransaction, actor: str) -> bool:
    last = application.actions.order_by("-id").first()
    return (application.state == State.RETURNED and last is not None and last.kind == Action.Kind.REJECT
            and last.actor == actor)


def _valid(number: Any) -> bool:
    try:
        parse_id_number(str(number))
    except InvalidIdentifier:
        return False
    return True


def entry_of(txn: str) -> dict[str, Any] | None:
    """The decision entry's payload on application `txn` (approved or refused), with its kind, or None."""
    row = Entry.objects.filter(subject=f"application:{txn}", kind__in=(APPLICATION_APPROVED, APPLICATION_REFUSED)).first()
    if row is None:
        return None
    return {"kind": row.kind, "recorded_at": row.recorded_at, **json.loads(row.payload)}

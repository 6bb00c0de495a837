"""issue_certificate and revoke_certificate (第十五条): issuing a written certificate or statement is itself a ledger
entry — who issued it, for whom, why (the purpose), which items and which ledger entries it rests on — and so is
withdrawing one. Issuing needs no review (the officer answers at once, as for a counter query); revoking needs one
(workflow/stages.toml). Opened only through certificates/services.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sirecords.certificates.kinds import CERTIFICATE_ISSUED, CERTIFICATE_REVOKED
from sirecords.certificates.models import Certificate
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.ledger.models import Entry
from sirecords.registry.models import Person
from sirecords.transactions.posting import NO_PERSON, InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields

ISSUE = "issue_certificate"
ISSUE_STATEMENTS = "issue_statements"  # the annual run: one transaction per chunk, one certificate.issued per statement
MAX_BATCH = 1000
REVOKE = "revoke_certificate"
KINDS = ("contributions", "pension", "statement", "query_result")
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}\Z")  # Crockford base32, services.new_code
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")
ISSUERS = ("query_officer", "portal_holder")  # at the counter, or the insured person in the portal


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added("code", "验证码 code", payload.get("code")), added("kind", "证明种类 kind", payload.get("kind")),
            added("person", "人员 person", payload.get("person")), added("purpose", "用途 purpose", payload.get("purpose")),
            added("items", "项目 items", ", ".join(payload.get("items") or []))]


def _summary(payload: dict[str, Any]) -> list[str]:
    return [str(payload.get("kind", "")), str(payload.get("code", ""))]


def _person(payload: dict[str, Any], errors: Errors) -> Person | None:
    person = Person.objects.filter(uid=str(payload.get("person") or "")).first()
    if person is None:
        errors["person"] = _("no registered person {uid}").format(uid=repr(payload.get("person")))
    return person


@transaction_type(ISSUE, gettext_lazy("Issue a certificate"), creators=ISSUERS, describe=_describe, summary=_summary)
def issue_certificate(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    return [_issued(payload)]


def _batch_summary(payload: dict[str, Any]) -> list[str]:
    return [f"{len(payload.get('certificates') or [])} statements"]


@transaction_type(ISSUE_STATEMENTS, gettext_lazy("Issue annual statements"), creators=("query_officer",),
                  summary=_batch_summary, subject=lambda payload, posted: NO_PERSON)
def issue_statements(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """The annual run's chunk: each certificate as issue_certificate checks it, each a certificate.issued entry about
    its person, all in the transaction's pooling region; the codes distinct. All or nothing."""
    errors = Errors()
    unknown_fields(payload, {"certificates"}, errors)
    certificates = payload.get("certificates")
    if not isinstance(certificates, list) or not 0 < len(certificates) <= MAX_BATCH or \
            not all(isinstance(c, dict) for c in certificates):
        errors["certificates"] = _("must be a list of 1 to {n} certificates").format(n=MAX_BATCH)
    errors.raise_if_any()
    codes = [str(c.get("code") or "") for c in certificates]
    if len(set(codes)) != len(codes):
        raise InvalidTransaction({"certificates": _("two certificates have the same code")})
    entries = []
    for number, certificate in enumerate(certificates, 1):
        try:
            entry = _issued(certificate)
        except InvalidTransaction as invalid:
            raise InvalidTransaction({f"certificates[{number}].{name}": why for name, why in invalid.errors.items()}) from None
        person = Person.objects.get(uid=certificate["person"])
        if ctx.region and person.pooling_region != ctx.region:
            raise InvalidTransaction({f"certificates[{number}].person": _(
                "belongs to pooling region {home}, not {region}").format(home=person.pooling_region, region=ctx.region)})
        entries.append(entry)
    return entries


def _issued(payload: dict[str, Any]) -> NewEntry:
    """One certificate's entry, its payload checked (every field named with why)."""
    errors = Errors()
    unknown_fields(payload, {"person", "kind", "items", "purpose", "code", "seqs", "issued_at"}, errors)
    person = _person(payload, errors)
    kind = payload.get("kind")
    if kind not in KINDS:
        errors["kind"] = _("must be one of {kinds}").format(kinds=", ".join(KINDS))
    code = str(payload.get("code") or "")
    if not CODE.match(code):
        errors["code"] = _("is not a verification code")
    elif Certificate.objects.filter(code=code).exists():
        errors["code"] = _("a certificate with this code was already issued")
    purpose = text(payload, "purpose", errors, required=True, max_length=200)
    items = payload.get("items") or []
    if not isinstance(items, list) or not all(isinstance(item, str) and 0 < len(item) <= 40 for item in items):
        errors["items"] = _("must be a list of item names")
    seqs = payload.get("seqs")
    if not isinstance(seqs, list) or not seqs or not all(type(seq) is int and seq > 0 for seq in seqs):
        errors["seqs"] = _("must name the ledger entries the document rests on")
    elif Entry.objects.filter(seq__in=seqs).count() != len(set(seqs)):
        errors["seqs"] = _("names ledger entries that do not exist")
    issued_at = str(payload.get("issued_at") or "")
    if not STAMP.match(issued_at):
        errors["issued_at"] = _("must be a UTC time YYYY-MM-DDTHH:MM:SSZ")
    errors.raise_if_any()
    body = {"code": code, "kind": kind, "person": person.uid, "items": sorted(set(items)), "purpose": purpose,
            "seqs": sorted(set(seqs)), "issued_at": issued_at}
    return NewEntry(CERTIFICATE_ISSUED, f"person:{person.uid}", body, issued_at[:10])


@transaction_type(REVOKE, gettext_lazy("Revoke a certificate"), creators=("query_officer", "clerk"), describe=_describe, summary=_summary)
def revoke_certificate(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"code", "person"}, errors)
    found = Certificate.objects.filter(code=str(payload.get("code") or "")).first()
    if found is None:
        errors["code"] = _("no certificate with this code")
    elif found.revoked_on:
        errors["code"] = _("this certificate is already revoked")
    elif found.person_id != payload.get("person"):
        errors["person"] = _("the certificate is not about this person")
    errors.raise_if_any()
    today = datetime.now(UTC).date().isoformat()
    return [NewEntry(CERTIFICATE_REVOKED, f"person:{found.person_id}", {"code": found.code, "revoked_on": today}, today)]

"""record_query: a query of a person's record answered at the counter (第十四条, 第十五条).

A query changes no record, but the act is in the ledger: who asked (the person, a delegate with a written
authorisation, an employer), on what basis, and what the answer covered. No review stage (workflow/stages.toml):
the officer answers at once. Opened only through queries/services.py.

The delegate's ID number is in the entry sealed (bound to this query) with its keyed index, never in clear
(docs/privacy.md); the scanned authorisation is attached to the transaction and named by its SHA-256.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sirecords.core.identifiers import InvalidIdentifier, parse_id_number
from sirecords.crypto.sealing import blind_index, seal
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.queries.kinds import RECORD_QUERY_ANSWERED
from sirecords.queries.scopes import checked_items, checked_months
from sirecords.registry.models import Employer, Employment, Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, unknown_fields

TYPE = "record_query"
REQUESTERS = ("self", "delegate", "employer")  # whom the counter serves (scopes.toml kinds.counter.serves)
SHA256 = re.compile(r"[0-9a-f]{64}\Z")
FIELDS = {"person", "requester", "identity_checked", "delegate_id_number", "authorisation_sha256", "items", "months", "employer"}


def delegate_seal_context(txn: str) -> str:
    return f"record_query:{txn}:delegate_id_number"


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [added("person", "人员 person", payload.get("person")), added("requester", "查询人 requester", payload.get("requester"))]
    if payload.get("requester") == "delegate":
        rows += [added("items", "委托项目 items", ", ".join(payload.get("items") or []) or "*"),
                 added("months", "委托期间 months", " – ".join(payload.get("months") or []) or "*")]
    if payload.get("employer"):
        rows.append(added("employer", "用人单位 employer", payload["employer"]))
    return rows


def _summary(payload: dict[str, Any]) -> list[str]:
    return [str(payload.get("requester", ""))]


def checked(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload's fields checked (InvalidTransaction naming each one at fault): the person, who asked and on what."""
    errors = Errors()
    unknown_fields(payload, FIELDS, errors)
    person = Person.objects.filter(uid=str(payload.get("person") or "")).first()
    if person is None:
        errors["person"] = _("no registered person {uid}").format(uid=repr(payload.get("person")))
    requester = payload.get("requester")
    if requester not in REQUESTERS:
        errors["requester"] = _("must be one of {kinds}").format(kinds=", ".join(REQUESTERS))
    result: dict[str, Any] = {"person": person.uid if person else "", "requester": requester}
    if requester in ("self", "delegate") and payload.get("identity_checked") is not True:
        errors["identity_checked"] = _("the requester's valid identity document must be checked (第十五条)")
    if requester == "delegate":
        try:
            result["delegate_id_number"] = parse_id_number(str(payload.get("delegate_id_number") or "")).normalized
        except InvalidIdentifier as invalid:
            errors["delegate_id_number"] = str(invalid)
        digest = str(payload.get("authorisation_sha256") or "")
        if not SHA256.match(digest):
            errors["authorisation_sha256"] = _("the scanned written authorisation is required (第十五条)")
        result["authorisation_sha256"] = digest
        for name, check in (("items", checked_items), ("months", checked_months)):
            if payload.get(name) is not None:
                try:
                    value = check(tuple(payload[name]))
                    result[name] = sorted(value) if name == "items" else list(value)
                except (InvalidTransaction, TypeError) as invalid:
                    errors[name] = getattr(invalid, "errors", {}).get(name, str(invalid))
    elif payload.get("delegate_id_number") or payload.get("items") or payload.get("months"):
        errors["requester"] = _("only a delegate's query names a delegate, items or months")
    if requester == "employer":
        employer = Employer.objects.filter(uid=str(payload.get("employer") or "")).first()
        if employer is None:
            errors["employer"] = _("no registered employer {uid}").format(uid=repr(payload.get("employer")))
        elif person is not None and not Employment.objects.filter(person=person, employer=employer).exists():
            errors["employer"] = _("this employer never employed this person: it may see nothing of their record (第十五条)")
        else:
            result["employer"] = employer.uid
    elif payload.get("employer"):
        errors["employer"] = _("only an employer's query names an employer")
    errors.raise_if_any()
    return result


@transaction_type(TYPE, gettext_lazy("Record query"), creators=("query_officer",), describe=_describe, summary=_summary)
def record_query(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    fields = checked(payload)
    body = {"query": ctx.txn, "requester": fields["requester"]}
    if fields["requester"] == "delegate":
        number = fields.pop("delegate_id_number")
        body.update({"delegate_id_number_sealed": seal(number, delegate_seal_context(ctx.txn)),
                     "delegate_index": blind_index("id_number", number), "authorisation_sha256": fields["authorisation_sha256"],
                     "items": fields.get("items"), "months": fields.get("months")})
    if fields.get("employer"):
        body["employer"] = fields["employer"]
    return [NewEntry(RECORD_QUERY_ANSWERED, f"person:{fields['person']}", body)]

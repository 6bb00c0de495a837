"""Counter and delegated queries (第十五条): the query officer records who asks, and the answer is read through the
requester's scope.

`record_query` opens, documents and posts the `record_query` transaction (no review stage) in the person's pooling
region: the act is in the ledger. `answer` is the one read of the answer: it admits and logs the read
(records/reads.py: region, limits, access log) with a purpose that names the basis — the person, the delegate's
written authorisation (its SHA-256), or the employer — and returns `person_view` in that requester's scope. The
answer page, its printout and its CSV all call `answer`; nothing shows the record another way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from sirecords.ledger.models import Entry
from sirecords.queries.kinds import RECORD_QUERY_ANSWERED
from sirecords.queries.scopes import Requester, person_view
from sirecords.queries.transactions import TYPE
from sirecords.records import reads
from sirecords.records.purposes import Purpose, implied
from sirecords.registry.models import Employer, Person
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow import documents
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import Refused, attach, open_transaction, submit

AUTHORISATION = "written_authorisation"  # the document kind of the delegate's scanned authorisation
PURPOSE_CODE = "counter_query"  # settings.SIRECORDS_READ_PURPOSES


@dataclass(frozen=True)
class CounterQuery:
    """A posted counter query: its transaction, the person, the requester served and the read's purpose."""

    txn: BusinessTransaction
    person: Person
    requester: Requester
    purpose: Purpose
    entry: dict[str, Any]


def record_query(actor: Actor, person: Person, requester: str, *, identity_checked: bool = False, delegate_id_number: str = "",
                 authorisation: bytes | None = None, authorisation_name: str = "", items: frozenset[str] | None = None,
                 months: tuple[str, str] | None = None, employer: Employer | None = None, channel: str = "counter",
                 reason: str = "") -> BusinessTransaction:
    """Record a counter query of `person`'s record by `requester` ("self", "delegate" or "employer") as a posted
    `record_query` transaction, all or nothing. A delegate's query carries the delegate's ID number (sealed in the
    ledger with its keyed index), the scanned written authorisation (attached, checked as every upload is) and the
    items and months it names. Raises InvalidTransaction (a field and why) or Refused (the officer's role or region)."""
    payload: dict[str, Any] = {"person": person.uid, "requester": requester}
    if requester in ("self", "delegate"):
        payload["identity_checked"] = bool(identity_checked)
    if requester == "delegate":
        payload["delegate_id_number"] = delegate_id_number
        if not authorisation:
            raise InvalidTransaction({"authorisation": _("the scanned written authorisation is required (第十五条)")})
        try:
            documents.check(authorisation, authorisation_name)
        except documents.DocumentRefused as refused:
            raise InvalidTransaction({"authorisation": str(refused)}) from None
        payload["authorisation_sha256"] = hashlib.sha256(authorisation).hexdigest()
        if items is not None:
            payload["items"] = sorted(items)
        if months is not None:
            payload["months"] = list(months)
    if requester == "employer":
        payload["employer"] = employer.uid if employer else ""
    reason = reason or f"窗口查询 counter query ({requester})"
    with db_transaction.atomic():
        txn = open_transaction(actor, TYPE, payload, region=person.pooling_region, reason=reason, channel=channel)
        if requester == "delegate":
            attached = attach(actor, txn, AUTHORISATION, authorisation, authorisation_name or "authorisation.pdf")
            if attached.sha256 != payload["authorisation_sha256"]:  # the store names files by their SHA-256
                raise InvalidTransaction({"authorisation": "the stored authorisation does not match its digest"})
        txn = submit(actor, txn)
    if txn.state != State.POSTED:  # stages.toml gives record_query no review stage
        raise Refused(_("a record query must need no review stage (workflow/stages.toml)"), txn)
    return txn


def counter_query(uid: str) -> CounterQuery | None:
    """The posted counter query `uid` (a record_query transaction), or None."""
    txn = BusinessTransaction.objects.filter(pk=uid, type=TYPE, state=State.POSTED).first()
    row = Entry.objects.filter(txn=uid, kind=RECORD_QUERY_ANSWERED).first() if txn else None
    if row is None:
        return None
    entry = json.loads(row.payload)
    person = Person.objects.get(uid=row.subject.removeprefix("person:"))
    items = frozenset(entry["items"]) if entry.get("items") is not None else None
    months = tuple(entry["months"]) if entry.get("months") is not None else None
    requester = Requester("counter", person_uid=person.uid, employer_uid=entry.get("employer", ""),
                          delegate_index=entry.get("delegate_index", ""), items=items, months=months)
    return CounterQuery(txn, person, requester, basis_purpose(entry, uid), entry)


def basis_purpose(entry: dict[str, Any], uid: str) -> Purpose:
    """The read's purpose, naming who asked and on what basis (第十五条), the query's uid as its reference."""
    if entry["requester"] == "delegate":
        detail = f"delegate with written authorisation {entry['authorisation_sha256'][:12]}"
    elif entry["requester"] == "employer":
        employer = Employer.objects.filter(uid=entry["employer"]).first()
        detail = f"employer {employer.uscc if employer else entry['employer']}, employment periods only"
    else:
        detail = "the insured person, identity document checked"
    return implied(PURPOSE_CODE, detail, uid)


def answer(actor: Actor, query: CounterQuery, *, what: str, channel: str = "web") -> dict[str, Any]:
    """The answer to the query: admitted and logged as a read of the person (records.reads.read, with the basis as
    purpose), then `person_view` in the served requester's scope. Only the officer who recorded the query reads its
    answer. Raises reads.ReadRefused (region, limits; logged) or Refused."""
    if query.txn.created_by != actor.username:
        raise Refused(_("only {user}, who recorded this query, may hand over its answer").format(user=query.txn.created_by),
                      query.txn)
    reads.read(reads.Reader(actor, channel), f"person:{query.person.uid}", what, query.purpose)
    return person_view(query.person, query.requester)

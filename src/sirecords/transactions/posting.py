"""post(transaction): the one service function that turns a business transaction into ledger entries
and updates the projections, atomically.

A transaction type declares how its payload is validated and which entries it posts. The workflow puts
the review chain (初审, 审核, 复核, 审批) in front of post(); nothing else calls append().
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction as db_transaction

from sirecords.ledger.append import NewEntry, PostedEntry, append, lock_head
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import LiveStore, apply
from sirecords.transactions.kinds import TRANSACTION_POSTED


class InvalidTransaction(ValueError):
    """Bad input: says which field and why; nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


@dataclass(frozen=True)
class TransactionType:
    """What a type of business transaction is. The ledger uses `build`; the workflow uses the rest."""

    name: str
    title: str  # shown to staff: Chinese, or an English msgid (gettext_lazy) the catalogue translates
    build: Callable[[dict[str, Any], WriteContext], list[NewEntry]]  # validates, raises InvalidTransaction
    creators: tuple[str, ...] = ("clerk",)  # roles that may open one
    documents: tuple[str, ...] = ()  # kinds of original document it takes (第六条, 第十三条): every kind named
    describe: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None  # before/after for reviewers
    # For a type whose reviewers approve figures the system computes (not typed): prepare(request, region) -> the
    # payload opened or amended, the figures added (a figure given that is not the computed one: InvalidTransaction).
    prepare: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    # The masked words after the title in queues and lists (never a full ID number or name).
    summary: Callable[[dict[str, Any]], list[str]] | None = None
    # Whose record a page about this payload shows: "person:<uid>", NO_PERSON when it names nobody, None when
    # the person is not (yet) known; `posted` says whether the transaction's entries are in the ledger.
    subject: Callable[[dict[str, Any], bool], str | None] | None = None
    # What it requires: each group is satisfied by any one of its kinds (a death: a death certificate, a
    # cremation certificate or a household deregistration); a kind given alone is a group of one.
    requirements: tuple[tuple[str, ...], ...] = ()

    def missing_documents(self, attached: Iterable[str]) -> list[tuple[str, ...]]:
        """The requirement groups none of whose kinds is among the `attached` kinds."""
        have = set(attached)
        return [group for group in self.requirements if not have.intersection(group)]


def added(field: str, label: str, value) -> dict[str, Any]:
    """A describe() row for a value the transaction records (nothing before it)."""
    return {"field": field, "label": label, "before": "", "after": "" if value is None else str(value)}


_types: dict[str, TransactionType] = {}

NO_PERSON = ""  # a subject hook's answer for a payload that names no person (employers only)


def person_in_payload(payload: dict[str, Any], posted: bool) -> str | None:
    """The default subject: the person a payload names by uid."""
    return f"person:{payload['person']}" if payload.get("person") else None


def transaction_type(name: str, title: str, *, creators: tuple[str, ...] = ("clerk",),
                     documents: tuple[str | tuple[str, ...], ...] = (),
                     describe: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None,
                     prepare: Callable[[dict[str, Any], str], dict[str, Any]] | None = None,
                     summary: Callable[[dict[str, Any]], list[str]] | None = None,
                     subject: Callable[[dict[str, Any], bool], str | None] | None = None):
    """Decorator registering `build(payload, ctx) -> entries` as the transaction type `name`.

    `documents`: the original documents required, each a kind, or a tuple of kinds any one of which suffices."""
    groups = tuple(item if isinstance(item, tuple) else (item,) for item in documents)
    kinds = tuple(kind for group in groups for kind in group)

    def register(build):
        if name in _types:
            raise ValueError(f"transaction type {name} is already registered")
        _types[name] = TransactionType(name, title, build, creators, kinds, describe, prepare, summary,
                                       subject or person_in_payload, groups)
        return build

    return register


# Checks a context above this floor adds on every posting: (type, the entries built) → errors naming why the posting is
# refused, or None. E.g. transfers: a record transferred out is kept for reference only.
PostingGuard = Callable[[str, list[NewEntry]], "dict[str, str] | None"]
_guards: list[PostingGuard] = []


def register_guard(guard: PostingGuard) -> None:
    if guard not in _guards:
        _guards.append(guard)


def transaction_types() -> dict[str, TransactionType]:
    return dict(_types)


def transaction_type_named(name: str) -> TransactionType:
    try:
        return _types[name]
    except KeyError:
        raise InvalidTransaction({"type": f"unknown transaction type {name!r}"}) from None


@dataclass(frozen=True)
class Transaction:
    type: str
    payload: dict[str, Any]
    context: WriteContext
    documents: tuple[str, ...] = field(default=())  # SHA-256 of the attached original documents
    review: tuple[dict[str, str], ...] = field(default=())  # each stage: stage, actor, decision, opinion, at


def post(txn: Transaction) -> list[PostedEntry]:
    """Validate, append the entries and project them, all in one database transaction.

    The last entry, `transaction.posted`, records the type, the documents' hashes and the review
    trail, so who collected, who reviewed and on what evidence is as tamper-evident as the facts.
    """
    kind = transaction_type_named(txn.type)
    with db_transaction.atomic():
        lock_head()  # validate against the state no other writer can change before we append
        entries = kind.build(txn.payload, txn.context)
        if not entries:
            raise InvalidTransaction({"payload": "the transaction changes nothing"})
        for guard in _guards:
            errors = guard(txn.type, entries)
            if errors:
                raise InvalidTransaction(errors)
        summary = {"type": txn.type, "documents": list(txn.documents), "review": [dict(step) for step in txn.review]}
        entries.append(NewEntry(TRANSACTION_POSTED, f"txn:{txn.context.txn}", summary))
        posted = append(txn.context, entries)
        store = LiveStore()
        for entry in posted:
            apply(entry, store)
        store.flush()
    return posted

"""Receiving a department's feed (the CLI and the API): read and checked whole, stored sealed, then compared and posted
at once as one record_crosscheck_feed transaction; and the queue of discrepancies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction as db_transaction

from sirecords.benefits.transactions import DEATH_DOCUMENTS
from sirecords.core.text import canonical
from sirecords.crosschecks import feeds, filestore
from sirecords.crosschecks.kinds import FEED_RECEIVED
from sirecords.crosschecks.models import Claim, Discrepancy, FeedFile
from sirecords.crosschecks.resolution import open_discrepancy
from sirecords.crosschecks.transactions import COMPARERS, RECEIVED_BEFORE, months_of, period_problem
from sirecords.ledger.models import Entry
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.actors import Actor
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import attach, execute, open_transaction, submit

TYPE = "record_crosscheck_feed"


class SeenBefore(ValueError):
    """The same file (by SHA-256) was received before: nothing is recorded again (the API's 409)."""


@dataclass
class Received:
    sha256: str
    txn: str
    held: list[feeds.Problem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """What --json prints and the API answers: the counts as posted."""
        posted = json.loads(Entry.objects.get(txn=self.txn, kind=FEED_RECEIVED, subject=f"feed:{self.sha256}").payload)
        return {"file_sha256": self.sha256, "rows": posted["rows"], "discrepancies": posted["discrepancies"],
                "repeated": posted["repeated"], "unmatched": posted["unmatched"], "held": posted["held"],
                "transaction": self.txn}


def receive(actor: Actor, kind: str, data: bytes, *, file_name: str, reason: str, channel: str, period: str = "",
            encoding: str = "utf-8", hold_invalid: bool = False, region: str | None = None) -> Received:
    """Check the file whole (FeedRefused names each problem by line and field: nothing recorded), refuse one received
    before (SeenBefore), keep it sealed, and post its comparison with the record."""
    if kind not in COMPARERS:
        raise feeds.FeedRefused([feeds.Problem(1, "kind", f"{kind!r} is not a feed compared with the record "
                                                          f"({', '.join(COMPARERS)})")])
    period = canonical(period) if isinstance(period, str) else period  # ２０２５-０６ is 2025-06
    if problem := period_problem(kind, period):
        raise InvalidTransaction({"period": problem})
    feed = feeds.read(kind, data, encoding=encoding, hold_invalid=hold_invalid, months=months_of(period))
    if FeedFile.objects.filter(sha256=feed.sha256).exists():
        raise SeenBefore(RECEIVED_BEFORE)
    if hold_invalid and not feed.count:
        raise feeds.FeedRefused(feed.held[:feeds.MAX_PROBLEMS], max(0, len(feed.held) - feeds.MAX_PROBLEMS))
    payload = {"kind": kind, "file": feed.sha256, "file_name": file_name[:200], "period": period, "encoding": encoding,
               "hold_invalid": hold_invalid}
    try:
        with db_transaction.atomic():
            filestore.store(data)
            try:
                txn = execute(actor, TYPE, payload, region=region or settings.SIRECORDS_REGION, reason=reason,
                              channel=channel)
            except InvalidTransaction as invalid:
                if invalid.errors.get("file") == RECEIVED_BEFORE:  # another import of the same file posted first
                    raise SeenBefore(RECEIVED_BEFORE) from None
                raise
    finally:
        feeds.forget()  # posted (or not): the parsed file is not kept in memory
    return Received(feed.sha256, txn.uid, feed.held)


# --- settling a discrepancy -------------------------------------------------------------------------------------------

RESOLVE, DISMISS = "resolve_discrepancy", "dismiss_discrepancy"


def _claim(discrepancy: Discrepancy, txn, actor: Actor, action: str) -> None:
    Claim.objects.update_or_create(discrepancy=discrepancy.id, defaults={
        "txn": txn.uid, "action": action, "opened_by": actor.username, "opened_at": datetime.now(UTC)})


def _unclaimed(discrepancy: Discrepancy) -> None:
    """Refuse while another transaction about it is in review (a returned or withdrawn one frees it)."""
    claim = Claim.objects.select_for_update().filter(discrepancy=discrepancy.id).first()
    if claim is not None and BusinessTransaction.objects.filter(uid=claim.txn, state__in=(State.DRAFT, State.SUBMITTED)).exists():
        raise InvalidTransaction({"discrepancy": f"discrepancy {discrepancy.id} is in review in transaction {claim.txn}"})


def settle(actor: Actor, discrepancy_id: str, action: str, *, reason: str, channel: str, report: bytes,
           documents: tuple[tuple[str, bytes, str], ...] = (), region: str | None = None, as_: str | None = None,
           referral: str | None = None, received_by: dict[str, str] | None = None):
    """Open and submit the transaction that resolves (`action` "resolve") or dismisses ("dismiss") the discrepancy,
    with the department's report (`report`, a PDF) and any `documents` ((kind, bytes, file name)) attached; the
    discrepancy is in review until it is posted (then resolved or dismissed) or returned; `as_` (correction or arrears)
    for the collector's kinds, `referral` the facts of a fraud referral recorded with the fix, `received_by` ({"name",
    "relation"}) who received a pension paid after a death (the overpayment case names them). The transaction."""
    type_name = RESOLVE if action == "resolve" else DISMISS
    payload = {"discrepancy": discrepancy_id, "reason": reason}
    if type_name == RESOLVE:  # how a collector's discrepancy is resolved; a fraud referral recorded with the fix
        payload.update({**({"as": as_} if as_ else {}), **({"referral": referral} if referral else {}),
                        **({"received_by": received_by} if received_by else {})})
    with db_transaction.atomic():
        discrepancy = open_discrepancy(payload)
        _unclaimed(discrepancy)
        detail = json.loads(discrepancy.detail)
        if (type_name == RESOLVE and discrepancy.kind == "pensioner_died" and detail.get("name_matches") is False
                and not any(kind in DEATH_DOCUMENTS for kind, _data, _name in documents)):
            raise InvalidTransaction({"document": "the department's name is not the record's: resolving needs the death "
                                                  "document (" + ", ".join(DEATH_DOCUMENTS) + ")"})
        txn = open_transaction(actor, type_name, payload, region=region or settings.SIRECORDS_REGION, reason=reason,
                               channel=channel)
        if type_name == RESOLVE:
            attach(actor, txn, "department_report", report, f"report-{discrepancy.id}.pdf")
            for kind, data, name in documents:
                attach(actor, txn, kind, data, name)
        _claim(discrepancy, txn, actor, type_name)
        return submit(actor, txn)


def assign(actor: Actor, discrepancy_id: str, to: str, *, channel: str, region: str | None = None):
    """Assign the discrepancy to the clerk `to` (a supervisor), or take it (a clerk, `to` being themself)."""
    return execute(actor, "assign_discrepancy", {"discrepancy": discrepancy_id, "to": to},
                   region=region or settings.SIRECORDS_REGION, reason=f"assigned to {to}", channel=channel)

"""Recording, in the access log, which person's data a staff page showed (第二十一条), once the reader may see it:
records/reads.py checks the person's pooling region and the read limits (a refusal raises ReadRefused, which the
page guard shows as a refusal page) and writes the access record."""

from __future__ import annotations

from sirecords.records import reads
from sirecords.records.purposes import Purpose, implied
from sirecords.transactions.actors import Actor
from sirecords.workflow.models import BusinessTransaction

CHANNEL = "web"


def log_access(actor: Actor, subject: str | None, what: str, purpose: Purpose | str) -> None:
    reads.read(reads.Reader(actor, CHANNEL), subject, what, purpose)


def transaction_purpose(actor: Actor, txn: BusinessTransaction, may_review: bool) -> Purpose:
    """Why a transaction page shows the person it is about: the opener follows it up, the reviewer due reviews it,
    anyone else who may see it (a supervisor) supervises."""
    if txn.created_by == actor.username:
        return implied("transaction", "follow-up by the clerk who opened it", txn.uid)
    if may_review:
        return implied("transaction", "review of the stage due", txn.uid)
    return implied("supervision", "supervision of a business transaction", txn.uid)

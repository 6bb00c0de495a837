"""Recording, in the access log, which person's data a staff page showed (第二十一条), once the reader may see it:
records/reads.py checks the person's pooling region and the read limits (a refusal raises ReadRefused, which the
page guard shows as a refusal page) and writes the access record."""

from __future__ import annotations

from sirecords.records import reads
from sirecords.records.purposes import Purpose
from sirecords.transactions.actors import Actor

CHANNEL = "web"


def log_access(actor: Actor, subject: str | None, what: str, purpose: Purpose | str) -> None:
    reads.read(reads.Reader(actor, CHANNEL), subject, what, purpose)

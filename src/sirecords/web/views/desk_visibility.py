"""Recording, in the access log, which person's data a staff page showed (第二十一条)."""

from __future__ import annotations

from sirecords.records.access_log import record_access
from sirecords.transactions.actors import Actor


def log_access(actor: Actor, subject: str | None, what: str, purpose: str) -> None:
    if subject:
        record_access(actor.username, subject, what, "web", purpose)

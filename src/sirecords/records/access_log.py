"""Appending to and checking the access log's hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction

from sirecords.ledger.append import utc_timestamp
from sirecords.ledger.chain import HashChain
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH
from sirecords.records.models import AccessEvent, AccessHead

VERSION = "sirecords/users/access/v1"
FIELDS = ("seq", "at", "actor", "subject", "what", "channel", "purpose", "prev_hash")
_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def event_hash(seq, at, actor, subject, what, channel, purpose, prev_hash) -> str:
    return hashlib.sha256(_dump([VERSION, seq, at, actor, subject, what, channel, purpose, prev_hash]).encode("utf-8")).hexdigest()


def record_access(actor: str, subject: str, what: str, channel: str, purpose: str) -> AccessEvent:
    if not actor or not subject or not purpose:
        raise ValueError("an access record needs the actor, whose record, and the purpose")
    with transaction.atomic():
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cursor:
            cursor.execute("SELECT size, last_hash FROM audit_access_head WHERE id = 1" + lock)
            row = cursor.fetchone()
        size, last_hash = row if row else (0, GENESIS_PREV_HASH)
        fields = (size + 1, utc_timestamp(), actor, subject, what[:120], channel, purpose[:200], last_hash)
        event = AccessEvent.objects.create(**dict(zip(FIELDS, fields, strict=True)), hash=event_hash(*fields))
        AccessHead.objects.update_or_create(id=1, defaults={"size": event.seq, "last_hash": event.hash})
    return event


def check_chain(report: Callable[[str, str], None]) -> int:
    """Stream the log in seq order; report(where, message) for each break. Returns the count."""
    chain = HashChain()
    last = 0
    while True:
        page = list(AccessEvent.objects.filter(seq__gt=last).order_by("seq").values_list(*FIELDS, "hash")[:20_000])
        if not page:
            break
        for row in page:
            seq, stored = row[0], row[-1]
            broken = chain.link(seq, row[-2], stored, event_hash(*row[:-1]))
            if broken is None:
                continue
            where = f"audit_access_event seq={seq}"
            if seq != broken.expected_seq:
                report(where, f"access records #{broken.expected_seq}–#{seq - 1} are missing")
            if not broken.linked:
                report(where, "prev_hash does not link to the previous record")
            if not broken.contents_match:
                report(where, "its contents do not match its stored hash")
        last = page[-1][0]
    count, prev, expected = chain.count, chain.prev_hash, chain.expected_seq
    head = AccessHead.objects.filter(id=1).values_list("size", "last_hash").first()
    if count and head != (count, prev) and head != (expected - 1, prev):
        report("audit_access_head id=1", f"head {head} disagrees with the log ({expected - 1} records)")
    return count

"""Recording reads of personal data (第二十一条) in the access log: a chained log with a signed head
(records.models.ACCESS_LOG, ledger/chained_log.py), anchored in every checkpoint and checked by `verify`."""

from __future__ import annotations

from sirecords.ledger.append import utc_timestamp
from sirecords.records.models import ACCESS_LOG, AccessEvent


def record_access(actor: str, subject: str, what: str, channel: str, purpose: str) -> AccessEvent:
    if not actor or not subject or not purpose:
        raise ValueError("an access record needs the actor, whose record, and the purpose")
    return ACCESS_LOG.append(at=utc_timestamp(), actor=actor, subject=subject, what=what[:120], channel=channel,
                             purpose=purpose[:200])

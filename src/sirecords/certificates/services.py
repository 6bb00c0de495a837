"""Issuing and revoking certificates: the only place the certificates app opens workflow transactions.

`issue` posts an `issue_certificate` transaction (no review) in the person's pooling region and returns the new
verification code and the entry; the caller renders the PDF and signs it with the evidence of the entries it rests
on plus this entry (proofs.evidence_for, signing.sign_pdf). `revoke` opens a `revoke_certificate` transaction, which
one reviewer approves (workflow/stages.toml) before it takes effect.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from sirecords.certificates.kinds import CERTIFICATE_ISSUED
from sirecords.certificates.transactions import ISSUE, ISSUE_STATEMENTS, REVOKE
from sirecords.ledger.models import Entry
from sirecords.registry.models import Person
from sirecords.transactions.actors import Actor
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import Refused, execute, open_transaction, submit

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


def new_code() -> str:
    """80 random bits as XXXX-XXXX-XXXX-XXXX: not guessable, so /v/<code> reveals nothing by enumeration."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def canonical_code(value: str) -> str:
    """A code as typed (lower case, spaces, O for 0, I/L for 1) in its stored form, or "" when it cannot be one."""
    compact = "".join(value.split()).replace("-", "").upper().translate(str.maketrans("OIL", "011"))
    if len(compact) != 16 or any(ch not in ALPHABET for ch in compact):
        return ""
    return "-".join(compact[i:i + 4] for i in range(0, 16, 4))


def issue(actor: Actor, person: Person, kind: str, *, items: list[str] | tuple[str, ...], purpose: str, channel: str,
          seqs: list[int] | tuple[int, ...]) -> tuple[str, Entry]:
    """Post the issuing of a certificate of `kind` about `person`, resting on ledger entries `seqs`, for `purpose`:
    (its verification code, the certificate.issued entry). Raises InvalidTransaction (a field and why) or Refused."""
    code = new_code()
    issued_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {"person": person.uid, "kind": kind, "items": list(items), "purpose": purpose, "code": code,
               "seqs": [int(seq) for seq in seqs], "issued_at": issued_at}
    with db_transaction.atomic():
        txn = execute(actor, ISSUE, payload, region=person.pooling_region, reason=f"出具证明 issue {kind}: {purpose}"[:200],
                      channel=channel)
        if txn.state != State.POSTED:  # stages.toml gives issue_certificate no review stage
            raise Refused(_("issuing a certificate must need no review stage (workflow/stages.toml)"), txn)
        entry = Entry.objects.get(txn=txn.uid, kind=CERTIFICATE_ISSUED)
    return code, entry


def issue_statements(actor: Actor, persons: list[Person], *, items: list[str] | tuple[str, ...], purpose: str, channel: str,
                     seqs: list[list[int]], region: str) -> list[tuple[str, Entry]]:
    """Post the issue of one annual statement per person of `persons` (all of pooling region `region`), each resting
    on its list of `seqs`, in one `issue_statements` transaction: [(code, certificate.issued entry)] in their order.
    The annual run's batch (bulk statements): one posting per chunk instead of one per statement."""
    issued_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    certificates = [{"person": person.uid, "kind": "statement", "items": list(items), "purpose": purpose, "code": new_code(),
                     "seqs": [int(seq) for seq in person_seqs], "issued_at": issued_at}
                    for person, person_seqs in zip(persons, seqs, strict=True)]
    with db_transaction.atomic():
        txn = execute(actor, ISSUE_STATEMENTS, {"certificates": certificates}, region=region,
                      reason=f"出具年度对账单 annual statements: {purpose}"[:200], channel=channel)
        if txn.state != State.POSTED:
            raise Refused(_("issuing a certificate must need no review stage (workflow/stages.toml)"), txn)
        by_code = {}
        for entry in Entry.objects.filter(txn=txn.uid, kind=CERTIFICATE_ISSUED):
            by_code[json.loads(entry.payload)["code"]] = entry
    return [(c["code"], by_code[c["code"]]) for c in certificates]


def revoke(actor: Actor, code: str, *, reason: str, channel: str) -> BusinessTransaction:
    """Open and submit the revocation of certificate `code`; it takes effect once reviewed."""
    from sirecords.certificates.models import Certificate

    found = Certificate.objects.filter(code=canonical_code(code)).first()
    payload = {"code": found.code if found else code, "person": found.person_id if found else ""}
    person = Person.objects.filter(uid=payload["person"]).first()
    region = person.pooling_region if person else ""
    with db_transaction.atomic():
        txn = open_transaction(actor, REVOKE, payload, region=region, reason=reason, channel=channel)
        return submit(actor, txn)

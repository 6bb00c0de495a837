"""How certificate.issued and certificate.revoked entries fill certificates_certificate."""

from __future__ import annotations

import json

from sirecords.certificates.kinds import CERTIFICATE_ISSUED, CERTIFICATE_REVOKED
from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects

TABLE = "certificates_certificate"


@projects(CERTIFICATE_ISSUED)
def certificate_issued(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(TABLE, p["code"], {"code": p["code"], "kind": p["kind"], "person_id": p["person"], "issued_at": p["issued_at"],
                                 "seqs": json.dumps(p["seqs"]), "txn": entry.txn, "revoked_on": "", "last_seq": entry.seq})


@projects(CERTIFICATE_REVOKED)
def certificate_revoked(entry: PostedEntry, store: Store) -> None:
    row = store.get(TABLE, entry.payload["code"])
    if row is None:  # the transaction checked it exists; a replay in order always finds it
        raise LookupError(f"certificate {entry.payload['code']} revoked before it was issued")
    store.put(TABLE, row["code"], {**row, "revoked_on": entry.payload["revoked_on"], "last_seq": entry.seq})

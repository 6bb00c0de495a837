"""Set-up for the tests of a transfer's progress (transfers/progress.py, queries.py, the portal, desk and API pages):
the region a person left, registered here with its keys; a request posted through transfer_request (tests/conftest.py's
post_entries: the transaction's own checks, no review); and the steps after it.

The steps after the request (the region left's refusal, the record received, a record sent) are posted as entries of
the kinds transfers/projectors.py projects — appended to the ledger and projected as post() does, never written to the
table — until their transactions (transfer_close, transfer_in, transfer_out) are on this branch. Replace `ended` by
posting those transactions then."""

from __future__ import annotations

import base64
import uuid
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.db import transaction as db_transaction

from sirecords.ledger import note
from sirecords.ledger.append import NewEntry, append, lock_head
from sirecords.ledger.context import WriteContext
from sirecords.ledger.projection import LiveStore, apply
from sirecords.transactions.posting import Transaction, post
from sirecords.transfers.kinds import TRANSFER_CLOSED, TRANSFER_RECEIVED, TRANSFER_SENT
from sirecords.transfers.models import Transfer

REGION = "440300"  # this region (tests/conftest.py's; this package has an __init__.py, so no relative import of it)
OLD, OLD_NAME = "110105", "北京市东城区"  # the region the person left (another province than 440300)


def _context() -> WriteContext:
    return WriteContext(actor="clerk.test", reason="test: a transfer", channel="counter", region=REGION)


def post_entries(kind: str, payload: dict):
    """tests/conftest.py's post_entries: `kind` posted with the test context and a new transaction uid."""
    return post(Transaction(kind, payload, _context()))


def register_region(code: str = OLD, name: str = OLD_NAME, post=post_entries) -> str:
    """A region registered here with keys of its own (made for the test), as `sirecords regions add` registers one."""
    seed = int(code) % 200
    signing, encryption = (Ed25519PrivateKey.from_private_bytes(bytes([seed + 1]) * 32),
                           X25519PrivateKey.from_private_bytes(bytes([seed + 2]) * 32))
    post("register_region", {"code": code, "name": name,
                             "verifier_key": note.verifier_key(f"sirecords.test/{code}", signing.public_key()),
                             "encryption_key": base64.b64encode(encryption.public_key().public_bytes_raw()).decode()})
    return code


def request(person: str, region: str = OLD, *, collect: bool = False, post=post_entries) -> Transfer:
    """The person's transfer request to `region`, posted (approved): the transfer `requested`."""
    entries = post("transfer_request", {"person": person, "from": region, "collect": collect})
    return Transfer.objects.get(uid=entries[0].payload["transfer"])


def _post(kind: str, subject: str, payload: dict) -> None:
    """One entry of `kind`, appended and projected in one database transaction, as post() does."""
    ctx = _context()
    with db_transaction.atomic():
        lock_head()
        store = LiveStore()
        for entry in append(ctx, [NewEntry(kind, subject, payload)]):
            apply(entry, store)
        store.flush()


def close(transfer: Transfer, refusal: str, on: date | None = None) -> Transfer:
    """The region left's written refusal recorded: the transfer `closed`."""
    after = {"state": "closed", "ended_on": (on or date.today()).isoformat(), "refusal": refusal}
    _post(TRANSFER_CLOSED, f"person:{transfer.person}", {"target": "transfer", "uid": transfer.uid,
                                                          "transfer": transfer.uid, "before": {}, "after": after})
    return Transfer.objects.get(uid=transfer.uid)


def receive(transfer: Transfer, *, months: int = 2, account_fen: int = 1234567, pooled_fen: int = 192000,
            on: date | None = None) -> Transfer:
    """The record and the funds received: the transfer `received` with `months` months of 2019 from the region left."""
    after = {"state": "received", "ended_on": (on or date.today()).isoformat(), "months": months, "deemed_months": 0,
             "account_fen": account_fen, "pooled_fen": pooled_fen, "funds_ref": "TEST-FUNDS-1"}
    rows = [{"period": f"2019-{n:02d}", "region": transfer.other_region, "base_fen": 800000} for n in range(1, months + 1)]
    _post(TRANSFER_RECEIVED, f"person:{transfer.person}", {"target": "transfer", "uid": transfer.uid,
                                                            "transfer": transfer.uid, "before": {}, "after": after,
                                                            "months": rows, "deemed": []})
    return Transfer.objects.get(uid=transfer.uid)


def send(person: str, region: str = OLD, *, on: date | None = None) -> Transfer:
    """Another region asked this one for the person's record and it was sent: a transfer `out`, `sent`."""
    uid, day = uuid.uuid4().hex, (on or date.today()).isoformat()
    after = {"person": person, "direction": "out", "other_region": region, "state": "sent", "collect": False,
             "requested_on": day, "ended_on": day, "months": 3, "deemed_months": 0, "account_fen": 50000,
             "pooled_fen": 30000}
    _post(TRANSFER_SENT, f"person:{person}", {"target": "transfer", "uid": uid, "transfer": uid, "before": {},
                                              "after": after, "months": [], "deemed": []})
    return Transfer.objects.get(uid=uid)

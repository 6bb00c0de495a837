"""Set-up for the tests of a transfer's progress (transfers/progress.py, queries.py, the portal, desk and API pages):
the region a person left, registered here with the keys of tests/transfers/fake_region.py; and each step posted
through its own transaction with tests/conftest.py's post_entries (the transaction's checks, no review) — the request
(transfer_request), the region left's written refusal (transfer_close), its package received (transfer_in), and a
record sent to it (transfer_out), the region's files made by the fake region as another sirecords would."""

from __future__ import annotations

import uuid

from sirecords.ledger.context import WriteContext
from sirecords.registry.models import Person
from sirecords.transactions.posting import Transaction, post
from sirecords.transfers import filestore, services
from sirecords.transfers.models import Transfer

from .fake_region import OLD, FakeRegion, register_payload

REGION = "440300"  # this region (tests/conftest.py's; this package has an __init__.py, so no relative import of it)
OLD_NAME = "北京市东城区"  # the region the person left (another province than 440300): fake_region's
__all__ = ["OLD", "OLD_NAME", "REGION", "close", "post_entries", "receive", "register_region", "request", "send"]


def _context() -> WriteContext:
    return WriteContext(actor="clerk.test", reason="test: a transfer", channel="counter", region=REGION)


def post_entries(kind: str, payload: dict):
    """tests/conftest.py's post_entries: `kind` posted with the test context and a new transaction uid."""
    return post(Transaction(kind, payload, _context()))


def register_region(post=post_entries) -> str:
    """The region left (110105), registered here with the fake region's keys, as `sirecords regions add` registers it."""
    post("register_region", register_payload())
    return OLD


def request(person: str, region: str = OLD, *, collect: bool = False, post=post_entries) -> Transfer:
    """The person's transfer request to `region`, posted (approved): the transfer `requested`."""
    entries = post("transfer_request", {"person": person, "from": region, "collect": collect})
    return Transfer.objects.get(uid=entries[0].payload["transfer"])


def close(transfer: Transfer, refusal: str, post=post_entries) -> Transfer:
    """The region left's signed written refusal, recorded by transfer_close: the transfer `closed`."""
    sha = filestore.store(FakeRegion().refusal(transfer.uid, REGION, refusal))
    post("transfer_close", {"refusal_sha256": sha, "transfer": transfer.uid})
    return Transfer.objects.get(uid=transfer.uid)


def receive(transfer: Transfer, months: list[tuple[str, int]], post=post_entries) -> Transfer:
    """The region left's package of `months` (period, base in fen) received with its funds by transfer_in: the transfer
    `received`."""
    number = Person.objects.get(uid=transfer.person).id_number
    package = FakeRegion().package(transfer.uid, REGION, person=uuid.uuid4().hex, id_number=number, months=months)
    total = services.show(package)["funds"]["total"]
    post("transfer_in", {"package_sha256": filestore.store(package), "transfer": transfer.uid,
                         "funds_ref": "ICBC-TEST-0001", "funds_amount": total})
    return Transfer.objects.get(uid=transfer.uid)


def send(person: Person, post=post_entries) -> Transfer:
    """The region joined (the fake region) asked this one for the person's record and transfer_out sent it: a transfer
    `out`, `sent`."""
    letter = uuid.uuid4().hex
    data = FakeRegion().letter(letter, REGION, id_number=person.id_number, name=person.name)
    post("transfer_out", {"letter_sha256": filestore.store(data), "letter": letter, "to": OLD})
    return Transfer.objects.get(uid=letter)

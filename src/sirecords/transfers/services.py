"""Transfers between pooling regions (第十条, docs/transfers.md), as `sirecords transfer` uses them: the joining
region's request (transfer_request, reviewed) and, once it is approved, its contact letter (联系函) to the region the
person left — an envelope (crypto/envelope.py) signed by this region and encrypted to that region's registered key,
written to a file and to `$SIRECORDS_HOME/outbox/<region>/<letter>.letter.json` for the platform connector."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction as db_transaction

from sirecords.core.canonical import canonical_bytes
from sirecords.core.home import home
from sirecords.core.identifiers import InvalidIdentifier
from sirecords.crypto.envelope import seal_envelope
from sirecords.regions.keys import encryption_key_of, signer
from sirecords.registry.models import Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.transfers.models import Transfer
from sirecords.transfers.transactions import TYPE
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import attach, open_transaction, submit

APPLICATION = "transfer_application"


class LetterRefused(ValueError):
    """No letter for this transaction: it is not a transfer request, or not approved."""


def request(actor: Actor, id_number: str, *, from_region: str, document: bytes, document_name: str, collect: bool,
            assigned: bool, reason: str, channel: str) -> BusinessTransaction:
    """Open transfer_request with the person's application scan and submit it: in review until its stages approve it.
    InvalidTransaction with the reason when the rules refuse it (transfers/transactions.py); nothing is kept then."""
    try:
        person = find_person_by_id_number(id_number)
    except InvalidIdentifier as invalid:
        raise InvalidTransaction({"id_number": invalid.message}) from None
    if person is None:
        raise InvalidTransaction({"id_number": "本地区没有以此身份号码登记的参保人 / no insured person is registered here "
                                               "with this ID number (a person is registered before a transfer, even to "
                                               "gather a record: --collect)"})
    payload = {"person": person.uid, "from": from_region, "collect": collect, "assigned": assigned}
    with db_transaction.atomic():
        txn = open_transaction(actor, TYPE, payload, region=settings.SIRECORDS_REGION, reason=reason, channel=channel)
        attach(actor, txn, APPLICATION, document, document_name)
        return submit(actor, txn)


@dataclass(frozen=True)
class Letter:
    letter: str
    to_region: str
    envelope: bytes
    outbox: Path


def letter_content(transfer: Transfer) -> bytes:
    """The contact letter (联系函), canonical JSON, its field names the national codes where there is one."""
    person = Person.objects.get(uid=transfer.person)
    return canonical_bytes({"AAE270": transfer.uid, "AAC002": person.id_number, "AAC003": person.name,
                            "AAB301_from": transfer.other_region, "AAB301_to": settings.SIRECORDS_REGION,
                            "requested_on": transfer.requested_on, "collect": transfer.collect})


def _approved(uid: str) -> Transfer:
    txn = BusinessTransaction.objects.filter(uid=uid).first()
    if txn is None:
        raise LetterRefused(f"没有事务 {uid} / no transaction {uid!r}")
    if txn.type != TYPE:
        raise LetterRefused(f"事务 {uid} 不是转移接续申请（{txn.type}）/ transaction {uid} is a {txn.type}, not a {TYPE}")
    if txn.state != State.POSTED:
        raise LetterRefused(f"转移接续申请 {uid} 尚未审批通过（{txn.state}）/ the transfer request {uid} is not approved "
                            f"(it is {txn.state}): the letter is written once its stages approve it")
    transfer = Transfer.objects.filter(uid=uid).first()
    if transfer is None:  # posted, so projected: only a damaged projection (verify finds it)
        raise LetterRefused(f"没有转移记录 {uid} / no transfer {uid} in transfers_transfer (run sirecords verify)")
    return transfer


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_letter(uid: str, out: Path) -> Letter:
    """The contact letter of the approved transfer request `uid`, sealed to the region left: written to `out` and to
    the outbox. LetterRefused saying why there is none."""
    transfer = _approved(uid)
    try:
        recipient = encryption_key_of(transfer.other_region)
    except LookupError as missing:
        raise LetterRefused(str(missing)) from None
    envelope = seal_envelope("letter", settings.SIRECORDS_REGION, transfer.other_region, transfer.uid,
                             letter_content(transfer), signer=signer(), recipient_public=recipient)
    outbox = home() / "outbox" / transfer.other_region / f"{transfer.uid}.letter.json"
    _write(out, envelope)
    _write(outbox, envelope)
    return Letter(transfer.uid, transfer.other_region, envelope, outbox)

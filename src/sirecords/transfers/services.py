"""Transfers between pooling regions (第十条, docs/transfers.md), as `sirecords transfer` uses them. The joining region:
its request (transfer_request, reviewed) and, once approved, its contact letter (联系函); showing and receiving a
package (transfer_in), closing a request with a written refusal (transfer_close). The region left: answering a letter
(transfer_out), or refusing it in writing; the package of a transfer sent. Every file is an envelope
(crypto/envelope.py) signed by this region and encrypted to the other's registered key, written to a file and to
`$SIRECORDS_HOME/outbox/<region>/<letter>.<kind>.json` for the platform connector (transfers/exchange.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction as db_transaction

from sirecords.core.canonical import canonical_bytes
from sirecords.core.home import home
from sirecords.core.identifiers import InvalidIdentifier, mask_id_number
from sirecords.core.money import fen_to_yuan
from sirecords.ledger.models import Entry
from sirecords.regions.keys import signer
from sirecords.registry.models import Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.registry.subjects import mask_name
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.transfers import exchange, filestore, steps, supplements
from sirecords.transfers.figures import figures
from sirecords.transfers.kinds import TRANSFER_SENT, TRANSFER_SUPPLEMENT_SENT
from sirecords.transfers.models import Transfer, TransferState
from sirecords.transfers.package import build
from sirecords.transfers.record import held
from sirecords.transfers.transactions import TYPE
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import attach, execute, open_transaction, submit

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


def write_letter(uid: str, out: Path) -> Letter:
    """The contact letter of the approved transfer request `uid`, sealed to the region left: written to `out` and to
    the outbox. LetterRefused saying why there is none."""
    transfer = _approved(uid)
    content = letter_content(transfer)
    try:
        envelope = exchange.seal("letter", transfer.other_region, transfer.uid, content)
    except exchange.ExchangeRefused as refused:
        raise LetterRefused(str(refused)) from None
    outbox = home() / "outbox" / transfer.other_region / f"{transfer.uid}.letter.json"
    exchange.write_file(out, envelope)
    exchange.write_file(outbox, envelope)
    return Letter(transfer.uid, transfer.other_region, envelope, outbox)


# --- the region left ------------------------------------------------------------------------------------------------


def send_out(actor: Actor, letter_file: bytes, *, reason: str, channel: str) -> BusinessTransaction:
    """Open and submit transfer_out for a contact letter: the letter verified (ExchangeRefused, nothing opened), the
    person eligible (InvalidTransaction with the reason, nothing opened)."""
    header, letter = steps.read_letter(letter_file)
    person = steps.letter_person(letter)
    why = steps.ineligible(person)
    if why:
        raise InvalidTransaction({"person": why})
    sha = filestore.store(letter_file)
    return execute(actor, steps.OUT, {"letter_sha256": sha, "letter": header["letter"], "to": header["from"]},
                   region=settings.SIRECORDS_REGION, reason=reason, channel=channel)


def refuse(letter_file: bytes, *, reason: str, out: Path) -> Path:
    """The signed written answer (书面说明) to a contact letter: why the record does not move. Written to `out` and the
    outbox; the outbox path. ExchangeRefused for a letter that does not verify."""
    header, _letter = steps.read_letter(letter_file)
    reason = reason.strip()
    if not reason:
        raise exchange.ExchangeRefused("应写明不予转移的理由 / the refusal states its reason")
    content = canonical_bytes({"AAE270": header["letter"], "AAB301_from": settings.SIRECORDS_REGION,
                               "AAB301_to": header["from"], "reason": reason, "answered_on": date.today().isoformat()})
    return exchange.send("refusal", header["from"], header["letter"], content, out)


def _sent(uid: str) -> Transfer:
    transfer = Transfer.objects.filter(uid=uid, direction="out").first()
    if transfer is None:
        raise LetterRefused(f"没有已转出的转移 {uid} / no transfer {uid} sent from this region (transfer_out approved)")
    return transfer


def supplement(actor: Actor, uid: str, *, reason: str, channel: str) -> BusinessTransaction:
    """Open and submit transfer_supplement_out: the transfer `uid` sent from here, its record corrected since, sent
    again (InvalidTransaction with the reason when nothing changed; nothing opened)."""
    _sent(uid)
    return execute(actor, supplements.OUT, {"transfer": uid}, region=settings.SIRECORDS_REGION, reason=reason,
                   channel=channel)


def package_content(transfer: Transfer) -> bytes:
    sent = Entry.objects.filter(kind__in=(TRANSFER_SENT, TRANSFER_SUPPLEMENT_SENT),
                                subject=f"person:{transfer.person}").order_by("-seq").first()
    person = Person.objects.get(uid=transfer.person)
    record = held(person.uid, settings.SIRECORDS_REGION, int(transfer.ended_on[:4]))
    figured = figures(record.record)
    local = sorted(row["period"] for row in record.record.rows if row["paid_on"])
    fields = {"uid": person.uid, "AAC002": person.id_number, "AAC003": person.name, "AAC004": person.sex,
              "AAC006": person.birth_date.isoformat(), "AAC010": person.region,
              "AAE030": local[0] if local else "", "AAE031": local[-1] if local else "",
              "AAE201": len(set(local)), "AAE200": figured.deemed_months}
    header = {"AAE270": transfer.uid, "from": settings.SIRECORDS_REGION, "to": transfer.other_region,
              "AAE035": transfer.ended_on, "year": int(transfer.ended_on[:4])}
    if transfer.supplements:  # the record sent again after a correction: the whole record, corrected
        header["supplement"] = transfer.supplements
    return build(transfer.uid, person=fields, held=record, figured=figured, sent_seq=sent.seq, header=header,
                 signer=signer())


def write_package(uid: str, out: Path) -> Path:
    """The package of the transfer `uid` sent from here, sealed to the region joined: written to `out` and the outbox."""
    transfer = _sent(uid)
    name = f"{transfer.uid}.package-{transfer.supplements}.json" if transfer.supplements else None
    return exchange.send("package", transfer.other_region, transfer.uid, package_content(transfer), out, name=name)


# --- the joining region ---------------------------------------------------------------------------------------------


def close(actor: Actor, refusal_file: bytes, *, channel: str) -> BusinessTransaction:
    """Record the region left's signed refusal: transfer_close, posted as it is submitted (no review stage)."""
    transfer, reason = steps.read_refusal(refusal_file)
    sha = filestore.store(refusal_file)
    return execute(actor, steps.CLOSE, {"refusal_sha256": sha, "transfer": transfer.uid},
                   region=settings.SIRECORDS_REGION, reason=f"转出地书面说明 / refused by {transfer.other_region}: {reason}",
                   channel=channel)


def show(package_file: bytes) -> dict[str, Any]:
    """What a package holds, decrypted (only the addressee can) and checked: from, to, the person masked, rows, funds."""
    transfer, checked = steps.package_of(package_file, state=None)
    person = checked.content.get("person") or {}
    return {"from": checked.content.get("from"), "to": checked.content.get("to"), "transfer": transfer.uid,
            "person": {"id_number": mask_id_number(str(person.get("AAC002", ""))),
                       "name": mask_name(str(person.get("AAC003", "")))},
            "rows": checked.content["rows"], "funds": checked.content["funds"],
            "supplement": steps.supplement_number(checked)}


def receive(actor: Actor, package_file: bytes, *, funds_ref: str, funds_amount: str, reason: str,
            channel: str) -> tuple[BusinessTransaction, dict[str, Any]]:
    """Open and submit transfer_in for a package (or transfer_supplement_in for a supplementary package of a transfer
    received here): everything checked first (ExchangeRefused, PackageRefused, InvalidTransaction — nothing opened),
    then in review until its stages approve it."""
    transfer, checked = steps.package_of(package_file, state=None)  # opened and checked once
    supplement = transfer.state == TransferState.RECEIVED
    if supplement:
        number = supplements.later_supplement(transfer, checked)
    else:
        steps.awaiting(transfer)
    payload = {"package_sha256": filestore.store(package_file), "transfer": transfer.uid, "funds_ref": funds_ref,
               "funds_amount": funds_amount}
    # The amount and the reference checked before anything is opened, as the handler checks them again at posting.
    (supplements.supplement_checked if supplement else steps.received_checked)(payload)
    txn = execute(actor, supplements.IN if supplement else steps.IN, payload, region=settings.SIRECORDS_REGION,
                  reason=reason, channel=channel)
    fen = checked.figures.fen
    out = {"transaction": txn.uid, "months": len(checked.figures.months),
           "deemed_months": checked.figures.deemed_months, "account": fen_to_yuan(fen.account),
           "pooled": fen_to_yuan(fen.pooled), "total": fen_to_yuan(fen.total)}
    if supplement:
        out.update(supplement=number, difference=fen_to_yuan(fen.total - transfer.account_fen - transfer.pooled_fen))
    return txn, out

"""The transfer package (信息表 with its evidence, 第十条; docs/transfers.md "The package"): what the region left
sends once transfer_out is posted, and how the joining region checks it and recomputes what it receives.

Content (canonical JSON, inside the envelope, so only the addressee reads it):

    {"format": "sirecords-transfer-package/1", "AAE270": letter, "from": region left, "to": region joined,
     "AAE035": transfer date, "year": transfer year, "person": {AAC002, AAC003, AAC004, AAC006, AAC010, uid, AAE030,
     AAE031, AAE201, AAE200},
     "checkpoint": the region left's signed checkpoint note (C2SP) covering every entry below,
     "entries": [{"seq", "hash", "preimage", "proof": [hex]}],   every entry about the person, with inclusion proofs
     "entry_set": a signed note "sirecords-transfer-entries/1 / letter / checkpoint size / count / base64 SHA-256 of the
                  entries' hashes in order" (a left-out entry changes count and digest),
     "contribution_rows": [{"entry", "row", "bytes", "proof": [hex]}],  each pension row, proved in its batch's root
     "account_years": [{"entry", "row", "bytes", "proof": [hex]}],      each current account year, proved in its run
     "rows": the table's rows, "funds": ① … ⑥}

`check_package` verifies all of it against the region left's registered key and recomputes `rows` and `funds` from
the proven rows and entries alone (transfers/figures.py): a package whose table does not follow from its evidence is
refused, as is any unproved piece.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection

from sirecords.accounts.kinds import ACCOUNT_YEARS_CREDITED, DEEMED_SERVICE_RECOGNISED
from sirecords.accounts.models import AccountYear
from sirecords.contributions import rows as row_form
from sirecords.contributions.kinds import CONTRIBUTION_BATCH_POSTED, CONTRIBUTION_ROWS_REVERSED
from sirecords.contributions.models import Contribution
from sirecords.core.canonical import canonical_bytes
from sirecords.ledger import merkle, note
from sirecords.ledger.checkpoints import create_checkpoint, current_note
from sirecords.ledger.context import WriteContext
from sirecords.ledger.entry_hash import preimage
from sirecords.ledger.models import Checkpoint, Entry
from sirecords.transfers.figures import Figures, Record, figures
from sirecords.transfers.kinds import TRANSFER_RECEIVED, TRANSFER_SUPPLEMENT_RECEIVED
from sirecords.transfers.record import Held, subject_entry_seqs

FORMAT = "sirecords-transfer-package/1"
SYSTEM_ACTOR = "system"  # who signs a checkpoint made for a package (as for a certificate's evidence)
ENTRY_SET = "sirecords-transfer-entries/1"


class PackageRefused(ValueError):
    """The package does not check out; the message says what (Chinese first, then English)."""


# --- proofs ------------------------------------------------------------------------------------------------------


def _proofs(leaves: list[bytes], indexes: list[int]) -> dict[int, list[str]]:
    """Inclusion proofs (hex) of `indexes` in the tree over `leaves` held in memory: one person's batches and runs, or
    the ledger's leaf hashes up to the checkpoint."""
    return {index: [node.hex() for node in path] for index, path in merkle.inclusion_proofs_of_list(leaves, indexes).items()}


def _ledger_leaves(size: int) -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM ledger_entry WHERE seq <= %s ORDER BY seq", [size])
        return [merkle.leaf_hash(bytes.fromhex(digest)) for (digest,) in cursor.fetchall()]


def _batch_rows(batch: str) -> list[bytes]:
    """Canonical bytes of every row of `batch`, in row order (what its root commits to)."""
    rows = Contribution.objects.filter(batch_id=batch).order_by("row_number").values_list(*row_form.COLUMNS, "kind",
                                                                                           "late_fee_fen")
    return [row_form.row_bytes(tuple(row[:-2]), row[-2], row[-1]) for row in rows]


def _run_leaves(run: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in AccountYear.objects.filter(run_id=run).order_by("row_number")
            .values_list("row_hash", flat=True)]


def _account_year_bytes(row: AccountYear, legacy: bool) -> bytes:
    from sirecords.accounts.crediting import canonical_row

    values = {name: getattr(row, name) for name in ("person_id", "year", "opening_fen", "credits_fen",
                                                     "interest_on_prior_fen", "interest_on_credits_fen", "closing_fen",
                                                     "months", "rate", "rate_status", "method", "interest_from",
                                                     "rule_version")}
    return canonical_row(values, legacy=legacy)


def entry_set_text(letter: str, size: int, hashes: list[str]) -> str:
    digest = hashlib.sha256(b"".join(bytes.fromhex(h) for h in hashes)).digest()
    return f"{ENTRY_SET}\n{letter}\n{size}\n{len(hashes)}\n{base64.b64encode(digest).decode('ascii')}\n"


# --- building (the region left) ----------------------------------------------------------------------------------


def _checkpoint_covering(seq: int) -> Checkpoint:
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is None or latest.size < seq:
        create_checkpoint(WriteContext(actor=SYSTEM_ACTOR, reason="checkpoint for a transfer package", channel="system-job"))
        latest = Checkpoint.objects.order_by("-size").first()
    return latest


def build(letter: str, *, person: dict[str, Any], held: Held, figured: Figures, sent_seq: int, header: dict[str, Any],
          signer) -> bytes:
    """The package's content (canonical JSON bytes). `held` is the person's record and its ledger positions,
    `figured` its table and funds, `sent_seq` the transfer.sent entry (the package covers the record up to it)."""
    batch_entries = {uid: batch.entry_seq for uid, batch in held.batches.items()}
    run_entries = {uid: run.entry_seq for uid, run in held.runs.items()}
    checkpoint = _checkpoint_covering(sent_seq)
    seqs = set(subject_entry_seqs(person["uid"], checkpoint.size)) | set(batch_entries.values()) | set(run_entries.values())
    seqs |= {entry.seq for entry in Entry.objects.filter(kind=CONTRIBUTION_ROWS_REVERSED, seq__lte=checkpoint.size)
             if any(f'"{batch}:' in entry.payload for batch in held.batches)}
    ordered = sorted(seqs)
    leaves = _ledger_leaves(checkpoint.size)
    ledger_proofs = _proofs(leaves, [seq - 1 for seq in ordered])
    entries = []
    for entry in Entry.objects.filter(seq__in=ordered).order_by("seq"):
        image = preimage(entry.seq, entry.kind, entry.subject, entry.txn, entry.actor, entry.reason, entry.channel,
                         entry.recorded_at, entry.effective, entry.prev_hash, entry.payload)
        entries.append({"seq": entry.seq, "hash": entry.hash, "preimage": image.decode("utf-8"),
                        "proof": ledger_proofs[entry.seq - 1]})
    rows = []
    for uid in sorted(held.batches):
        all_rows = _batch_rows(uid)
        mine = sorted(row["row"] for row in held.record.rows if row["batch"] == uid)
        proofs = _proofs([merkle.leaf_hash(data) for data in all_rows], [number - 1 for number in mine])
        rows += [{"entry": batch_entries[uid], "row": number, "bytes": all_rows[number - 1].decode("utf-8"),
                  "proof": proofs[number - 1]} for number in mine]
    years = []
    for row in held.account_rows:
        run_leaves = _run_leaves(row.run_id)
        legacy = run_leaves[row.row_number - 1] != merkle.leaf_hash(_account_year_bytes(row, False))
        proof = _proofs(run_leaves, [row.row_number - 1])[row.row_number - 1]
        years.append({"entry": run_entries[row.run_id], "row": row.row_number,
                      "bytes": _account_year_bytes(row, legacy).decode("utf-8"), "proof": proof})
    entry_set = note.sign_note(entry_set_text(letter, checkpoint.size, [e["hash"] for e in entries]), signer.name,
                               signer.private_key)
    return canonical_bytes({"format": FORMAT, **header, "person": person, "checkpoint": current_note(checkpoint),
                            "entries": entries, "entry_set": entry_set, "contribution_rows": rows,
                            "account_years": years, "rows": figured.rows, "funds": figured.funds})


# --- checking (the joining region) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    content: dict[str, Any]
    figures: Figures


def _json(data: bytes) -> dict[str, Any]:
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageRefused("包内容不是 JSON / the package's content is not JSON") from None
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise PackageRefused(f"包格式不是 {FORMAT} / the package is not in the format {FORMAT}")
    return content


def _proven_entries(content: dict[str, Any], verifier_key: str) -> tuple[int, dict[int, dict]]:
    try:
        signed = note.open_checkpoint(str(content.get("checkpoint", "")), verifier_key)
    except note.NoteError as error:
        raise PackageRefused(f"检查点签名不符 / the checkpoint does not verify with the region's key: {error}") from None
    entries: dict[int, dict] = {}
    hashes = []
    for row in content.get("entries") or []:
        try:
            seq, digest = int(row["seq"]), bytes.fromhex(row["hash"])
            image = str(row["preimage"]).encode("utf-8")
            fields = json.loads(image)
            if hashlib.sha256(image).digest() != digest or fields[1] != seq or seq > signed.size:
                raise ValueError("its hash or position does not match its content")
            merkle.verify_inclusion(seq - 1, signed.size, merkle.leaf_hash(digest), [bytes.fromhex(n) for n in row["proof"]],
                                    signed.root)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise PackageRefused(f"账本条目 {row.get('seq', '?') if isinstance(row, dict) else '?'} 未被检查点证明 / "
                                 f"ledger entry not proved in the checkpoint: {error}") from None
        entries[seq] = {"kind": fields[2], "subject": fields[3], "payload": fields[11]}
        hashes.append(row["hash"])
    if sorted(entries) != [int(row["seq"]) for row in content["entries"]]:
        raise PackageRefused("账本条目重复或未按序 / ledger entries repeated or out of order")
    try:
        text = note.open_note(str(content.get("entry_set", "")), verifier_key)
    except note.NoteError as error:
        raise PackageRefused(f"条目清单签名不符 / the signed entry set does not verify: {error}") from None
    if text != entry_set_text(str(content.get("AAE270")), signed.size, hashes):
        raise PackageRefused("条目清单与所附条目不符：有条目被略去或添加 / the signed count and digest of the entry set do "
                             "not match the entries given: an entry was left out or added")
    return signed.size, entries


def _proven_leaf(item: dict, entries: dict[int, dict], kinds: tuple[str, ...], what: str) -> dict[str, Any]:
    try:
        entry = entries[int(item["entry"])]
        if entry["kind"] not in kinds:
            raise ValueError(f"entry {item['entry']} is a {entry['kind']}")
        root, count = bytes.fromhex(entry["payload"]["rows_root"]), int(entry["payload"]["row_count"])
        data = str(item["bytes"]).encode("utf-8")
        merkle.verify_inclusion(int(item["row"]) - 1, count, merkle.leaf_hash(data),
                                [bytes.fromhex(n) for n in item["proof"]], root)
        return json.loads(data)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise PackageRefused(f"{what}未被其账本条目证明 / a {what} is not proved by its ledger entry: {error}") from None


def _batch_of(entry: dict) -> str:
    return entry["payload"]["batch"]


def proven_record(content: dict[str, Any], entries: dict[int, dict], region: str, year: int) -> Record:
    """The person's record rebuilt from the proven pieces only."""
    person = str((content.get("person") or {}).get("uid", ""))
    rows = []
    for item in content.get("contribution_rows") or []:
        row = _proven_leaf(item, entries, (CONTRIBUTION_BATCH_POSTED,), "缴费记录 contribution row")
        if row.get("person") != person or row.get("insurance_type") != "pension":
            raise PackageRefused("缴费记录不是此人的养老保险记录 / a contribution row is not this person's pension row")
        rows.append({"batch": _batch_of(entries[int(item["entry"])]), "row": row["row"], "period": row["period"],
                     "base_fen": row["base_fen"], "employer_fen": row["employer_fen"],
                     "individual_fen": row["individual_fen"], "account_credit_fen": row["account_credit_fen"],
                     "paid_on": row["paid_on"], "kind": row.get("kind", row_form.ASSESSMENT)})
    years = []
    for item in content.get("account_years") or []:
        row = _proven_leaf(item, entries, (ACCOUNT_YEARS_CREDITED,), "个人账户年度 account year")
        if row.get("person_id") != person:
            raise PackageRefused("个人账户年度不是此人的 / an account year is not this person's")
        years.append({k: row[k] for k in ("year", "opening_fen", "credits_fen", "interest_on_prior_fen",
                                          "interest_on_credits_fen", "closing_fen")})
    if len({y["year"] for y in years}) != len(years):
        raise PackageRefused("同一年度的个人账户给出两次 / an account year is given twice")
    reversed_rows, deemed, received, received_accounts = set(), [], [], []
    taken: dict[str, dict] = {}  # by transfer: the latest package received here (a supplement replaces the package)
    for seq in sorted(entries):
        entry = entries[seq]
        payload = entry["payload"]
        if entry["kind"] == CONTRIBUTION_ROWS_REVERSED:
            for ref in payload.get("rows") or []:
                batch, _, number = str(ref).rpartition(":")
                reversed_rows.add((batch, int(number)))
        elif entry["kind"] == DEEMED_SERVICE_RECOGNISED and entry["subject"] == f"person:{person}":
            deemed.append({k: payload[k] for k in ("region", "start", "end", "months", "work_unit")})
        elif entry["kind"] in (TRANSFER_RECEIVED, TRANSFER_SUPPLEMENT_RECEIVED) and entry["subject"] == f"person:{person}":
            year = taken[payload["transfer"]]["year"] if payload["transfer"] in taken else int(payload["after"]["ended_on"][:4])
            taken[payload["transfer"]] = {"year": year, "payload": payload}
    for transfer in taken.values():
        payload = transfer["payload"]
        received += payload["months"]
        deemed += payload["deemed"]
        received_accounts.append({"year": transfer["year"], "amount_fen": payload["after"]["account_fen"]})
    return Record(region=region, year=year, rows=rows, reversed=reversed_rows, received=received, deemed=deemed,
                  account_years=years, received_accounts=received_accounts)


def check_package(data: bytes, *, verifier_key: str, region: str) -> Checked:
    """The package content `data` (already opened from its envelope) checked against the region left's verifier key
    `verifier_key`, its table and funds recomputed from the proven pieces; PackageRefused saying why otherwise."""
    content = _json(data)
    _size, entries = _proven_entries(content, verifier_key)
    try:
        year = int(content["year"])
    except (KeyError, TypeError, ValueError):
        raise PackageRefused("包未写明转移年度 / the package names no transfer year") from None
    figured = figures(proven_record(content, entries, region, year))
    if canonical_bytes(figured.rows) != canonical_bytes(content.get("rows")):
        raise PackageRefused("信息表与所附证据不符 / the package's table does not follow from its proven rows")
    if canonical_bytes(figured.funds) != canonical_bytes(content.get("funds")):
        raise PackageRefused("转移资金与所附证据不符 / the package's funds do not follow from its proven rows: "
                             f"recomputed {figured.funds}")
    return Checked(content, figured)


"""Another pooling region, for tests in one process: its own keys and a tiny ledger of its own (a person's registration,
a contribution batch, deemed service), from which it writes letters and packages to this region exactly as a
sirecords instance would — checkpoint signed, entries proved, rows proved in their batch, the entry set signed — so the
joining region's checks (transfers/package.py) can be driven file by file, on both engines.
(tests/cli/test_cli_end_to_end.py runs the same steps between two real homes.)"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sirecords.contributions.rows import row_bytes
from sirecords.core.canonical import canonical_bytes, canonical_json
from sirecords.crypto.envelope import Signer, seal_envelope
from sirecords.crypto.keys import transfer_key
from sirecords.ledger import merkle, note
from sirecords.ledger.entry_hash import GENESIS_PREV_HASH, preimage
from sirecords.transfers.figures import Record, figures
from sirecords.transfers.package import FORMAT, entry_set_text

OLD = "110105"
ORIGIN = "sirecords.bj/110105"
SIGNING = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)
ENCRYPTION = X25519PrivateKey.from_private_bytes(bytes([8]) * 32)


def register_payload(code: str = OLD, signing: Ed25519PrivateKey = SIGNING, encryption: X25519PrivateKey = ENCRYPTION,
                     origin: str = ORIGIN) -> dict:
    return {"code": code, "name": "北京市东城区", "verifier_key": note.verifier_key(origin, signing.public_key()),
            "encryption_key": base64.b64encode(encryption.public_key().public_bytes_raw()).decode()}


def _proofs(leaves: list[bytes], indexes: list[int]) -> dict[int, list[str]]:
    return {i: [node.hex() for node in path] for i, path in merkle.inclusion_proofs_of_list(leaves, indexes).items()}


@dataclass
class FakeRegion:
    code: str = OLD
    signing: Ed25519PrivateKey = SIGNING
    origin: str = ORIGIN
    entries: list[dict] = field(default_factory=list)  # {"seq", "hash", "preimage", "kind", "subject", "payload"}
    deemed: list[dict] = field(default_factory=list)  # every deemed service recognised here (its entries go in each package)

    @property
    def signer(self) -> Signer:
        return Signer(self.origin, self.signing)

    def append(self, kind: str, subject: str, payload: dict) -> int:
        seq = len(self.entries) + 1
        prev = self.entries[-1]["hash"] if self.entries else GENESIS_PREV_HASH
        image = preimage(seq, kind, subject, "t" * 32, "clerk.bj", "测试", "cli", "2026-01-01T00:00:00.000000Z", "",
                         prev, canonical_json(payload))
        self.entries.append({"seq": seq, "hash": hashlib.sha256(image).hexdigest(), "preimage": image.decode("utf-8")})
        return seq

    def checkpoint(self) -> tuple[str, list[bytes]]:
        leaves = [merkle.leaf_hash(bytes.fromhex(e["hash"])) for e in self.entries]
        root = merkle.root_of_list(leaves)
        cp = note.Checkpoint(self.origin, len(leaves), root)
        return note.sign_checkpoint(cp, self.origin, self.signing), leaves

    def package(self, letter: str, to: str, *, person: str, id_number: str, months: list[tuple[str, int]],
                deemed: list[dict] = (), year: int = 2026, drop_entry: bool = False, funds_override: dict | None = None,
                sender: str | None = None, addressee: str | None = None, supplement: int | None = None) -> bytes:
        """A package for `letter`: the person (uid `person` in this region) with pension months paid here at the
        given bases (fen), 8 % to the account, and deemed service; every entry proved. `supplement`: a supplementary
        package (the whole record again, after a correction here: the rows of earlier packages are not given again)."""
        self.append("person.registered", f"person:{person}", {"person": person})
        rows = [(n, person, "", period, "pension", "employee", base, base, base * 16 // 100, base * 8 // 100,
                 base * 8 // 100, f"{period}-15", 0, "bj-2026") for n, (period, base) in enumerate(months, start=1)]
        data = [row_bytes(row) for row in rows]
        root = merkle.root_of_list([merkle.leaf_hash(d) for d in data])
        batch = f"bjbatch{len(self.entries)}"
        batch_seq = self.append("contribution_batch.posted", f"batch:{batch}",
                                {"batch": batch, "rows_root": root.hex(), "row_count": len(rows)})
        for service in deemed:
            self.append("deemed_service.recognised", f"person:{person}", {**service, "person": person})
            self.deemed.append(service)
        signed, leaves = self.checkpoint()
        proofs = _proofs(leaves, [e["seq"] - 1 for e in self.entries])
        entries = [{"seq": e["seq"], "hash": e["hash"], "preimage": e["preimage"], "proof": proofs[e["seq"] - 1]}
                   for e in self.entries]
        row_proofs = _proofs([merkle.leaf_hash(d) for d in data], list(range(len(rows))))
        contribution_rows = [{"entry": batch_seq, "row": n + 1, "bytes": d.decode(), "proof": row_proofs[n]}
                             for n, d in enumerate(data)]
        record = Record(region=self.code, year=year,
                        rows=[{"batch": batch, "row": r[0], "period": r[3], "base_fen": r[7], "employer_fen": r[8],
                               "individual_fen": r[9], "account_credit_fen": r[10], "paid_on": r[11],
                               "kind": "assessment"} for r in rows],
                        deemed=[{k: s[k] for k in ("region", "start", "end", "months", "work_unit")} for s in self.deemed])
        figured = figures(record)
        entry_set = note.sign_note(entry_set_text(letter, len(self.entries), [e["hash"] for e in entries]),
                                   self.origin, self.signing)
        if drop_entry:
            entries.pop(0)
        content = canonical_bytes({
            "format": FORMAT, "AAE270": letter, "from": self.code, "to": to, "AAE035": f"{year}-06-30", "year": year,
            "person": {"uid": person, "AAC002": id_number}, "checkpoint": signed, "entries": entries,
            "entry_set": entry_set, "contribution_rows": contribution_rows, "account_years": [],
            "rows": figured.rows, "funds": funds_override or figured.funds,
            **({"supplement": supplement} if supplement is not None else {})})
        return seal_envelope("package", sender or self.code, addressee or to, letter, content, signer=self.signer,
                             recipient_public=transfer_key().public_key())

    def letter(self, letter: str, to: str, *, id_number: str, name: str, sender: str | None = None) -> bytes:
        content = canonical_bytes({"AAE270": letter, "AAC002": id_number, "AAC003": name, "AAB301_from": to,
                                   "AAB301_to": sender or self.code, "requested_on": "2026-12-01", "collect": False})
        return seal_envelope("letter", sender or self.code, to, letter, content, signer=self.signer,
                             recipient_public=transfer_key().public_key())

    def refusal(self, letter: str, to: str, reason: str) -> bytes:
        content = canonical_bytes({"AAE270": letter, "AAB301_from": self.code, "AAB301_to": to, "reason": reason,
                                   "answered_on": "2026-12-02"})
        return seal_envelope("refusal", self.code, to, letter, content, signer=self.signer,
                             recipient_public=transfer_key().public_key())

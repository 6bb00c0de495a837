"""Verify a signed certificate or statement PDF from the file and the agency root alone (offline).

1. pyHanko validates the PAdES signature and its chain to the given root (no fetching: a file signed under any other
   root is refused), and the signature must cover the entire file (nothing appended after signing).
2. The embedded evidence (certificates/proofs.py), covered by that signature: the checkpoint key's certificate
   chains to the same root; the checkpoint note's signature verifies with that key; every entry's hash is the
   SHA-256 of its preimage, and its inclusion proof leads to the root the checkpoint signs.
3. With `database=True`, the certificate's code is looked up in this instance's database and must not be revoked
   (with `replica=True`, the public page's check: on the read replica first, databases/replica.py).

What the document is (code, kind, masked person, issue time) is read from the evidence, which the signature covers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from io import BytesIO
from typing import Any

from cryptography.hazmat.primitives import serialization

from sirecords.certificates.proofs import EVIDENCE_NAME, FORMAT
from sirecords.crypto.pki import PkiError, checkpoint_key_from, load_root, root_pem
from sirecords.databases.replica import replica_alias, replica_configured
from sirecords.ledger import merkle, note


@dataclass
class Verdict:
    valid: bool
    code: str = ""
    kind: str = ""
    person: str = ""  # masked, as the evidence gives it
    issued_at: str = ""
    checkpoint_size: int | None = None
    problems: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _signature_problems(reader, root) -> list[str]:
    from asn1crypto import x509 as asn1_x509  # (these load when a PDF is checked, not at every command's start-up)
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signatures = reader.embedded_signatures
    if len(signatures) != 1:
        return [f"the file carries {len(signatures)} signatures; a certificate carries exactly one"]
    unsigned = (_contents_problem(reader, signatures[0]) or _certificates_problem(signatures[0], root)
                or _cms_problem(signatures[0]))
    if unsigned:
        return [unsigned]
    trust = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[trust], allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(signatures[0], context)
    except (SignatureValidationError, ValueError, KeyError) as error:
        return [f"the signature could not be validated: {error}"]
    problems = []
    if not status.intact or not status.valid:
        problems.append("the signature does not match the document: it was changed after signing")
    if not status.trusted:
        problems.append("the signing certificate does not chain to the trusted root")
    # The agency's document signer has both usages (crypto/pki.py); another certificate of the root, such as the
    # checkpoint key's, has no nonRepudiation and cannot pass for it. (pyHanko's constraint accepts either one.)
    usage = status.signing_cert.key_usage_value if status.signing_cert is not None else None
    if not {"digital_signature", "non_repudiation"} <= set(usage.native if usage is not None else ()):
        problems.append("the signing certificate is not a document signing certificate (digitalSignature and nonRepudiation)")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("the signature does not cover the whole file: something was added after signing")
    if not problems and not status.bottom_line:
        problems.append(f"the signature is not valid: {status.summary()}")
    return problems


def _der_length(data: bytes) -> int:
    """The length of the DER value (tag, length, content) at the start of `data`."""
    if len(data) < 2:
        raise ValueError("too short")
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if not 0 < count <= 4 or len(data) < 2 + count:
        raise ValueError("bad length")
    return 2 + count + int.from_bytes(data[2:2 + count], "big")


def _contents_problem(reader, signature) -> str:
    """The bytes the signature does not cover (its /Contents hex string) must be exactly what a signer writes: the
    CMS in upper-case hex, then zeros. Otherwise a byte changed in the padding, which no digest covers, would pass."""
    try:
        byte_range = [int(value) for value in signature.sig_object["/ByteRange"]]
        reader.stream.seek(byte_range[1])
        gap = reader.stream.read(byte_range[2] - byte_range[1])
        digits = gap[1:-1]
        if gap[:1] != b"<" or gap[-1:] != b">" or digits.strip(b"0123456789ABCDEF") or len(digits) % 2:
            return "the signature's contents were changed (not upper-case hex)"
        raw = bytes.fromhex(digits.decode("ascii"))
        if raw[_der_length(raw):].strip(b"\0"):
            return "the signature's contents were changed after the signature"
    except (KeyError, TypeError, ValueError, IndexError):
        return "the signature's byte range is malformed"
    return ""


def _certificates_problem(signature, root) -> str:
    """Every certificate the signature carries is the root itself or one the root issued. The certificate set is
    outside what the signature covers: a changed copy of the root in it would otherwise pass unnoticed."""
    from cryptography import x509

    root_der = root.public_bytes(serialization.Encoding.DER)
    try:
        for choice in signature.signed_data["certificates"] or []:
            der = choice.chosen.dump()
            if der == root_der:
                continue
            x509.load_der_x509_certificate(der).verify_directly_issued_by(root)
    except Exception:  # noqa: BLE001 — any failure to parse or verify one means the set was changed
        return "the signature carries a certificate the trusted root did not issue"
    return ""


def _cms_problem(signature) -> str:
    """The parts of the CMS no signature covers hold exactly what sign_pdf writes (PAdES B-B, one signer), in
    canonical DER: a byte changed there is refused like any other."""
    from asn1crypto import cms

    try:
        data = signature.signed_data
        info = data["signer_infos"]
        der = bytes(signature.pkcs7_content)
        der = der[:_der_length(der)]
        canonical = cms.ContentInfo.load(der).dump(force=True)
        if (der != canonical or len(info) != 1 or data["version"].native != "v1" or info[0]["version"].native != "v1"
                or [a.dump() for a in data["digest_algorithms"]] != [info[0]["digest_algorithm"].dump()]
                or data["encap_content_info"].native != {"content_type": "data", "content": None}
                or data["crls"].native is not None or info[0]["unsigned_attrs"].native is not None
                or info[0]["sid"].name != "issuer_and_serial_number"):
            return "the signature's unsigned parts were changed"
    except (ValueError, TypeError, KeyError, AttributeError):
        return "the signature's unsigned parts do not parse"
    return ""


def _embedded(reader, name: str) -> bytes | None:
    """The embedded file `name` from the document's EmbeddedFiles name tree (flat Names array, as sign_pdf writes)."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return None
    for position in range(0, len(names) - 1, 2):
        if str(names[position]) == name:
            return names[position + 1].get_object()["/EF"]["/F"].get_object().data
    return None


def _evidence_problems(evidence: dict[str, Any], root, verdict: Verdict) -> list[str]:
    if evidence.get("format") != FORMAT:
        return [f"the evidence is not in the format {FORMAT}"]
    checkpoint = evidence.get("checkpoint") or {}
    try:
        key, origin = checkpoint_key_from(str(checkpoint.get("certificate", "")).encode("ascii"), root)
        signed = note.open_checkpoint(str(checkpoint.get("note", "")), note.verifier_key(origin, key))
    except PkiError as error:
        return [str(error)]
    except (note.NoteError, UnicodeEncodeError) as error:
        return [f"the checkpoint's signature does not verify with the certified key: {error}"]
    if signed.origin != origin:
        return [f"the checkpoint is of ledger {signed.origin!r}, the key certified for {origin!r}"]
    verdict.checkpoint_size = signed.size
    entries = evidence.get("entries") or []
    if not entries:
        return ["the evidence names no ledger entry"]
    problems = []
    for row in entries:
        try:
            seq, digest, image = int(row["seq"]), bytes.fromhex(row["hash"]), str(row["preimage"]).encode("utf-8")
            proof = [bytes.fromhex(node) for node in row["proof"]]
            if hashlib.sha256(image).digest() != digest:
                raise merkle.ProofError("its hash is not the SHA-256 of its content")
            if json.loads(image)[1] != seq:
                raise merkle.ProofError("its content names another position")
            merkle.verify_inclusion(seq - 1, signed.size, merkle.leaf_hash(digest), proof, signed.root)
        except (KeyError, TypeError, ValueError, IndexError) as error:  # ProofError is a ValueError
            problems.append(f"ledger entry {row.get('seq', '?') if isinstance(row, dict) else '?'}: not proved in the checkpoint: {error}")
    return problems


def verify_pdf(data: bytes, *, trust_root_pem: bytes | None, database: bool, replica: bool = False) -> Verdict:
    """Check `data` (a signed certificate PDF) against the root `trust_root_pem` (None: this instance's root):
    signature, chain, evidence; with `database`, also that this instance has not revoked it (read as
    certificate_by_code reads it with `replica`). Never raises for a bad file: the Verdict lists the problems, and
    `valid` is True only when there is none."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    verdict = Verdict(valid=False)
    try:
        root = load_root(trust_root_pem if trust_root_pem is not None else root_pem())
    except (PkiError, ValueError) as error:
        verdict.problems.append(str(error))
        return verdict
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        verdict.problems += _signature_problems(reader, root)
        raw = _embedded(reader, EVIDENCE_NAME)
    except Exception as error:  # noqa: BLE001 — a damaged file can fail anywhere in the parser: it is then not valid
        verdict.problems.append(f"not a readable signed PDF: {type(error).__name__}: {error}")
        return verdict
    if raw is None:
        verdict.problems.append(f"the file carries no evidence ({EVIDENCE_NAME})")
        return verdict
    try:
        evidence = json.loads(raw)
        if not isinstance(evidence, dict):
            raise ValueError("not an object")
    except ValueError as error:
        verdict.problems.append(f"the evidence is not JSON: {error}")
        return verdict
    document = evidence.get("document") or {}
    verdict.code, verdict.kind = str(document.get("code", "")), str(document.get("kind", ""))
    verdict.person, verdict.issued_at = str(document.get("person", "")), str(document.get("issued_at", ""))
    verdict.problems += _evidence_problems(evidence, root, verdict)
    if database:
        verdict.problems += revocation_problems(verdict.code, replica=replica)
    verdict.valid = not verdict.problems
    return verdict


def certificate_by_code(code: str, *, replica: bool = False):
    """The Certificate `code`, or None. With `replica` (the public page: no write, and a moment old will do), read on
    the read replica when one is configured, and on `default` when the replica does not know the code — one issued a
    moment ago may not have reached it yet. A revocation of a moment ago may likewise show a moment late."""
    from sirecords.certificates.models import Certificate

    if not code:
        return None
    if replica:
        found = Certificate.objects.using(replica_alias()).filter(code=code).first()
        if found is not None or not replica_configured():
            return found
    return Certificate.objects.filter(code=code).first()


def revocation_problems(code: str, *, replica: bool = False) -> list[str]:
    """What this instance's database says against the certificate `code`: unknown, or revoked."""
    found = certificate_by_code(code, replica=replica)
    if found is None:
        return [f"certificate {code!r} is not known to this agency's database"]
    if found.revoked_on:
        return [f"certificate {code} was revoked on {found.revoked_on}"]
    return []

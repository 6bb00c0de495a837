"""The envelope of a transfer between pooling regions (第十条, docs/transfers.md): one file, its content encrypted to
the receiving region and signed by the sending one. Pure crypto: the keys are passed in, no Django.

    {"ciphertext": B64, "format": "sirecords-transfer/1", "from": "440300", "kind": "letter", "letter": ID,
     "signature": B64, "to": "110105"}

written as canonical JSON (UTF-8, keys sorted, no whitespace), so one envelope has one byte form.

- The *header* is the object without `ciphertext` and `signature`: format, kind, from, to, letter.
- `ciphertext` is base64 of HPKE's single-shot output `enc || ct` (RFC 9180, base mode, suite DHKEM(X25519,
  HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM; `enc`, the ephemeral X25519 public key of this envelope, is its first 32
  bytes). HPKE's `info` is the canonical JSON of the header, so the key that decrypts depends on every header field;
  `aad` is empty. (cryptography 48's HPKE takes `info`, not `aad`, in its public API: it seals and opens; the RFC's
  steps are written out below only to seal with a given ephemeral key, for the test vector.)
- `signature` is base64 of `key ID (4 bytes) || Ed25519 signature (64 bytes)` over the note text

      sirecords-transfer/1\\n<canonical header JSON>\\n<base64 SHA-256 of the raw ciphertext>\\n

  i.e. exactly the signature line of a C2SP signed note (c2sp.org/signed-note) of that text, by the sending region's
  signed-note key: ``text + "\\n— <key name> <signature>\\n"`` opens with golang.org/x/mod/sumdb/note and the verifier
  key the sender published (`sirecords regions self`). The text's second line is JSON, so it can never be read as a
  checkpoint (whose second line is a tree size), nor as one of the instance's JSON statements (which start with `{`).

Opening checks, in order, and refuses with its own error: the form (canonical JSON, exactly these fields), the format
and kind, the sender (a region registered with a verifier key), the signature (a changed byte anywhere), the addressee
(this region), and the decryption.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from sirecords.core import base64text
from sirecords.core.canonical import canonical_bytes

FORMAT = "sirecords-transfer/1"
KINDS = ("letter", "package", "refusal")
FIELDS = ("ciphertext", "format", "from", "kind", "letter", "signature", "to")
REGION = re.compile(r"[0-9]{6}\Z")
LETTER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}\Z")
ED25519_TYPE = 0x01  # signed-note signature type of an Ed25519 key
ENC_SIZE = 32  # an X25519 public key

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class EnvelopeError(ValueError):
    """An envelope is refused; the subclass says why (each message Chinese first, then English)."""


class EnvelopeMalformed(EnvelopeError):
    """Not canonical JSON with exactly the envelope's fields, or a field not of its form."""


class UnknownFormat(EnvelopeError):
    """A format other than sirecords-transfer/1, or a kind other than letter, package, refusal."""


class UnknownSender(EnvelopeError):
    """The sending region is not registered (no verifier key for it)."""


class SignatureInvalid(EnvelopeError):
    """The signature does not verify with the sender's key: a byte changed, or another key signed."""


class WrongAddressee(EnvelopeError):
    """Addressed to another region."""


class Undecryptable(EnvelopeError):
    """Signed, but this region's key does not decrypt it (encrypted to another key, or made wrongly)."""


@dataclass(frozen=True)
class Signer:
    """A region's signed-note key: the key name of its verifier key (the ledger origin) and the private key."""

    name: str
    private_key: Ed25519PrivateKey


@dataclass(frozen=True)
class Verifier:
    """A registered region's signed-note verifier key, parsed: key name and public key."""

    name: str
    public_key: Ed25519PublicKey


_b64 = base64text.encode


def _unb64(text: str, field: str) -> bytes:
    try:
        return base64text.decode(text)
    except base64text.NotCanonicalBase64 as problem:
        kind = "不是规范 base64" if "canonical" in str(problem) else "不是 base64"
        raise EnvelopeMalformed(f"信封字段 {field} {kind} / envelope field {field} is {problem}") from None


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The signed-note key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4] (as ledger.note.key_hash)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key.public_bytes_raw()).digest()[:4]


def header_bytes(header: dict[str, str]) -> bytes:
    return canonical_bytes({name: header[name] for name in ("format", "kind", "from", "to", "letter")})


def signed_text(header: dict[str, str], ciphertext: bytes) -> str:
    """The note text the signature is over."""
    return f"{FORMAT}\n{header_bytes(header).decode('utf-8')}\n{_b64(hashlib.sha256(ciphertext).digest())}\n"


def _check_header(header: dict[str, str]) -> None:
    if header["format"] != FORMAT:
        raise UnknownFormat(f"未知的信封格式 {header['format']!r} / unknown envelope format (want {FORMAT})")
    if header["kind"] not in KINDS:
        raise UnknownFormat(f"未知的信封种类 {header['kind']!r} / unknown envelope kind (want one of {', '.join(KINDS)})")
    for field in ("from", "to"):
        if not REGION.match(header[field]):
            raise EnvelopeMalformed(f"信封字段 {field} 不是六位地区代码 / envelope field {field} is not a six-digit region")
    if header["from"] == header["to"]:
        raise EnvelopeMalformed("寄件与收件地区相同 / the envelope is from and to the same region")
    if not LETTER.match(header["letter"]):
        raise EnvelopeMalformed("信封字段 letter 格式不对 / envelope field letter is not a letter id "
                                "(letters, digits and . _ : -, at most 100)")


# --- HPKE (RFC 9180), base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM ---

_KEM_ID, _KDF_ID, _AEAD_ID = 0x0020, 0x0001, 0x0002
_KEM_SUITE = b"KEM" + _KEM_ID.to_bytes(2, "big")
_HPKE_SUITE = b"HPKE" + _KEM_ID.to_bytes(2, "big") + _KDF_ID.to_bytes(2, "big") + _AEAD_ID.to_bytes(2, "big")


def _extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), b"HPKE-v1" + suite + label + ikm, hashlib.sha256).digest()


def _expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info
    return HKDFExpand(hashes.SHA256(), length, labeled).derive(prk)


def hpke_seal(recipient: X25519PublicKey, info: bytes, plaintext: bytes, *, ephemeral: X25519PrivateKey) -> bytes:
    """RFC 9180 SealBase with the given ephemeral key (aad empty): `enc || ct`, what hpke.Suite.encrypt returns when
    it draws that ephemeral key. For test vectors only: seal_envelope draws a new key for each envelope."""
    enc = ephemeral.public_key().public_bytes_raw()
    dh = ephemeral.exchange(recipient)
    kem_context = enc + recipient.public_bytes_raw()
    shared = _expand(_KEM_SUITE, _extract(_KEM_SUITE, b"", b"eae_prk", dh), b"shared_secret", kem_context, 32)
    context = (b"\x00" + _extract(_HPKE_SUITE, b"", b"psk_id_hash", b"")
               + _extract(_HPKE_SUITE, b"", b"info_hash", info))
    secret = _extract(_HPKE_SUITE, shared, b"secret", b"")
    key = _expand(_HPKE_SUITE, secret, b"key", context, 32)
    nonce = _expand(_HPKE_SUITE, secret, b"base_nonce", context, 12)  # sequence number 0: the base nonce itself
    return enc + AESGCM(key).encrypt(nonce, plaintext, b"")


# --- sealing and opening ---

def seal_envelope(kind: str, from_region: str, to_region: str, letter_id: str, content: bytes, *, signer: Signer,
                  recipient_public: X25519PublicKey, ephemeral: X25519PrivateKey | None = None) -> bytes:
    """The envelope (canonical JSON bytes) of `content` from `from_region` to `to_region`, encrypted to the receiving
    region's X25519 key and signed with the sending region's signed-note key. `ephemeral` only for test vectors."""
    header = {"format": FORMAT, "kind": kind, "from": from_region, "to": to_region, "letter": letter_id}
    _check_header(header)
    info = header_bytes(header)
    if ephemeral is None:
        ciphertext = _SUITE.encrypt(content, recipient_public, info=info)
    else:
        ciphertext = hpke_seal(recipient_public, info, content, ephemeral=ephemeral)
    text = signed_text(header, ciphertext)
    signature = key_id(signer.name, signer.private_key.public_key()) + signer.private_key.sign(text.encode("utf-8"))
    return canonical_bytes({**header, "ciphertext": _b64(ciphertext), "signature": _b64(signature)})


def read_header(data: bytes) -> dict[str, str]:
    """The envelope's fields, its form checked (canonical JSON, exactly the fields, all text), nothing verified."""
    try:
        envelope = json.loads(data.decode("utf-8")) if isinstance(data, bytes) else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        envelope = None
    if not isinstance(envelope, dict):
        raise EnvelopeMalformed("不是 JSON 对象 / the envelope is not a JSON object")
    if sorted(envelope) != sorted(FIELDS):
        raise EnvelopeMalformed(f"信封字段应为 {', '.join(FIELDS)} / the envelope's fields are not exactly "
                                f"{', '.join(FIELDS)} (it has {', '.join(sorted(envelope))})")
    if not all(isinstance(value, str) for value in envelope.values()):
        raise EnvelopeMalformed("信封字段都应为字符串 / every envelope field is a string")
    if canonical_bytes(envelope) != data:
        raise EnvelopeMalformed("信封不是规范 JSON（有字节被改动或添加）/ the envelope is not canonical JSON "
                                "(a byte was changed or added)")
    return envelope


def open_envelope(data: bytes, *, verifier_for: Callable[[str], Verifier | None], recipient_private: X25519PrivateKey,
                  expected_to: str) -> tuple[dict[str, str], bytes]:
    """(header, content) of an envelope addressed to `expected_to`, signed by the key `verifier_for(from)` gives (None:
    the sender is not registered) and decrypted with `recipient_private`; an EnvelopeError subclass otherwise."""
    envelope = read_header(data)
    header = {name: envelope[name] for name in ("format", "kind", "from", "to", "letter")}
    _check_header(header)
    verifier = verifier_for(header["from"])
    if verifier is None:
        raise UnknownSender(f"寄件地区 {header['from']} 未登记 / the sending region {header['from']} is not registered "
                            f"(sirecords regions add)")
    ciphertext = _unb64(envelope["ciphertext"], "ciphertext")
    signature = _unb64(envelope["signature"], "signature")
    if len(signature) != 4 + 64 or signature[:4] != key_id(verifier.name, verifier.public_key):
        raise SignatureInvalid(f"签名不是地区 {header['from']} 登记的密钥所签 / the signature is not by the key "
                               f"registered for region {header['from']}")
    try:
        verifier.public_key.verify(signature[4:], signed_text(header, ciphertext).encode("utf-8"))
    except InvalidSignature:
        raise SignatureInvalid(f"签名不符：信封被改动 / the signature of region {header['from']} does not verify: the "
                               f"envelope was changed") from None
    if header["to"] != expected_to:
        raise WrongAddressee(f"信封寄往地区 {header['to']}，不是本地区 {expected_to} / the envelope is addressed to "
                             f"region {header['to']}, not to this region {expected_to}")
    if len(ciphertext) < ENC_SIZE + 16:
        raise Undecryptable("密文过短 / the ciphertext is too short to decrypt")
    try:
        content = _SUITE.decrypt(ciphertext, recipient_private, info=header_bytes(header))
    except (InvalidTag, ValueError):
        raise Undecryptable("本地区的密钥解不开此信封 / this region's key does not decrypt the envelope") from None
    return header, content

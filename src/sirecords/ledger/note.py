"""C2SP signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint), Ed25519.

Pure Python, no Django. A checkpoint is the note text

    <origin>\\n<tree size>\\n<base64 root hash>\\n

followed by a blank line and signature lines ``— <key name> <base64(key ID || signature)>``.
Interoperable with golang.org/x/mod/sumdb/note and the transparency-dev tooling.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sirecords.core import base64text

__all__ = [
    "NoteError",
    "Checkpoint",
    "parse_checkpoint_body",
    "key_hash",
    "verifier_key",
    "parse_verifier_key",
    "sign_note",
    "open_note",
    "note_text",
    "sign_checkpoint",
    "open_checkpoint",
]

ED25519_TYPE = 0x01  # signed-note signature type identifier for Ed25519
ROOT_SIZE = 32
SIG_PREFIX = "\u2014 "  # em dash, space
# The spec says verifiers SHOULD bound the signature count and MUST accept at least 16;
# 100 is the bound golang.org/x/mod/sumdb/note uses.
MAX_SIGNATURES = 100

_SIZE_RE = re.compile(r"0|[1-9][0-9]*")
_KEY_ID_RE = re.compile(r"[0-9a-fA-F]{8}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII control characters other than newline


class NoteError(ValueError):
    """A note, checkpoint or key is malformed, unsigned by the expected key, or forged."""


# --- helpers ---


def _check_text(text: str, what: str) -> None:
    """Notes MUST be valid UTF-8 with no ASCII control characters other than newline."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise NoteError(f"{what} is not valid UTF-8 (lone surrogate at {e.start})") from None
    control = _CONTROL.search(text)
    if control:
        raise NoteError(f"{what} contains control character {control.group()!r} at offset {control.start()}")


def _is_valid_name(name: str) -> bool:
    # Non-empty, no Unicode spaces, no '+' (it separates fields of a verifier key).
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(ch.isspace() or ch < " " for ch in name)
    )


def _check_name(name: str) -> None:
    if not _is_valid_name(name):
        raise NoteError(f"invalid key name {name!r}: must be non-empty, without spaces or '+'")


_b64encode = base64text.encode


def _b64decode(s: str, what: str) -> bytes:
    """Standard base64 (RFC 4648 §4), padded and canonical: one text per byte string."""
    try:
        return base64text.decode(s)
    except base64text.NotCanonicalBase64 as problem:
        raise NoteError(f"{what} is {problem}") from None


# --- checkpoints ---


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    # Extension lines (the 4th line on): opaque to the format, each non-empty. This project writes one per
    # anchored log (checkpoints.anchor_line); signed with the rest, so witness copies carry them.
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise NoteError("checkpoint origin must be a non-empty string")
        if "\n" in self.origin:
            raise NoteError("checkpoint origin must be a single line")
        _check_text(self.origin, "checkpoint origin")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise NoteError(f"checkpoint size must be a non-negative int, got {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise NoteError(f"checkpoint root must be {ROOT_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise NoteError("checkpoint extension lines must be a tuple of strings")
        for line in self.extensions:
            if not isinstance(line, str) or not line or "\n" in line:
                raise NoteError(f"checkpoint extension line {line!r} must be a non-empty single line")
            _check_text(line, "checkpoint extension line")

    def body(self) -> str:
        return "".join(f"{line}\n" for line in (self.origin, str(self.size), _b64encode(self.root), *self.extensions))


def parse_checkpoint_body(text: str) -> Checkpoint:
    """Parse checkpoint note text strictly; extension lines (4th line on) are kept as given."""
    _check_text(text, "checkpoint")
    if not text.endswith("\n"):
        raise NoteError("checkpoint does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError(f"checkpoint has {len(lines)} lines, want at least 3")
    for i, line in enumerate(lines):
        if not line:
            raise NoteError(f"checkpoint line {i + 1} is empty")
    origin, size_s, root_s = lines[:3]
    if not _SIZE_RE.fullmatch(size_s):
        raise NoteError(f"checkpoint tree size {size_s!r} is not a decimal without leading zeros")
    root = _b64decode(root_s, "checkpoint root hash")
    if len(root) != ROOT_SIZE:
        raise NoteError(f"checkpoint root hash has length {len(root)}, want {ROOT_SIZE}")
    return Checkpoint(origin=origin, size=int(size_s), root=root, extensions=tuple(lines[3:]))


# --- keys ---


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes_raw()


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """4-byte key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    _check_name(name)
    data = name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + _public_bytes(public_key)
    return hashlib.sha256(data).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """``<name>+<8 hex key ID>+<base64(0x01 || public key)>``, as in sumdb/note."""
    kid = key_hash(name, public_key)
    return f"{name}+{kid.hex()}+{_b64encode(bytes([ED25519_TYPE]) + _public_bytes(public_key))}"


def _parse_verifier_key(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    # The name cannot contain '+', but the base64 key can: split at the first two only.
    parts = vkey.split("+", 2) if isinstance(vkey, str) else []
    if len(parts) != 3:
        raise NoteError("malformed verifier key: want <name>+<hex key ID>+<base64 key>")
    name, kid_hex, key_b64 = parts
    _check_name(name)
    if not _KEY_ID_RE.fullmatch(kid_hex):
        raise NoteError(f"malformed verifier key: key ID {kid_hex!r} is not 8 hex digits")
    key = _b64decode(key_b64, "verifier key")
    if len(key) != 33 or key[0] != ED25519_TYPE:
        raise NoteError("verifier key is not an Ed25519 key (type 0x01 and 32 bytes)")
    public_key = Ed25519PublicKey.from_public_bytes(key[1:])
    kid = key_hash(name, public_key)
    if kid != bytes.fromhex(kid_hex):
        raise NoteError(f"verifier key ID {kid_hex} does not match its name and key")
    return name, kid, public_key


def parse_verifier_key(vkey: str) -> tuple[str, Ed25519PublicKey]:
    """(key name, public key) of a verifier key ``<name>+<hex key ID>+<base64 key>``; NoteError when it is malformed
    or its key ID is not its name's and key's (another region's key checked before it is registered: regions/)."""
    name, _kid, public_key = _parse_verifier_key(vkey)
    return name, public_key


# --- notes ---


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the full signed note: body, blank line, one signature line."""
    _check_name(name)
    _check_text(body, "note text")
    if not body.endswith("\n"):
        raise NoteError("note text must end with a newline")
    kid = key_hash(name, private_key.public_key())
    sig = private_key.sign(body.encode("utf-8"))
    return f"{body}\n{SIG_PREFIX}{name} {_b64encode(kid + sig)}\n"


def open_note(note: str, verifier_key: str) -> str:
    """Verify ``note`` carries a valid signature by ``verifier_key``; return its text.

    Signatures from other keys (a different name or key ID) are ignored but must be
    well-formed. Any signature from the given key that fails to verify rejects the note.
    """
    name, kid, public_key = _parse_verifier_key(verifier_key)
    _check_text(note, "note")
    # The text ends at the last blank line; what follows are signature lines.
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, sig_block = note[: split + 1], note[split + 2 :]
    if not sig_block or not sig_block.endswith("\n"):
        raise NoteError("malformed note: signature block is empty or lacks a final newline")
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")

    message = text.encode("utf-8")
    verified = False
    for i, line in enumerate(lines, start=1):
        if not line.startswith(SIG_PREFIX):
            raise NoteError(f"malformed signature line {i}: must start with an em dash and space")
        sig_name, sep, sig_b64 = line[len(SIG_PREFIX) :].partition(" ")
        if not sep:
            raise NoteError(f"malformed signature line {i}: want '— <key name> <signature>'")
        if not _is_valid_name(sig_name):
            raise NoteError(f"malformed signature line {i}: bad key name")
        sig = _b64decode(sig_b64, f"signature on line {i}")
        if len(sig) < 5:
            raise NoteError(f"malformed signature line {i}: signature too short")
        if sig_name != name or sig[:4] != kid:
            continue  # another key's signature (e.g. a witness cosignature)
        try:
            public_key.verify(sig[4:], message)
        except InvalidSignature:
            raise NoteError(f"invalid signature from key {name!r} on line {i}") from None
        verified = True
    if not verified:
        raise NoteError(f"note has no signature from key {name!r}")
    return text


def note_text(note: str) -> str:
    """The text of a note (up to its last blank line), signatures NOT checked: for a note whose signature was
    checked before (open_note) and is read again."""
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    return note[: split + 1]


def sign_checkpoint(cp: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    return sign_note(cp.body(), name, private_key)


def open_checkpoint(note: str, verifier_key: str) -> Checkpoint:
    """Verify and parse a signed checkpoint. Whether the key name should equal the origin
    (the spec's SHOULD) is left to the caller, which knows the log it expects."""
    return parse_checkpoint_body(open_note(note, verifier_key))

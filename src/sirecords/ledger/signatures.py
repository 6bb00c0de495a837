"""What the instance signs with its Ed25519 key (crypto.keys: signing.key), besides checkpoint notes.

A *statement* is canonical JSON (core.canonical) that names its kind and the ledger's origin, so a signature
made for one kind of statement (the ledger head, a chained log's head) or by another instance never checks as
another. Signatures are kept as hex.

Someone who can write the database but does not hold the key can copy an old signature back, never make a
new one: what such a person can still do (roll a head back to an older signed state) is found by comparing
with the checkpoints copied outside the database (docs/ledger.md).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.conf import settings

from sirecords.core.canonical import canonical_bytes
from sirecords.crypto.keys import active_keys


def origin() -> str:
    return settings.SIRECORDS_LEDGER_ORIGIN


def statement(kind: str, **fields: Any) -> bytes:
    return canonical_bytes({"kind": kind, "origin": origin(), **fields})


# Statements this process signed or already found valid, so the head it signed a moment ago is not checked again at
# the next append: a check's answer depends only on the key, the message and the signature, all part of the entry.
_known_valid: OrderedDict[tuple[bytes, bytes, str], None] = OrderedDict()
_KNOWN_MAX = 256


def _remember(entry: tuple[bytes, bytes, str]) -> None:
    _known_valid[entry] = None
    _known_valid.move_to_end(entry)
    while len(_known_valid) > _KNOWN_MAX:
        _known_valid.popitem(last=False)


def _public() -> bytes:
    return active_keys().public_key.public_bytes_raw()


def sign_bytes(message: bytes) -> str:
    signature = active_keys().signing_key.sign(message).hex()
    _remember((_public(), message, signature))
    return signature


def valid_bytes(message: bytes, signature: str) -> bool:
    entry = (_public(), message, signature or "")
    if entry in _known_valid:
        return True
    try:
        active_keys().public_key.verify(bytes.fromhex(signature or ""), message)
    except (InvalidSignature, ValueError):
        return False
    _remember(entry)
    return True


def sign(kind: str, **fields: Any) -> str:
    return sign_bytes(statement(kind, **fields))


def valid(signature: str, kind: str, **fields: Any) -> bool:
    return valid_bytes(statement(kind, **fields), signature)

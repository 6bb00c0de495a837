"""What the instance signs with its Ed25519 key (crypto.keys: signing.key), besides checkpoint notes.

A *statement* is canonical JSON (core.canonical) that names its kind and the ledger's origin, so a signature
made for one kind of statement (the ledger head, a chained log's head) or by another instance never checks as
another. Signatures are kept as hex.

Someone who can write the database but does not hold the key can copy an old signature back, never make a
new one: what such a person can still do (roll a head back to an older signed state) is found by comparing
with the checkpoints copied outside the database (docs/ledger.md).
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from django.conf import settings

from sirecords.core.canonical import canonical_bytes
from sirecords.crypto.keys import active_keys


def origin() -> str:
    return settings.SIRECORDS_LEDGER_ORIGIN


def statement(kind: str, **fields: Any) -> bytes:
    return canonical_bytes({"kind": kind, "origin": origin(), **fields})


def sign_bytes(message: bytes) -> str:
    return active_keys().signing_key.sign(message).hex()


def valid_bytes(message: bytes, signature: str) -> bool:
    try:
        active_keys().public_key.verify(bytes.fromhex(signature or ""), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def sign(kind: str, **fields: Any) -> str:
    return sign_bytes(statement(kind, **fields))


def valid(signature: str, kind: str, **fields: Any) -> bool:
    return valid_bytes(statement(kind, **fields), signature)

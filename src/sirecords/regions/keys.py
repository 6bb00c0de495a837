"""This region's transfer keys and the registered regions' keys, as crypto/envelope.py takes them.

Signing: an envelope is signed with the key that signs the checkpoint notes now (crypto.keys: checkpoint.key after a
rotation, else signing.key), under the ledger origin's name, so the verifier key published by `sirecords regions
self` is the one `sirecords checkpoint --verifier-key` prints, and an envelope's signature is a signed-note
signature (docs/transfers.md). After `sirecords checkpoint --rotate-key` the other regions register the new one.

Encryption: transfer.key (crypto.keys.transfer_key), X25519; its public half is published as base64 of 32 bytes.
"""

from __future__ import annotations

import base64

from django.conf import settings

from sirecords.crypto.envelope import Signer, Verifier
from sirecords.crypto.keys import active_keys, transfer_key
from sirecords.ledger import note, signatures
from sirecords.regions.models import Region
from sirecords.regions.transactions import parse_encryption_key


def signer() -> Signer:
    return Signer(signatures.origin(), active_keys().note_key)


def own_verifier_key() -> str:
    return note.verifier_key(signatures.origin(), active_keys().note_key.public_key())


def own_encryption_key() -> str:
    return base64.b64encode(transfer_key().public_key().public_bytes_raw()).decode("ascii")


def own_region() -> dict[str, str]:
    """What `sirecords regions self` publishes, for another region's `sirecords regions add`."""
    return {"region": settings.SIRECORDS_REGION, "name": settings.SIRECORDS_REGION_NAME,
            "verifier_key": own_verifier_key(), "encryption_key": own_encryption_key()}


def verifier_for(code: str) -> Verifier | None:
    """The registered region's signed-note key (None when `code` is not registered)."""
    found = Region.objects.filter(code=code).first()
    if found is None:
        return None
    return Verifier(*note.parse_verifier_key(found.verifier_key))


def encryption_key_of(code: str):
    """The registered region's X25519 public key (LookupError when `code` is not registered)."""
    found = Region.objects.filter(code=code).first()
    if found is None:
        raise LookupError(f"地区 {code} 未登记 / region {code} is not registered (sirecords regions add)")
    return parse_encryption_key(found.encryption_key)

"""Credentials under the ledger: the keyed digests the ledger keeps of them, and the sealing of TOTP seeds.

A password hash (auth_user.password) or a TOTP device is never written to the ledger, not even hashed
with a plain hash (a password hash is itself a target for guessing). The ledger keeps
HMAC-SHA-256(index key, what the table holds, bound to the account), made with the blind-index key
(crypto.sealing.blind_index): someone who can write the database but does not hold the key cannot make
the digest of a hash they put there, so `verify` and the sign-in itself tell a replaced password hash or
TOTP seed from the one the ledger recorded.

TOTP seeds are sealed with the data key (AES-GCM) and bound to the account: `user:<username>:totp`. The
sealed text ("v1:" + base64 of nonce ‖ 20-byte seed ‖ tag, 67 characters) fits django-otp's key column.
"""

from __future__ import annotations

import base64
import binascii

from sirecords.crypto.sealing import PREFIX, SealBroken, blind_index, seal_bytes, unseal_bytes

DIGEST_SPACE = "credential"  # the blind-index space of these digests (apart from the personal-data indexes)


def password_digest(username: str, encoded: str) -> str:
    """The digest of an account's stored password hash (auth_user.password, as Django encodes it)."""
    return blind_index(DIGEST_SPACE, f"password\x00{username}\x00{encoded}")


def device_digest(username: str, device) -> str:
    """The digest of a TOTP device row: its id, sealed seed and the settings that decide which codes pass.
    (Its drift, last code and throttling change at every sign-in and are left out.)"""
    fields = (device.pk, device.key, device.step, device.t0, device.digits, device.tolerance)
    return blind_index(DIGEST_SPACE, "totp\x00" + "\x00".join(str(v) for v in (username, *fields)))


def _context(username: str) -> str:
    return f"user:{username}:totp"


def seal_seed(seed: bytes, username: str) -> str:
    return PREFIX + base64.b64encode(seal_bytes(seed, _context(username))).decode("ascii")


def is_sealed(key: str) -> bool:
    return key.startswith(PREFIX)


def open_seed(sealed: str, username: str) -> bytes:
    """The seed, or SealBroken when the column holds no sealed seed of this account (a clear or moved seed)."""
    if not is_sealed(sealed):
        raise SealBroken(f"the TOTP seed of {username} is not sealed")
    try:
        raw = base64.b64decode(sealed[len(PREFIX):], validate=True)
    except binascii.Error:
        raise SealBroken(f"the TOTP seed of {username} is not base64") from None
    return unseal_bytes(raw, _context(username))

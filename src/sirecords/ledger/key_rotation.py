"""Rotating the checkpoint key: `sirecords checkpoint --rotate-key --actor A --reason R`.

The checkpoint notes — what the witness checks — are signed by signing.key until the first rotation, then by
checkpoint.key (crypto/keys.py). A rotation:

1. signs a checkpoint of the current head with the old key (refusing, as `sirecords checkpoint` does, when the
   ledger or a log does not check), so everything up to now is signed by the key the witness already holds;
2. records the old verifier key with that checkpoint's size in checkpoint-keys-retired.txt — `verify` accepts the
   old key's signature on notes up to that size only, the current key's on any;
3. puts a new key in checkpoint.key (the previous checkpoint.key, if any, is gone: it can sign nothing more);
4. certifies the new key (checkpoint-key.pem, for the certificates' evidence) when the agency root key is at hand;
   otherwise the old certificate is set aside and the agency's CA has to issue one for the new key.

signing.key, which signs the heads and the checkpoint rows inside the database, is not rotated by this.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sirecords.core.home import keys_dir
from sirecords.crypto.keys import CHECKPOINT_KEY, RETIRED_CHECKPOINT_KEYS, KeysMissing, forget_loaded_keys
from sirecords.crypto.objects import Place
from sirecords.crypto.pki import CHECKPOINT_CERT, ROOT_CERT, ensure_pki
from sirecords.ledger.checkpoints import create_checkpoint, origin, verifier_key
from sirecords.ledger.context import WriteContext

security_log = logging.getLogger("sirecords.security")


@dataclass(frozen=True)
class Rotated:
    old_verifier_key: str
    new_verifier_key: str
    last_size: int  # the last checkpoint the old key signed
    certified: bool  # checkpoint-key.pem was issued for the new key here (else the agency's CA must issue it)


def _replace_secret(path: Path, content: bytes) -> None:
    """Write under a temporary name (0600 from the first byte), then rename over `path` in one step."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def rotate_checkpoint_key(ctx: WriteContext, witness: Place | Path | None = None) -> Rotated:
    directory = keys_dir()
    last = create_checkpoint(ctx, witness).checkpoint  # LedgerBroken: nothing rotated
    old = verifier_key()
    # The retired key is recorded before the new one signs anything: a crash in between leaves the old key in use.
    with (directory / RETIRED_CHECKPOINT_KEYS).open("a", encoding="utf-8") as retired:
        retired.write(f"{old} {last.size}\n")
    os.chmod(directory / RETIRED_CHECKPOINT_KEYS, 0o600)
    new_key = Ed25519PrivateKey.generate()
    _replace_secret(directory / CHECKPOINT_KEY, new_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    forget_loaded_keys()
    new = verifier_key()
    certificate = directory / CHECKPOINT_CERT
    if certificate.exists():
        certificate.rename(directory / f"{CHECKPOINT_CERT}.retired-{old.split('+')[1]}")
    certified = False
    if (directory / ROOT_CERT).exists():
        try:
            certified = CHECKPOINT_CERT in ensure_pki(directory, origin=origin())
        except KeysMissing:
            certified = False  # no root key here: the agency's CA issues checkpoint-key.pem for the new key
    security_log.warning("checkpoint key rotated by %s (%s): %s retired after checkpoint size %d; now %s",
                         ctx.actor, ctx.reason, old, last.size, new)
    return Rotated(old, new, last.size, certified)

"""The system's three keys, kept as files under SIRECORDS_HOME/keys with mode 0600.

- data.key: AES-256-GCM key that seals personal data at rest;
- index.key: HMAC-SHA-256 key for blind indexes (exact-match look-ups of sealed values);
- signing.key: Ed25519 key that signs the ledger's and the logs' heads and the checkpoint rows, and the checkpoint
  notes until the first rotation;
- checkpoint.key (after `sirecords checkpoint --rotate-key`): the Ed25519 key that signs the checkpoint notes, the
  ones the witness checks; checkpoint-keys-retired.txt lists the verifier keys it replaced, each with the size of
  the last checkpoint it signed (ledger/key_rotation.py);
- transfer.key: the X25519 key other regions encrypt transfer envelopes to (crypto/envelope.py, docs/transfers.md);
  its public half is what `sirecords regions self` publishes. Envelopes are signed with the checkpoint notes' key.

`sirecords init` creates them when absent and never overwrites one: losing data.key means losing
the personal data it sealed, so back them up apart from the database (docs/operations.md).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sirecords.core.home import keys_dir

DATA_KEY = "data.key"
INDEX_KEY = "index.key"
SIGNING_KEY = "signing.key"
CHECKPOINT_KEY = "checkpoint.key"
TRANSFER_KEY = "transfer.key"
RETIRED_CHECKPOINT_KEYS = "checkpoint-keys-retired.txt"
DJANGO_SECRET = "django-secret.key"  # nosec B105 # the key file's name; the key is in the file (mode 0600)
KEY_FILES = (DATA_KEY, INDEX_KEY, SIGNING_KEY, DJANGO_SECRET)


class KeysMissing(RuntimeError):
    """The key files are absent or unreadable: the system must not run without them."""


@dataclass(frozen=True)
class KeySet:
    data_key: bytes
    index_key: bytes
    signing_key: Ed25519PrivateKey
    checkpoint_key: Ed25519PrivateKey | None = None  # None: the notes are signed with signing_key (no rotation yet)
    # (verifier key, size of the last checkpoint it signed) for each checkpoint key rotated out, oldest first
    retired_checkpoint_keys: tuple[tuple[str, int], ...] = ()

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()  # derived once: every signature check asks for it

    @property
    def note_key(self) -> Ed25519PrivateKey:
        """The key that signs checkpoint notes now."""
        return self.checkpoint_key or self.signing_key


def _write_secret(path: Path, content: bytes) -> None:
    # O_EXCL: never overwrite a key; 0600 from the first byte, not chmod afterwards.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _new_transfer_key() -> bytes:
    return X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def create_keys(directory: Path | None = None) -> list[str]:
    """Create each missing key file; return the names created."""
    directory = directory or keys_dir()
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    makers = {
        DATA_KEY: lambda: secrets.token_bytes(32).hex().encode(),
        INDEX_KEY: lambda: secrets.token_bytes(32).hex().encode(),
        SIGNING_KEY: lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        DJANGO_SECRET: lambda: secrets.token_urlsafe(50).encode(),
        TRANSFER_KEY: _new_transfer_key,
    }
    created = []
    for name, make in makers.items():
        path = directory / name
        if not path.exists():
            _write_secret(path, make())
            created.append(name)
    return created


def _read(directory: Path, name: str) -> bytes:
    path = directory / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeysMissing(f"key file {path} is missing: run `sirecords init`") from None
    except PermissionError:
        raise KeysMissing(f"key file {path} is not readable by this user") from None


def _hex_key(directory: Path, name: str) -> bytes:
    raw = _read(directory, name).strip()
    try:
        key = bytes.fromhex(raw.decode())
    except ValueError:
        raise KeysMissing(f"key file {directory / name} is not a hex key") from None
    if len(key) != 32:
        raise KeysMissing(f"key file {directory / name} must hold 32 bytes, found {len(key)}")
    return key


def _ed25519(directory: Path, name: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(_read(directory, name), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeysMissing(f"{directory / name} is not an Ed25519 private key")
    return key


def transfer_key(directory: Path | None = None) -> X25519PrivateKey:
    """This region's X25519 transfer key (transfer.key), created on first use when a home made before it lacks it
    (mode 0600, never overwritten: a second process creating it at the same moment reads the first one's)."""
    directory = directory or keys_dir()
    path = directory / TRANSFER_KEY
    if not path.exists():
        try:
            _write_secret(path, _new_transfer_key())
        except FileExistsError:
            pass
    key = serialization.load_pem_private_key(_read(directory, TRANSFER_KEY), password=None)
    if not isinstance(key, X25519PrivateKey):
        raise KeysMissing(f"{path} is not an X25519 private key")
    return key


def note_key_file(directory: Path | None = None) -> Path:
    """The file of the key that signs checkpoint notes now: checkpoint.key once rotated, else signing.key."""
    directory = directory or keys_dir()
    rotated = directory / CHECKPOINT_KEY
    return rotated if rotated.exists() else directory / SIGNING_KEY


def read_retired_checkpoint_keys(directory: Path) -> tuple[tuple[str, int], ...]:
    """checkpoint-keys-retired.txt: one `<verifier key> <size of the last checkpoint it signed>` a line."""
    path = directory / RETIRED_CHECKPOINT_KEYS
    if not path.exists():
        return ()
    retired = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise KeysMissing(f"{path} line {number}: want '<verifier key> <last checkpoint size>'")
        retired.append((parts[0], int(parts[1])))
    return tuple(retired)


def load_keys(directory: Path | None = None) -> KeySet:
    directory = directory or keys_dir()
    return KeySet(
        data_key=_hex_key(directory, DATA_KEY),
        index_key=_hex_key(directory, INDEX_KEY),
        signing_key=_ed25519(directory, SIGNING_KEY),
        checkpoint_key=_ed25519(directory, CHECKPOINT_KEY) if (directory / CHECKPOINT_KEY).exists() else None,
        retired_checkpoint_keys=read_retired_checkpoint_keys(directory),
    )


@lru_cache(maxsize=1)
def active_keys() -> KeySet:
    """The keys of SIRECORDS_HOME, loaded once per process."""
    return load_keys()


def forget_loaded_keys() -> None:
    """Drop the cached keys (tests switch SIRECORDS_HOME)."""
    active_keys.cache_clear()

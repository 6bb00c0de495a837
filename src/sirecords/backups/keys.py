"""The backup key: AES-256-GCM, kept apart from the data it protects.

A file of its own (hex, mode 0600), keys/backup.key by default or the file SIRECORDS_BACKUP_KEY_FILE names, so it
can live on another medium than SIRECORDS_HOME. It is created, not derived from data.key: a stolen backup then
opens only with a second secret, and the backup key can be escrowed (with the supervising department) without
handing over the key that seals personal data at rest. It is never put in a backup.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sirecords.core.home import keys_dir

BACKUP_KEY = "backup.key"


class BackupKeyMissing(RuntimeError):
    """No usable backup key: nothing is written or opened."""


def backup_key_path() -> Path:
    configured = os.environ.get("SIRECORDS_BACKUP_KEY_FILE")
    return Path(configured).resolve() if configured else keys_dir() / BACKUP_KEY


def create_backup_key() -> Path | None:
    """Create the backup key when absent (never overwrite one); the path when created."""
    path = backup_key_path()
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # 0600 from the first byte
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32).hex().encode())
    return path


def load_backup_key() -> bytes:
    path = backup_key_path()
    try:
        key = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise BackupKeyMissing(f"backup key {path} is missing: run `sirecords init` (or restore it from escrow)") from None
    except (ValueError, OSError) as error:
        raise BackupKeyMissing(f"backup key {path} is not readable as a hex key: {error}") from None
    if len(key) != 32:
        raise BackupKeyMissing(f"backup key {path} must hold 32 bytes, found {len(key)}")
    return key

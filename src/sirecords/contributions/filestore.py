"""Collection files kept sealed (AES-GCM) by SHA-256 under SIRECORDS_HOME/collection.

The file holds ID numbers, so it is sealed like the original documents (workflow/documents.py); it is
not an attachment because attachments must be PDF, JPEG or PNG scans. The pending transaction's
payload names the file by its SHA-256 only, which keeps the sealed draft small whatever the file's size;
posting and `sirecords verify` read the rows back from here.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from sirecords.core.home import home
from sirecords.crypto.sealing import SealBroken, seal_bytes, unseal_bytes


class FileMissing(LookupError):
    pass


def _path(sha256: str) -> Path:
    return home() / "collection" / sha256[:2] / sha256


def store(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    path = _path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(seal_bytes(data, f"collection:{digest}"))
        os.replace(temporary, path)
    return digest


def exists(sha256: str) -> bool:
    return _path(sha256).exists()


def load(sha256: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise FileMissing(f"no collection file is recorded ({sha256!r} is not a SHA-256)")
    try:
        data = unseal_bytes(_path(sha256).read_bytes(), f"collection:{sha256}")
    except (OSError, SealBroken) as problem:
        raise FileMissing(f"collection file {sha256[:12]}… cannot be read: {problem}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FileMissing(f"collection file {sha256[:12]}… does not match its hash")
    return data

"""Collection files kept sealed (AES-GCM) by SHA-256 under SIRECORDS_HOME/collection.

The file holds ID numbers, so it is sealed like the original documents (workflow/documents.py); it is
not an attachment because attachments must be PDF, JPEG or PNG scans. The pending transaction's
payload names the file by its SHA-256 only, which keeps the sealed draft small whatever the file's size;
posting and `sirecords verify` read the rows back from here.
"""

from __future__ import annotations

import re

from sirecords.core.home import home
from sirecords.crypto.store import SealedStore, StoreError


class FileMissing(LookupError):
    pass


_store = SealedStore(lambda: home() / "collection", "collection")
store = _store.store
exists = _store.exists
problem, where = _store.problem, _store.where  # for `verify`: streamed, constant memory


def load(sha256: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise FileMissing(f"no collection file is recorded ({sha256!r} is not a SHA-256)")
    try:
        return _store.load(sha256)
    except StoreError as problem:
        raise FileMissing(f"collection file {problem}") from None

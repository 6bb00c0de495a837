"""Collection files kept sealed (AES-GCM) by SHA-256 under SIRECORDS_HOME/collection (or in the object store).

The file holds ID numbers, so it is sealed like the original documents (workflow/documents.py); it is
not an attachment because attachments must be PDF, JPEG or PNG scans. The pending transaction's
payload names the file by its SHA-256 only, which keeps the sealed draft small whatever the file's size;
posting and `sirecords verify` read the rows back from here, in pieces (memory bounded whatever its size).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from sirecords.crypto.store import SealedStore, StoreError

PIECE = 1 << 20  # bytes read at a time


class FileMissing(LookupError):
    pass


_store = SealedStore("collection", "collection")
store = _store.store
exists = _store.exists
problem, where = _store.problem, _store.where  # for `verify`: streamed, constant memory


def pieces(source, size: int = PIECE) -> Iterator[bytes]:
    """A collection file in pieces: from bytes, a path, or an open binary file."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), size):
            yield bytes(view[start:start + size])
        return
    if isinstance(source, (str, Path)):
        with open(source, "rb") as stream:
            while piece := stream.read(size):
                yield piece
        return
    while piece := source.read(size):
        yield piece


def store_file(source, sha256: str) -> str:
    """Keep the file (bytes or a path), read and sealed in pieces; it must still hash to `sha256`."""
    try:
        return _store.store_stream(pieces(source), sha256)
    except StoreError as problem:
        raise FileMissing(f"collection file {problem}") from None


def _checked_name(sha256: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise FileMissing(f"no collection file is recorded ({sha256!r} is not a SHA-256)")


def open_pieces(sha256: str) -> Iterator[bytes]:
    """The stored file in pieces; FileMissing (at the start, or after the last piece when its seal or hash fails)."""
    _checked_name(sha256)
    try:
        yield from _store.open_stream(sha256, PIECE)
    except StoreError as problem:
        raise FileMissing(f"collection file {problem}") from None


def load(sha256: str) -> bytes:
    _checked_name(sha256)
    try:
        return _store.load(sha256)
    except StoreError as problem:
        raise FileMissing(f"collection file {problem}") from None

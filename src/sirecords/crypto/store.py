"""A content-addressed file store, sealed: bytes kept AES-GCM-sealed under their SHA-256.

One store for every kind of file kept this way (the original documents, workflow/documents.py; the
collection files, contributions/filestore.py). A file lives at <folder>/<first two hex>/<sha256>,
sealed with the associated data "<purpose>:<sha256>", so a file cannot be passed off as another or as
another kind; it is written under a temporary name and renamed, so never half-written under its own.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sirecords.core.home import home
from sirecords.crypto.sealing import SealBroken, seal_bytes, seal_chunks_into, unseal_bytes, unseal_file_chunks

__all__ = ["NotReadable", "SealedStore", "StoreError", "WrongContent"]


class StoreError(LookupError):
    """A stored file cannot be given back; the caller says so in its own words."""


class NotReadable(StoreError):
    """Missing, unreadable or its seal broken; `problem` says which."""

    def __init__(self, sha256: str, problem: Exception) -> None:
        super().__init__(f"{sha256[:12]}… cannot be read: {problem}")
        self.problem = problem

    @property
    def missing(self) -> bool:
        return isinstance(self.problem, FileNotFoundError)


class WrongContent(StoreError):
    """The file unseals, but to bytes with another hash."""


class SealedStore:
    def __init__(self, folder: Callable[[], Path], purpose: str) -> None:
        self._folder = folder  # called each time: the home may be set after import (tests, the CLI)
        self.purpose = purpose

    def path(self, sha256: str) -> Path:
        return self._folder() / sha256[:2] / sha256

    def store(self, data: bytes) -> str:
        """Keep the bytes (sealed) and return their SHA-256. Storing the same file twice keeps one copy."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(seal_bytes(data, f"{self.purpose}:{digest}"))
            os.replace(temporary, path)  # never a half-written file under the final name
        return digest

    def store_stream(self, chunks: Iterable[bytes], sha256: str) -> str:
        """Keep a file given in pieces, in memory one piece at a time, sealed exactly as `store` seals it. Its SHA-256
        must be known before (it is in the associated data) and is checked against the pieces: WrongContent when they
        hash to another (a file changed since it was checked), and nothing is kept."""
        path = self.path(sha256)
        if path.exists():
            for _ in chunks:  # drain a generator that holds a file open
                pass
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        digest = hashlib.sha256()

        def hashed(pieces: Iterable[bytes]) -> Iterator[bytes]:
            for piece in pieces:
                digest.update(piece)
                yield piece

        try:
            with open(temporary, "wb") as out:
                seal_chunks_into(out, hashed(chunks), f"{self.purpose}:{sha256}")
            if digest.hexdigest() != sha256:
                raise WrongContent(f"{sha256[:12]}… does not match the file given (it changed since it was checked)")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        return sha256

    def open_stream(self, sha256: str, size: int = 1 << 20) -> Iterator[bytes]:
        """The stored bytes in pieces of `size`, in memory one piece at a time. The seal and the hash are checked when
        the last piece has been read: NotReadable or WrongContent is raised then, so a reader trusts nothing it read
        until the iteration ends without an error."""
        digest = hashlib.sha256()
        try:
            for piece in unseal_file_chunks(self.path(sha256), f"{self.purpose}:{sha256}", chunk=size):
                digest.update(piece)
                yield piece
        except (OSError, SealBroken) as problem:
            raise NotReadable(sha256, problem) from None
        if digest.hexdigest() != sha256:
            raise WrongContent(f"{sha256[:12]}… does not match its hash")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def where(self, sha256: str) -> str:
        """The file's path as `verify` names it: under SIRECORDS_HOME when it is there."""
        path = self.path(sha256)
        try:
            return str(path.relative_to(home()))
        except ValueError:
            return str(path)

    def check(self, sha256: str) -> None:
        """The file is there, opens, and holds bytes with this hash: read in chunks, in constant memory whatever
        its size. NotReadable (see .missing) or WrongContent otherwise."""
        for _piece in self.open_stream(sha256):
            pass

    def problem(self, sha256: str) -> str | None:
        """What is wrong with the stored file, in words for a `verify` finding; None when it checks."""
        try:
            self.check(sha256)
        except NotReadable as unreadable:
            return "is missing" if unreadable.missing else f"cannot be read or does not open: {unreadable.problem}"
        except WrongContent:
            return "does not match its SHA-256 (its content was replaced)"
        return None

    def load(self, sha256: str) -> bytes:
        """The stored bytes, checked against their hash: NotReadable or WrongContent otherwise."""
        try:
            data = unseal_bytes(self.path(sha256).read_bytes(), f"{self.purpose}:{sha256}")
        except (OSError, SealBroken) as problem:
            raise NotReadable(sha256, problem) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise WrongContent(f"{sha256[:12]}… does not match its hash")
        return data

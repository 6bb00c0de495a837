"""A content-addressed file store, sealed: bytes kept AES-GCM-sealed under their SHA-256.

One store for every kind of file kept this way (the original documents, workflow/documents.py; the
collection files, contributions/filestore.py; the cross-check feeds, crosschecks/filestore.py; the files exchanged
with other regions, transfers/filestore.py). A file is the object <first two hex>/<sha256> of its place
(crypto/objects.py): the folder $SIRECORDS_HOME/<folder> by default, or the object store every app server shares
(SIRECORDS_OBJECT_STORE). It is sealed with the associated data "<purpose>:<sha256>", so a file cannot be passed off
as another or as another kind; it is written whole or not at all (a temporary name renamed; one PUT or a completed
multipart upload), so never half-written under its own name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sirecords.crypto.objects import FolderPlace, Place, place
from sirecords.crypto.sealing import SealBroken, seal_bytes, seal_chunks_into, unseal_bytes, unseal_stream_chunks

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
    """`folder`: the name of its folder under SIRECORDS_HOME, whose place (a folder or the object store) is read from
    the environment at each use; or a function giving a folder (always a folder: tests, tools)."""

    def __init__(self, folder: str | Callable[[], Path], purpose: str) -> None:
        self._folder = folder  # resolved each time: the home and the object store may be set after import
        self.purpose = purpose

    @property
    def place(self) -> Place:
        return place(self._folder) if isinstance(self._folder, str) else FolderPlace(self._folder)

    @staticmethod
    def name(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256}"

    def path(self, sha256: str) -> Path:
        """The file's path when the store is a folder (tests that damage a file on purpose); ValueError otherwise."""
        where = self.place
        if not isinstance(where, FolderPlace):
            raise ValueError(f"the {self.purpose} store is {where}, not a folder")
        return where.path(self.name(sha256))

    def store(self, data: bytes) -> str:
        """Keep the bytes (sealed) and return their SHA-256. Storing the same file twice keeps one copy."""
        digest = hashlib.sha256(data).hexdigest()
        where, name = self.place, self.name(digest)
        if not where.exists(name):
            where.put(name, seal_bytes(data, f"{self.purpose}:{digest}"))  # whole or nothing under the final name
        return digest

    def store_stream(self, chunks: Iterable[bytes], sha256: str) -> str:
        """Keep a file given in pieces, in memory one piece at a time, sealed exactly as `store` seals it. Its SHA-256
        must be known before (it is in the associated data) and is checked against the pieces: WrongContent when they
        hash to another (a file changed since it was checked), and nothing is kept."""
        where, name = self.place, self.name(sha256)
        if where.exists(name):
            for _ in chunks:  # drain a generator that holds a file open
                pass
            return sha256
        digest = hashlib.sha256()

        def hashed(pieces: Iterable[bytes]) -> Iterator[bytes]:
            for piece in pieces:
                digest.update(piece)
                yield piece

        def write(out) -> None:
            seal_chunks_into(out, hashed(chunks), f"{self.purpose}:{sha256}")
            if digest.hexdigest() != sha256:  # raised before anything is kept under the final name
                raise WrongContent(f"{sha256[:12]}… does not match the file given (it changed since it was checked)")

        where.put_written(name, write)
        return sha256

    def open_stream(self, sha256: str, size: int = 1 << 20) -> Iterator[bytes]:
        """The stored bytes in pieces of about `size`, in memory one piece at a time. The seal and the hash are checked
        when the last piece has been read: NotReadable or WrongContent is raised then, so a reader trusts nothing it
        read until the iteration ends without an error."""
        digest = hashlib.sha256()
        try:
            sealed = self.place.chunks(self.name(sha256), size)
            for piece in unseal_stream_chunks(sealed, f"{self.purpose}:{sha256}"):
                digest.update(piece)
                yield piece
        except (OSError, SealBroken) as problem:
            raise NotReadable(sha256, problem) from None
        if digest.hexdigest() != sha256:
            raise WrongContent(f"{sha256[:12]}… does not match its hash")

    def exists(self, sha256: str) -> bool:
        return self.place.exists(self.name(sha256))

    def where(self, sha256: str) -> str:
        """Where the file is, as `verify` names it: its path under SIRECORDS_HOME, or its s3:// address."""
        return self.place.where(self.name(sha256))

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
            data = unseal_bytes(self.place.read(self.name(sha256)), f"{self.purpose}:{sha256}")
        except (OSError, SealBroken) as problem:
            raise NotReadable(sha256, problem) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise WrongContent(f"{sha256[:12]}… does not match its hash")
        return data

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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sirecords.crypto.keys import active_keys
from sirecords.crypto.sealing import SealBroken, seal_bytes, unseal_bytes

NONCE, TAG = 12, 16  # seal_bytes' layout: nonce ‖ ciphertext ‖ tag

__all__ = ["NotReadable", "SealedStore", "StoreError", "WrongContent"]


class StoreError(LookupError):
    """A stored file cannot be given back; the caller says so in its own words."""


class NotReadable(StoreError):
    """Missing, unreadable or its seal broken; `problem` says which."""

    def __init__(self, sha256: str, problem: Exception) -> None:
        super().__init__(f"{sha256[:12]}… cannot be read: {problem}")
        self.problem = problem


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
        nonce = os.urandom(NONCE)
        encryptor = Cipher(algorithms.AES(active_keys().data_key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(f"{self.purpose}:{sha256}".encode())
        digest = hashlib.sha256()
        try:
            with open(temporary, "wb") as out:
                out.write(nonce)
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(encryptor.update(chunk))
                out.write(encryptor.finalize() + encryptor.tag)
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
        try:
            handle = open(self.path(sha256), "rb")
        except OSError as problem:
            raise NotReadable(sha256, problem) from None
        with handle:
            total = os.fstat(handle.fileno()).st_size
            if total < NONCE + TAG:
                raise NotReadable(sha256, SealBroken(f"sealed file for {self.purpose}:{sha256} is truncated"))
            nonce = handle.read(NONCE)
            handle.seek(total - TAG)
            tag = handle.read(TAG)
            handle.seek(NONCE)
            decryptor = Cipher(algorithms.AES(active_keys().data_key), modes.GCM(nonce, tag)).decryptor()
            decryptor.authenticate_additional_data(f"{self.purpose}:{sha256}".encode())
            digest = hashlib.sha256()
            left = total - NONCE - TAG
            while left:
                piece = decryptor.update(handle.read(min(size, left)))
                left -= min(size, left)
                digest.update(piece)
                yield piece
            try:
                decryptor.finalize()
            except InvalidTag:
                raise NotReadable(sha256, SealBroken(f"sealed value for {self.purpose}:{sha256} does not open: it was "
                                                     "changed or moved")) from None
        if digest.hexdigest() != sha256:
            raise WrongContent(f"{sha256[:12]}… does not match its hash")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def load(self, sha256: str) -> bytes:
        """The stored bytes, checked against their hash: NotReadable or WrongContent otherwise."""
        try:
            data = unseal_bytes(self.path(sha256).read_bytes(), f"{self.purpose}:{sha256}")
        except (OSError, SealBroken) as problem:
            raise NotReadable(sha256, problem) from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise WrongContent(f"{sha256[:12]}… does not match its hash")
        return data

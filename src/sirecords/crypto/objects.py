"""Where stored files live: a folder under SIRECORDS_HOME (the default), or an S3-compatible object store that every
app server shares (issue #20: app servers that share nothing but PostgreSQL and an object store).

A `Place` holds named objects (`ab/abcdef…` for the sealed stores, `checkpoint-….txt` for the witness copies) and
offers the few things the stores need: put a whole object atomically (never a partial object under its final name:
a file is written under a temporary name and renamed; an object is one PUT, or a multipart upload that only appears
when it completes), read it whole or in pieces, ask whether it is there, list names, say where it is.

`place(folder)` gives the place of one kind of file, `folder` being its folder name under SIRECORDS_HOME
("attachments", "collection", "feeds", "transfers", "witness"):

- SIRECORDS_OBJECT_STORE unset: the folder $SIRECORDS_HOME/<folder>, exactly as before;
- SIRECORDS_OBJECT_STORE=s3://BUCKET/PREFIX: the keys PREFIX/<folder>/… in BUCKET, at the endpoint
  SIRECORDS_S3_ENDPOINT_URL (AWS itself when unset), with the credentials boto3 finds (AWS_ACCESS_KEY_ID /
  AWS_SECRET_ACCESS_KEY, or the file AWS_SHARED_CREDENTIALS_FILE names, or an instance role);
- SIRECORDS_OBJECT_STORE_<FOLDER> (e.g. SIRECORDS_OBJECT_STORE_ATTACHMENTS=s3://other-bucket/docs) puts one kind of
  file in a bucket and prefix of its own.

The keys that seal the objects are never in the object store (nor the database): see docs/operations.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from sirecords.core.home import home

__all__ = ["FolderPlace", "Place", "PlaceError", "S3Place", "StoreUnreachable", "as_place", "folder_place", "object_store_url",
           "place", "s3_place", "witness_place"]

STORE_VARIABLE = "SIRECORDS_OBJECT_STORE"
ENDPOINT_VARIABLE = "SIRECORDS_S3_ENDPOINT_URL"
SPOOL = 8 << 20  # bytes of a streamed object kept in memory before its upload spills to a temporary file
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class PlaceError(ValueError):
    """The object store is configured wrongly; the message says how."""


class Place:
    """Named objects in a folder or under a key prefix. Reading a missing object raises FileNotFoundError; other
    failures are OSError (a folder) or OSError-wrapped store errors (S3), so callers catch OSError alone."""

    def put(self, name: str, data: bytes, *, once: bool = False) -> None:
        """Keep `data` under `name`, whole or not at all. `once`: never replace an object that is there."""
        raise NotImplementedError

    def put_written(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        """Keep what `write(handle)` writes, under `name` only once `write` returned; nothing when it raises."""
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def chunks(self, name: str, size: int = 1 << 20) -> Iterator[bytes]:
        """The object's bytes in pieces of at most `size`, one piece in memory at a time."""
        raise NotImplementedError

    def names(self, prefix: str = "") -> list[str]:
        """The names of the objects directly in this place (not in sub-folders) that start with `prefix`, sorted."""
        raise NotImplementedError

    def delete(self, name: str) -> None:
        raise NotImplementedError

    def available(self) -> bool:
        """The folder is there / the bucket answers."""
        raise NotImplementedError

    def where(self, name: str) -> str:
        """Where the object is, as `verify` names it."""
        raise NotImplementedError

    def __str__(self) -> str:
        raise NotImplementedError


class FolderPlace(Place):
    """A folder on this machine (given as a path, or a function giving it: the home may be set after import)."""

    def __init__(self, folder: Path | Callable[[], Path]) -> None:
        self._folder = folder

    @property
    def folder(self) -> Path:
        return self._folder() if callable(self._folder) else self._folder

    def path(self, name: str) -> Path:
        return self.folder / name

    def put(self, name: str, data: bytes, *, once: bool = False) -> None:
        path = self.path(name)
        if once and path.exists():
            return
        self.put_written(name, lambda handle: handle.write(data))

    def put_written(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(temporary, "wb") as handle:
                write(handle)
            os.replace(temporary, path)  # never a half-written file under the final name
        finally:
            temporary.unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def chunks(self, name: str, size: int = 1 << 20) -> Iterator[bytes]:
        with open(self.path(name), "rb") as handle:
            while piece := handle.read(size):
                yield piece

    def names(self, prefix: str = "") -> list[str]:
        folder = self.folder
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.glob(f"{glob_escape(prefix)}*") if p.is_file())

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def available(self) -> bool:
        return self.folder.is_dir()

    def where(self, name: str) -> str:
        """The path, relative to SIRECORDS_HOME when it is there."""
        path = self.path(name)
        try:
            return str(path.relative_to(home()))
        except ValueError:
            return str(path)

    def __str__(self) -> str:
        return str(self.folder)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


class StoreUnreachable(OSError):
    """The object store did not answer as asked (not a missing object: that is FileNotFoundError)."""


_MISSING = ("404", "NoSuchKey", "NotFound")
_clients: dict[tuple[str, ...], Any] = {}
_clients_lock = threading.Lock()


def _client() -> Any:
    """One boto3 client per endpoint and credentials (boto3 clients are thread-safe); made when first needed."""
    key = tuple(os.environ.get(v, "") for v in (ENDPOINT_VARIABLE, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_REGION"))
    with _clients_lock:
        if key not in _clients:
            import boto3  # only an object store needs it
            from botocore.config import Config

            logging.getLogger("botocore.credentials").setLevel(logging.WARNING)
            _clients[key] = boto3.client("s3", endpoint_url=key[0] or None,
                                         config=Config(retries={"max_attempts": 5, "mode": "standard"}))
        return _clients[key]


class S3Place(Place):
    """Objects under `prefix/` in an S3 bucket (any S3-compatible store: MinIO, Ceph RGW, a cloud's)."""

    def __init__(self, bucket: str, prefix: str) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/")

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    @contextlib.contextmanager
    def _asking(self, what: str, name: str = "") -> Iterator[Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield _client()
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "?"))
            if code in _MISSING:
                raise FileNotFoundError(f"{self.where(name)}: no such object") from None
            raise StoreUnreachable(f"{self.where(name)}: {what}: {code}: "
                                   f"{error.response.get('Error', {}).get('Message', '') or error}") from None
        except BotoCoreError as error:
            raise StoreUnreachable(f"{self.where(name)}: {what}: {error}") from None

    def put(self, name: str, data: bytes, *, once: bool = False) -> None:
        if once and self.exists(name):
            return
        with self._asking("put", name) as s3:
            s3.put_object(Bucket=self.bucket, Key=self.key(name), Body=data)  # one request: whole or nothing

    def put_written(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        # Spooled (memory up to SPOOL, then a temporary file), then uploaded: one PUT, or a multipart upload whose
        # object appears only when the upload completes (boto3 aborts it when a part fails).
        with tempfile.SpooledTemporaryFile(max_size=SPOOL, prefix="sirecords-object-") as spool:
            write(spool)
            spool.seek(0)
            with self._asking("upload", name) as s3:
                s3.upload_fileobj(spool, self.bucket, self.key(name))

    def exists(self, name: str) -> bool:
        try:
            with self._asking("head", name) as s3:
                s3.head_object(Bucket=self.bucket, Key=self.key(name))
        except FileNotFoundError:
            return False
        return True

    def read(self, name: str) -> bytes:
        with self._asking("get", name) as s3:
            body = s3.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
            try:
                return body.read()
            finally:
                body.close()

    def chunks(self, name: str, size: int = 1 << 20) -> Iterator[bytes]:
        with self._asking("get", name) as s3:
            body = s3.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
        try:
            while True:
                with self._asking("read", name):
                    piece = body.read(size)
                if not piece:
                    return
                yield piece
        finally:
            body.close()

    def names(self, prefix: str = "") -> list[str]:
        base = self.key("")
        found = []
        with self._asking("list") as s3:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base + prefix,
                                                                      Delimiter="/"):
                found.extend(item["Key"][len(base):] for item in page.get("Contents", []))
        return sorted(found)

    def delete(self, name: str) -> None:
        with self._asking("delete", name) as s3:
            s3.delete_object(Bucket=self.bucket, Key=self.key(name))

    def available(self) -> bool:
        try:
            with self._asking("head bucket") as s3:
                s3.head_bucket(Bucket=self.bucket)
        except OSError:
            return False
        return True

    def where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(name)}"

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


def s3_place(url: str, *, variable: str = STORE_VARIABLE) -> S3Place:
    """The S3Place of `s3://BUCKET/PREFIX` (PlaceError for anything else)."""
    match = re.fullmatch(r"s3://([^/]+)(?:/(.*))?", url.strip())
    if not match or not _BUCKET.fullmatch(match[1]):
        raise PlaceError(f"{variable}={url!r}: an object store is s3://BUCKET/PREFIX, the bucket 3-63 characters of "
                         "a-z 0-9 . - (the endpoint comes from SIRECORDS_S3_ENDPOINT_URL)")
    return S3Place(match[1], (match[2] or "").strip("/"))


def object_store_url(folder: str) -> str:
    """The object store configured for `folder` ('' when its files stay in the folder under SIRECORDS_HOME)."""
    where = _configured(folder)
    return str(where) if where else ""


def _configured(folder: str) -> S3Place | None:
    own = f"{STORE_VARIABLE}_{folder.upper()}"
    if os.environ.get(own, "").strip():
        return s3_place(os.environ[own], variable=own)
    shared = os.environ.get(STORE_VARIABLE, "").strip()
    if not shared:
        return None
    base = s3_place(shared)
    return S3Place(base.bucket, f"{base.prefix}/{folder}" if base.prefix else folder)


def folder_place(folder: str) -> FolderPlace:
    return FolderPlace(lambda: home() / folder)


def place(folder: str) -> Place:
    """Where the files of `folder` live now (read from the environment on each call: tests and the CLI set it late)."""
    return _configured(folder) or folder_place(folder)


def witness_place() -> Place:
    """Where the checkpoints' witness copies go: the folder SIRECORDS_WITNESS_DIR when it is set (e.g. a share the
    supervising department reads), else the object store's witness/ when one is configured, else
    $SIRECORDS_HOME/witness."""
    configured = os.environ.get("SIRECORDS_WITNESS_DIR")
    if configured:
        return FolderPlace(Path(configured).resolve())
    return _configured("witness") or folder_place("witness")


def as_place(where: Place | Path | str | None) -> Place | None:
    """A place from what a caller holds: a Place, a folder's path, or an s3:// address (the CLI's --witness)."""
    if where is None or isinstance(where, Place):
        return where
    if isinstance(where, str) and where.startswith("s3://"):
        return s3_place(where, variable="--witness")
    return FolderPlace(Path(where))

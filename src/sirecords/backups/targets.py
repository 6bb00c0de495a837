"""Where backups are kept. A TARGET string names one of

- a local folder: a path (`/var/backups/sirecords`, or `file:///var/backups/sirecords`);
- a second host's folder over SSH/SFTP: `sftp://user@host[:port]/absolute/path`, authenticated with the private key
  file SIRECORDS_BACKUP_SSH_KEY and checked against the known_hosts file SIRECORDS_BACKUP_KNOWN_HOSTS (both required:
  the host key is always checked, and a host not in that file is refused);
- S3-compatible object storage: `s3://bucket/prefix`, through boto3, at the endpoint SIRECORDS_BACKUP_S3_ENDPOINT
  (AWS itself when unset), with the credentials boto3 finds (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE,
  ~/.aws/…): none are ever written in a TARGET or in our files.

archive.py stays the single source of the backup format: a backup is always made in a local folder (the first
target when it is local, else a temporary staging folder) and then copied to each remote target; a remote backup
is read by downloading it to a temporary folder (TMPDIR) and running the same checks there.

A copy is whole or invisible: a backup is listed only once its manifest.json is there, and the manifest goes last
(SFTP: into `.NAME.partial/`, renamed to `NAME/` at the end; S3: the manifest object is put after every blob). A
deletion takes the manifest (S3) or the folder's name (SFTP, local) away first, so a half-deleted backup is not listed.

The backup journal (journal.py) lives with the backups, `journal.jsonl` in the target: on a remote target it is
downloaded into the temporary folder, checked and appended there (journal.record refuses a journal that does not
verify), and written back when the command ends. Two commands appending to one remote journal at the same moment
are not serialised: schedule the jobs apart (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sirecords.backups import archive, journal, retention

VARIABLE = "SIRECORDS_BACKUP_TARGETS"
SSH_KEY, KNOWN_HOSTS, S3_ENDPOINT = "SIRECORDS_BACKUP_SSH_KEY", "SIRECORDS_BACKUP_KNOWN_HOSTS", "SIRECORDS_BACKUP_S3_ENDPOINT"
FORMS = "a folder path, sftp://user@host[:port]/path or s3://bucket/prefix"
NAME = re.compile(r"backup-[A-Za-z0-9_.-]+")  # a backup's name on a remote target (never a path)
BLOB = re.compile(r"files/[0-9]{6}")
MANIFEST = "manifest.json"
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class TargetInvalid(ValueError):
    """A TARGET string that does not parse; the message names it and why."""


class TargetUnreachable(RuntimeError):
    """A remote target that did not answer or refused the step; the message names the target, the step and why."""


def _blobs(manifest: Path) -> list[str]:
    """The blob names a downloaded manifest lists (only names of the form files/NNNNNN: never a path elsewhere)."""
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["body"]["files"]
        return [entry["blob"] for entry in files if isinstance(entry.get("blob"), str) and BLOB.fullmatch(entry["blob"])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []  # archive.load then says what is wrong with the manifest


def _checked_name(name: str) -> str:
    if not NAME.fullmatch(name) or name in ("backup-.", "backup-.."):
        raise archive.BackupRefused(f"{name!r} is not a backup's name (backup-<UTC time>, as `backup list` prints)")
    return name


class Target:
    """One place holding backups. Subclasses: LocalTarget, SftpTarget, S3Target."""

    label: str

    def __str__(self) -> str:
        return self.label

    # --- what each kind provides ---
    def names(self) -> list[str]:
        """The backups' names, oldest first (their names sort by time); only backups whose manifest is there."""
        raise NotImplementedError

    def upload(self, folder: Path) -> None:
        """Copy a finished local backup folder here, the manifest last."""
        raise NotImplementedError

    def delete(self, name: str) -> None:
        raise NotImplementedError

    def _download(self, name: str, into: Path, blobs: bool) -> None:
        """`into/name/manifest.json` and (with `blobs`) the blobs it lists (a missing blob is left missing, for
        archive.check)."""
        raise NotImplementedError

    def _read_journal(self) -> bytes | None:
        raise NotImplementedError

    def _write_journal(self, data: bytes) -> None:
        raise NotImplementedError

    # --- shared ---
    def shown(self, text: str, local: Path) -> str:
        """A message about the local copy `local`, naming the target instead."""
        return text.replace(str(local), self.label)

    def latest(self) -> str:
        found = self.names()
        if not found:
            raise archive.BackupRefused(f"no backup in {self.label}: run `sirecords backup create`")
        return found[-1]

    @contextmanager
    def opened(self, name: str, into: Path | None = None, *, blobs: bool = True) -> Iterator[Path]:
        """A local folder holding the backup `name` (downloaded into `into`, or a temporary folder, and removed after;
        only its manifest without `blobs`). BackupRefused raised inside names the target, not the temporary copy."""
        name = _checked_name(name)
        if name not in self.names():
            raise archive.BackupRefused(f"no backup {name} in {self.label} (`sirecords backup list --from {self.label}`)")
        with tempfile.TemporaryDirectory(prefix="sirecords-download-") as scratch:
            base = into or Path(scratch)
            try:
                self._download(name, base, blobs)
                yield base / name
            except archive.BackupRefused as error:
                raise archive.BackupRefused(self.shown(str(error), base)) from None
            finally:
                shutil.rmtree(base / name, ignore_errors=True)

    @contextmanager
    def journal(self) -> Iterator[Path]:
        """A local folder whose journal.jsonl is this target's; lines appended there are written back at the end."""
        with tempfile.TemporaryDirectory(prefix="sirecords-journal-") as scratch:
            folder = Path(scratch)
            before = self._read_journal()
            if before is not None:
                (folder / journal.NAME).write_bytes(before)
            try:
                yield folder
            except (archive.BackupRefused, RuntimeError) as error:
                raise type(error)(self.shown(str(error), folder)) from None
            finally:
                path = folder / journal.NAME
                if path.exists() and path.read_bytes() != before:
                    self._write_journal(path.read_bytes())


class LocalTarget(Target):
    def __init__(self, folder: Path):
        self.folder = folder.expanduser().resolve()
        self.label = str(self.folder)

    def names(self) -> list[str]:
        return [path.name for path in archive.backups(self.folder)]

    def upload(self, folder: Path) -> None:
        final = self.folder / folder.name
        if folder.resolve() == final:
            return
        if final.exists():
            raise archive.BackupRefused(f"{final} exists already")
        partial = self.folder / f".{folder.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(folder, partial)
            os.replace(partial, final)
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    def delete(self, name: str) -> None:
        path = self.folder / _checked_name(name)
        going = self.folder / f".{name}.deleting"
        os.replace(path, going)  # no longer listed from here on
        shutil.rmtree(going)

    @contextmanager
    def opened(self, name: str, into: Path | None = None, *, blobs: bool = True) -> Iterator[Path]:
        if Path(name).name != name or name.startswith("."):
            raise archive.BackupRefused(f"{name!r} is not a backup's name (backup-<UTC time>, as `backup list` prints)")
        yield self.folder / name

    @contextmanager
    def journal(self) -> Iterator[Path]:
        yield self.folder


class SftpTarget(Target):
    def __init__(self, label: str, user: str, host: str, port: int, path: str):
        self.label, self.user, self.host, self.port, self.root = label, user, host, port, path

    def _credentials(self) -> tuple[str, str]:
        found = []
        wanted = ((SSH_KEY, "the private key file to log in with"), (KNOWN_HOSTS, "the known_hosts file holding the host's key"))
        for variable, what in wanted:
            value = os.environ.get(variable, "")
            if not value:
                raise TargetUnreachable(f"{self.label}: set {variable} to {what} (docs/operations.md, Backup targets)")
            if not Path(value).is_file():
                raise TargetUnreachable(f"{self.label}: {variable}={value} is not a file")
            found.append(value)
        return found[0], found[1]

    def _run(self, step: str, operation: Any) -> Any:
        """Run `await operation(sftp)` on a fresh connection; TargetUnreachable naming the step when SSH/SFTP fails."""
        import asyncssh  # imported here: only SFTP targets need it

        logging.getLogger("asyncssh").setLevel(logging.WARNING)  # its INFO lines narrate every packet exchange
        key, known_hosts = self._credentials()

        async def main() -> Any:
            async with asyncssh.connect(self.host, self.port, username=self.user, client_keys=[key], known_hosts=known_hosts,
                                        config=None, agent_path=None, password=None, kbdint_auth=False,
                                        connect_timeout=30) as connection:
                async with connection.start_sftp_client() as sftp:
                    return await operation(sftp)

        try:
            return asyncio.run(main())
        except (OSError, asyncssh.Error, TimeoutError) as error:
            reason = getattr(error, "reason", "") or str(error) or type(error).__name__
            raise TargetUnreachable(f"{self.label}: {step}: {reason}") from None

    def _path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def names(self) -> list[str]:
        async def listing(sftp: Any) -> list[str]:
            if not await sftp.isdir(self.root):
                return []
            found = [n for n in await sftp.listdir(self.root) if NAME.fullmatch(n)]
            return sorted([n for n in found if await sftp.isfile(self._path(n, MANIFEST))])

        return self._run("listing the backups", listing)

    def upload(self, folder: Path) -> None:
        name = folder.name
        partial, final = self._path(f".{name}.partial"), self._path(name)

        async def copy(sftp: Any) -> None:
            import asyncssh

            await sftp.makedirs(self.root, exist_ok=True)
            if await sftp.exists(final):
                raise archive.BackupRefused(f"{self.label}/{name} exists already")
            if await sftp.exists(partial):
                await sftp.rmtree(partial)
            await sftp.makedirs(partial + "/files")
            blobs = sorted(str(path) for path in (folder / "files").iterdir())
            if blobs:
                await sftp.put(blobs, partial + "/files")
            await sftp.put(str(folder / MANIFEST), partial + "/" + MANIFEST)
            try:
                await sftp.posix_rename(partial, final)
            except asyncssh.SFTPOpUnsupported:
                await sftp.rename(partial, final)

        self._run(f"uploading {name}", copy)

    def _download(self, name: str, into: Path, blobs: bool) -> None:
        local = into / name

        async def fetch(sftp: Any) -> None:
            import asyncssh

            (local / "files").mkdir(parents=True, exist_ok=True)
            await sftp.get(self._path(name, MANIFEST), str(local / MANIFEST))
            gate = asyncio.Semaphore(8)

            async def one(blob: str) -> None:
                async with gate:
                    try:
                        await sftp.get(self._path(name, blob), str(local / blob))
                    except asyncssh.SFTPNoSuchFile:
                        pass  # archive.check names it as missing

            await asyncio.gather(*(one(blob) for blob in (_blobs(local / MANIFEST) if blobs else [])))

        self._run(f"downloading {name}", fetch)

    def delete(self, name: str) -> None:
        going = self._path(f".{_checked_name(name)}.deleting")

        async def remove(sftp: Any) -> None:
            import asyncssh

            try:
                await sftp.posix_rename(self._path(name), going)
            except asyncssh.SFTPOpUnsupported:
                await sftp.rename(self._path(name), going)
            await sftp.rmtree(going)

        self._run(f"deleting {name}", remove)

    def _read_journal(self) -> bytes | None:
        async def read(sftp: Any) -> bytes | None:
            import asyncssh

            try:
                async with sftp.open(self._path(journal.NAME), "rb") as handle:
                    return await handle.read()
            except asyncssh.SFTPNoSuchFile:
                return None

        return self._run("reading the journal", read)

    def _write_journal(self, data: bytes) -> None:
        async def write(sftp: Any) -> None:
            import asyncssh

            await sftp.makedirs(self.root, exist_ok=True)
            partial = self._path(f".{journal.NAME}.partial")
            async with sftp.open(partial, "wb") as handle:
                await handle.write(data)
            try:
                await sftp.posix_rename(partial, self._path(journal.NAME))
            except asyncssh.SFTPOpUnsupported:
                await sftp.remove(self._path(journal.NAME))
                await sftp.rename(partial, self._path(journal.NAME))

        self._run("writing the journal", write)


class S3Target(Target):
    def __init__(self, label: str, bucket: str, prefix: str):
        self.label, self.bucket, self.prefix = label, bucket, prefix

    @cached_property
    def client(self) -> Any:
        import boto3  # imported here: only S3 targets need it

        logging.getLogger("botocore.credentials").setLevel(logging.WARNING)  # "Found credentials in …" on every run
        return boto3.client("s3", endpoint_url=os.environ.get(S3_ENDPOINT) or None)

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    @contextmanager
    def _step(self, step: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            detail = error.response.get("Error", {})
            raise TargetUnreachable(f"{self.label}: {step}: {detail.get('Code', '?')}: {detail.get('Message', '') or error}") from None
        except BotoCoreError as error:
            raise TargetUnreachable(f"{self.label}: {step}: {error}") from None

    def _keys(self, under: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=under)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def names(self) -> list[str]:
        base = self._key("")
        base = base + "/" if base else ""
        found = []
        with self._step("listing the backups"):
            for key in self._keys(base):
                parts = key[len(base):].split("/")
                if len(parts) == 2 and parts[1] == MANIFEST and NAME.fullmatch(parts[0]):
                    found.append(parts[0])
        return sorted(found)

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def upload(self, folder: Path) -> None:
        name = folder.name
        with self._step(f"uploading {name}"):
            if self._exists(self._key(name, MANIFEST)):
                raise archive.BackupRefused(f"{self.label}/{name} exists already")
            for path in sorted((folder / "files").iterdir()):
                self.client.upload_file(str(path), self.bucket, self._key(name, "files", path.name))
            self.client.upload_file(str(folder / MANIFEST), self.bucket, self._key(name, MANIFEST))

    def _download(self, name: str, into: Path, blobs: bool) -> None:
        local = into / name
        (local / "files").mkdir(parents=True, exist_ok=True)
        with self._step(f"downloading {name}"):
            self.client.download_file(self.bucket, self._key(name, MANIFEST), str(local / MANIFEST))
            present = set(self._keys(self._key(name, "files") + "/")) if blobs else set()
            for blob in _blobs(local / MANIFEST) if blobs else []:
                if self._key(name, blob) in present:  # a missing blob stays missing: archive.check names it
                    self.client.download_file(self.bucket, self._key(name, blob), str(local / blob))

    def delete(self, name: str) -> None:
        name = _checked_name(name)
        with self._step(f"deleting {name}"):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name, MANIFEST))  # no longer listed
            keys = list(self._keys(self._key(name) + "/"))
            for start in range(0, len(keys), 1000):
                batch = [{"Key": key} for key in keys[start:start + 1000]]
                answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise TargetUnreachable(f"{self.label}: deleting {name}: {first.get('Key')}: {first.get('Message')}")

    def _read_journal(self) -> bytes | None:
        from botocore.exceptions import ClientError

        with self._step("reading the journal"):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self._key(journal.NAME))["Body"].read()
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    return None
                raise

    def _write_journal(self, data: bytes) -> None:
        with self._step("writing the journal"):
            self.client.put_object(Bucket=self.bucket, Key=self._key(journal.NAME), Body=data)


def parse(text: str) -> Target:
    """A Target from a TARGET string; TargetInvalid naming it and why."""
    text = text.strip()
    if not text:
        raise TargetInvalid(f"an empty backup target: give {FORMS}")
    if "://" not in text:
        return LocalTarget(Path(text))
    parts = urlsplit(text)
    if parts.password is not None:
        shown = text.replace(f":{parts.password}@", ":***@", 1)
        raise TargetInvalid(f"backup target {shown!r}: put no password in a target (SFTP logs in with {SSH_KEY}; "
                            "S3 takes its credentials from AWS_* variables or boto3's configuration)")
    if parts.query or parts.fragment:
        raise TargetInvalid(f"backup target {text!r}: no ?query or #fragment is allowed")
    try:
        port = parts.port
    except ValueError as error:
        raise TargetInvalid(f"backup target {text!r}: {error}") from None
    if parts.scheme == "file":
        if parts.netloc:
            raise TargetInvalid(f"backup target {text!r}: a file:// target names a folder of this machine (file:///path)")
        return LocalTarget(Path(parts.path))
    if parts.scheme == "sftp":
        if not parts.username or not parts.hostname:
            raise TargetInvalid(f"backup target {text!r}: an SFTP target is sftp://user@host[:port]/path")
        path = posixpath.normpath(parts.path) if parts.path else ""
        if not path.startswith("/") or path == "/" or ".." in parts.path.split("/"):
            raise TargetInvalid(f"backup target {text!r}: give the folder on the host as an absolute path below / (sftp://user@host/srv/backups)")
        return SftpTarget(f"sftp://{parts.username}@{parts.netloc.rpartition('@')[2]}{path}", parts.username, parts.hostname,
                          port or 22, path)
    if parts.scheme == "s3":
        if parts.username is not None or port is not None or not BUCKET.fullmatch(parts.netloc or ""):
            raise TargetInvalid(f"backup target {text!r}: an S3 target is s3://bucket/prefix, the bucket 3-63 characters "
                                "of a-z 0-9 . - (the endpoint comes from SIRECORDS_BACKUP_S3_ENDPOINT)")
        prefix = parts.path.strip("/")
        if any(piece in ("", ".", "..") for piece in prefix.split("/")) and prefix:
            raise TargetInvalid(f"backup target {text!r}: the prefix has an empty, . or .. part")
        return S3Target(f"s3://{parts.netloc}/{prefix}".rstrip("/"), parts.netloc, prefix)
    raise TargetInvalid(f"backup target {text!r}: unknown kind {parts.scheme!r}; give {FORMS}")


def configured() -> list[Target]:
    """SIRECORDS_BACKUP_TARGETS (comma-separated), else the one local folder archive.default_target()."""
    texts = [t.strip() for t in os.environ.get(VARIABLE, "").split(",") if t.strip()]
    return [parse(t) for t in texts] if texts else [LocalTarget(archive.default_target())]


def chosen(texts: list[str] | None) -> list[Target]:
    """The targets given on the command line (--to/--from), else the configured ones."""
    return [parse(t) for t in texts] if texts else configured()


def create(targets: list[Target], *, full: bool = False) -> tuple[archive.Backup, list[Target], list[str]]:
    """Make one backup and copy it to every target: (the backup, the targets that hold it, one problem per target
    that does not). The backup is made in the first target when it is a local folder, else in a staging folder
    (under TMPDIR) removed at the end; a target's failure does not stop the copies to the others."""
    try:
        others = configured()
    except TargetInvalid:
        others = []  # a broken SIRECORDS_BACKUP_TARGETS does not stop a backup to the targets given
    local = [t.folder for t in [*targets, *others] if isinstance(t, LocalTarget)]
    first = targets[0]
    staging = None if isinstance(first, LocalTarget) else Path(tempfile.mkdtemp(prefix="sirecords-staging-"))
    written: list[Target] = []
    problems: list[str] = []
    try:
        backup = archive.create(first.folder if isinstance(first, LocalTarget) else staging, exclude=local, full=full)
        for target in targets:
            try:
                target.upload(backup.folder)
                written.append(target)
            except (archive.BackupRefused, TargetUnreachable, OSError) as error:
                problems.append(f"{target.label}: {error}")
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return backup, written, problems


def prune(target: Target, policy: retention.Policy, now: datetime, *, dry_run: bool, actor: str, reason: str) -> list[str]:
    """Delete the backups the policy lets go (none with dry_run), each recorded in the target's journal; the names.
    Refuses (RuntimeError, nothing deleted) when the journal does not verify."""
    doomed = retention.to_delete(target.names(), policy, now)
    if dry_run or not doomed:
        return doomed
    with target.journal() as folder:
        problems = journal.check(folder)
        if problems:
            raise RuntimeError("the backup journal does not verify, nothing deleted: " + "; ".join(problems[:3]))
        for name in doomed:
            target.delete(name)
            journal.record(folder, "prune", actor, reason, backup=name, policy=str(policy))
    return doomed

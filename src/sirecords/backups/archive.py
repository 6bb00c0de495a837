"""A backup: a folder `<target>/backup-<UTC stamp>/` holding

- `files/NNNNNN`: each file AES-256-GCM-sealed with the backup key (crypto.sealing; the associated data names the
  backup and the file, so a file cannot be swapped for another one or another backup's);
- `manifest.json`: {"body": {...}, "signature"}: the files (name, SHA-256 and size of the plaintext, the sealed
  blob), the engine, and the ledger's size, root and newest entry time at backup time; signed by the instance's
  checkpoint key (ledger.signatures) over the SHA-256 of the canonical body.

Files named `db/…` are the database snapshot; `home/…` the files under SIRECORDS_HOME (keys, stored documents,
collection files, witness copies…); `witness/…` the witness folder when it lies outside SIRECORDS_HOME.

In pgBackRest mode (pgbackrest.py) the database is not in the folder: the manifest's `pgbackrest` names the
pgBackRest backup (stanza, label, type, when it ended) in the encrypted repository, and there is no `db/` file.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from sirecords.backups import database, pgbackrest
from sirecords.backups.keys import backup_key_path, load_backup_key
from sirecords.core.canonical import canonical_bytes
from sirecords.core.home import home, keys_dir, witness_dir
from sirecords.crypto.keys import SIGNING_KEY, forget_loaded_keys
from sirecords.crypto.sealing import SealBroken, seal_chunks_into, unseal_file_chunks
from sirecords.databases.jobs import LOCK_FOLDER
from sirecords.ledger import signatures

FORMAT = "sirecords-backup/v1"
STATEMENT = "sirecords/backup-manifest/v1"
SQLITE_NAME, PG_NAME = "db/database.sqlite3", "db/database.pgdump"
SAMPLE = 8  # files checked by `backup verify` besides the database (all with --full)


class BackupRefused(RuntimeError):
    """A backup that does not check, or a restore that would overwrite without --force: nothing was changed."""


def default_target() -> Path:
    configured = os.environ.get("SIRECORDS_BACKUP_DIR")
    return Path(configured).resolve() if configured else home() / "backups"


def _chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while piece := handle.read(size):
            yield piece


def _context(backup_id: str, name: str) -> str:
    return f"sirecords-backup:{backup_id}:{name}"


def _skip(path: Path, excluded: list[Path]) -> bool:
    if path.name.endswith((".tmp", "-wal", "-shm", "-journal")):
        return True
    return any(path == e or e in path.parents for e in excluded)


def _home_files(target: Path, exclude: Iterable[Path] = ()) -> Iterator[tuple[str, Path]]:
    """(name in the backup, path) of every file to keep besides the database. Never the backup folders: the target,
    the default one and `exclude` (the other local targets of the same backup, targets.create)."""
    root, witness = home(), witness_dir()
    config = database.settings_of()
    excluded = [target, default_target(), *(Path(e).resolve() for e in exclude), backup_key_path(), root / "verify-last.json",
                root / "backup-last.json", root / LOCK_FOLDER]  # the scheduled jobs' lock files: who runs now
    if database.vendor() == "sqlite":
        excluded.append(Path(config["NAME"]).resolve())
        excluded.append((root / "test.sqlite3").resolve())
    for base, prefix in ((root, "home"), (witness, "witness")):
        if prefix == "witness" and (witness == root or root in witness.parents):
            continue  # already under home/
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink() and not _skip(path.resolve(), excluded):
                yield f"{prefix}/{path.relative_to(base).as_posix()}", path


@dataclass(frozen=True)
class Backup:
    folder: Path
    body: dict[str, Any]
    signature: str

    @property
    def id(self) -> str:
        return self.body["id"]

    @property
    def ledger(self) -> dict[str, Any]:
        return self.body["ledger"]

    def signature_holds(self) -> bool:
        """Signed by this instance's checkpoint key. Only signing.key is read (not the whole key set): a restore
        must work when the other key files are lost, as they come back from the backup."""
        digest = hashlib.sha256(canonical_bytes(self.body)).hexdigest()
        path = keys_dir() / SIGNING_KEY
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            key.public_key().verify(bytes.fromhex(self.signature), signatures.statement(STATEMENT, manifest=digest))
        except FileNotFoundError:
            raise BackupRefused(f"{path} is missing: copy the instance's checkpoint key back first (docs/operations.md)") from None
        except (InvalidSignature, ValueError, TypeError, AttributeError):
            return False
        return True


def create(target: Path | None = None, *, exclude: Iterable[Path] = (), full: bool = False) -> Backup:
    """A backup into `target` (never including the folders `exclude` names: the other local targets). In pgBackRest
    mode the database part is a pgBackRest backup (`full`, or full when the repository has none, else incremental);
    a pg_dump or SQLite snapshot is always whole."""
    target = (target or default_target()).resolve()
    key = load_backup_key()
    now = datetime.now(UTC)
    backup_id = "backup-" + now.strftime("%Y%m%dT%H%M%S%fZ")
    folder = target / backup_id
    partial = target / f".{backup_id}.partial"
    (partial / "files").mkdir(parents=True)
    files: list[dict[str, Any]] = []

    def keep(name: str, path: Path) -> None:
        blob = f"files/{len(files) + 1:06d}"
        digest, size = hashlib.sha256(), 0

        def hashed() -> Iterator[bytes]:
            nonlocal size
            for piece in _chunks(path):
                digest.update(piece)
                size += len(piece)
                yield piece

        with open(partial / blob, "wb") as out:
            seal_chunks_into(out, hashed(), _context(backup_id, name), key=key)
        files.append({"name": name, "sha256": digest.hexdigest(), "size": size, "blob": blob})

    settings, extra = pgbackrest.configured(), {}
    try:
        if settings is not None:  # --- pgBackRest mode: the database goes to the pgBackRest repository ---
            state, extra["pgbackrest"] = pgbackrest.backup(settings, full=full)
        else:
            with tempfile.TemporaryDirectory(prefix="sirecords-backup-") as scratch:
                dump = Path(scratch) / "database"
                state = database.snapshot(dump)
                keep(SQLITE_NAME if database.vendor() == "sqlite" else PG_NAME, dump)
        for name, path in _home_files(target, exclude):
            keep(name, path)
        body = {"format": FORMAT, "id": backup_id, "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "origin": signatures.origin(), "engine": database.vendor(),
                "ledger": {"size": state.size, "root": state.root, "newest_recorded_at": state.newest},
                "files": files, **extra}
        digest = hashlib.sha256(canonical_bytes(body)).hexdigest()
        manifest = {"body": body, "signature": signatures.sign(STATEMENT, manifest=digest)}
        (partial / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, folder)  # a backup is there whole or not at all
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return load(folder)


def load(folder: Path) -> Backup:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return Backup(folder, manifest["body"], manifest["signature"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupRefused(f"{folder / 'manifest.json'}: cannot be read: {error}") from None


def backups(target: Path | None = None) -> list[Path]:
    """The backup folders in the target, oldest first (their names sort by time)."""
    target = (target or default_target()).resolve()
    return sorted(p for p in target.glob("backup-*") if p.is_dir()) if target.is_dir() else []


def latest(target: Path | None = None) -> Path:
    found = backups(target)
    if not found:
        raise BackupRefused(f"no backup in {(target or default_target()).resolve()}: run `sirecords backup create`")
    return found[-1]


def open_file(backup: Backup, entry: dict[str, Any], key: bytes) -> Iterator[bytes]:
    """The plaintext of one file, checked (seal, size, SHA-256) once the iteration ends: BackupRefused naming it."""
    blob = backup.folder / entry["blob"]
    digest, size = hashlib.sha256(), 0
    try:
        for piece in unseal_file_chunks(blob, _context(backup.id, entry["name"]), key=key):
            digest.update(piece)
            size += len(piece)
            yield piece
    except (OSError, SealBroken) as error:
        raise BackupRefused(f"{blob} ({entry['name']}): does not open: {error}") from None
    if digest.hexdigest() != entry["sha256"] or size != entry["size"]:
        raise BackupRefused(f"{blob} ({entry['name']}): its content does not match the manifest's SHA-256")


def check(folder: Path, *, full: bool = False) -> tuple[Backup, int]:
    """The manifest's signature, every blob present with the sealed size its file needs, and the content (opened and
    hashed) of the database and a sample of the other files (every file with `full`). (backup, files opened)."""
    backup = load(folder)
    if backup.body.get("format") != FORMAT or not backup.signature_holds():
        raise BackupRefused(f"{folder / 'manifest.json'}: its signature does not verify (changed, or another instance's)")
    for entry in backup.body["files"]:
        blob = folder / entry["blob"]
        if not blob.is_file() or blob.stat().st_size != entry["size"] + 28:  # nonce 12 + tag 16
            raise BackupRefused(f"{blob} ({entry['name']}): missing or of the wrong size")
    key = load_backup_key()
    database_files = [e for e in backup.body["files"] if e["name"].startswith("db/")]
    if len(database_files) != (0 if "pgbackrest" in backup.body else 1):
        raise BackupRefused(f"{folder / 'manifest.json'}: names {len(database_files)} database files "
                            f"({'a pgBackRest backup has none' if 'pgbackrest' in backup.body else 'one expected'})")
    others = [e for e in backup.body["files"] if not e["name"].startswith("db/")]
    chosen = database_files + (others if full else secrets.SystemRandom().sample(others, min(SAMPLE, len(others))))
    for entry in chosen:
        for _piece in open_file(backup, entry, key):
            pass
    return backup, len(chosen)


def write_file(backup: Backup, entry: dict[str, Any], key: bytes, path: Path) -> None:
    """Restore one file: written beside its place, checked, then renamed over it (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.restore")
    try:
        with open(temporary, "wb") as out:
            for piece in open_file(backup, entry, key):
                out.write(piece)
        if entry["name"].startswith("home/keys/"):
            os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def place(name: str, root: Path, witness: Path) -> Path:
    prefix, _, rest = name.partition("/")
    base = root if prefix == "home" else witness
    path = (base / rest).resolve()
    if base.resolve() not in path.parents:
        raise BackupRefused(f"{name}: a name outside its folder")
    return path


def restore_files(backup: Backup, root: Path, witness: Path) -> int:
    key = load_backup_key()
    count = 0
    for entry in backup.body["files"]:
        if not entry["name"].startswith("db/"):
            write_file(backup, entry, key, place(entry["name"], root, witness))
            count += 1
    forget_loaded_keys()
    return count


def database_entry(backup: Backup) -> dict[str, Any]:
    return next(e for e in backup.body["files"] if e["name"].startswith("db/"))


def moment(backup: Backup) -> datetime:
    """The time the backup's database holds: when the pgBackRest backup ended (WAL replays on from there), else the
    manifest's creation time."""
    stamp = backup.body.get("pgbackrest", {}).get("ended_at") or backup.body["created_at"]
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def for_time(target: Path | None, at: datetime) -> Path:
    """The newest backup in the target that ended at or before `at` (the one to restore for `--at`)."""
    found = [folder for folder in backups(target) if moment(load(folder)) <= at]
    if not found:
        everything = [load(folder) for folder in backups(target)]
        earliest = f"the earliest ended at {moment(everything[0]):%Y-%m-%dT%H:%M:%SZ}" if everything else "there is none"
        no_wal = "" if everything and "pgbackrest" in everything[0].body else \
            "; a pg_dump or SQLite backup has no WAL to replay: it restores only to the moment it was taken"
        raise BackupRefused(f"no backup in {(target or default_target()).resolve()} ended at or before "
                            f"{at:%Y-%m-%dT%H:%M:%S.%fZ} ({earliest}): nothing older to restore or replay from{no_wal}")
    return found[-1]


def restore(folder: Path, *, force: bool = False, at: datetime | None = None) -> tuple[Backup, list[str], int, str]:
    """Restore the database and the files; (backup, tables overwritten, files written, what was done to the
    database). Refuses a database that has tables unless `force`, a backup of another engine, and a time (`at`)
    before the backup; a pg_dump or SQLite backup has no WAL, so `at` only picks it (the state restored is the
    backup's), while a pgBackRest backup is replayed up to `at`."""
    backup, _ = check(folder)
    if backup.body["engine"] != database.vendor():
        raise BackupRefused(f"{backup.id} is a {backup.body['engine']} backup; the configured database is {database.vendor()}")
    if at is not None and at < moment(backup):
        kind = "its pgBackRest backup ended" if "pgbackrest" in backup.body else \
            "a pg_dump or SQLite backup has no WAL to replay: it restores only to the moment it was taken,"
        raise BackupRefused(f"{backup.id} cannot restore to {at:%Y-%m-%dT%H:%M:%S.%fZ}: {kind} at "
                            f"{moment(backup):%Y-%m-%dT%H:%M:%S.%fZ}; nothing was changed")
    if "pgbackrest" in backup.body:  # --- pgBackRest mode: the whole cluster, then the files ---
        settings = pgbackrest.required()
        tables = database.existing_tables() if pgbackrest.answers(pgbackrest.connect_params(database.settings_of())) else []
        if tables and not force:
            raise BackupRefused(f"the configured database is not empty ({len(tables)} tables): a pgBackRest restore "
                                "replaces the whole cluster — give --force to overwrite")
        done = pgbackrest.restore(settings, backup.body["pgbackrest"]["label"], at)
        return backup, tables, restore_files(backup, home(), witness_dir()), done
    tables = database.existing_tables()
    if tables and not force:
        raise BackupRefused(f"the configured database is not empty ({len(tables)} tables, e.g. {', '.join(sorted(tables)[:3])}): "
                            "restoring replaces all of it — give --force to overwrite")
    key = load_backup_key()
    with tempfile.TemporaryDirectory(prefix="sirecords-restore-") as scratch:
        dump = Path(scratch) / "database"
        write_file(backup, database_entry(backup), key, dump)
        database.restore(dump)
    count = restore_files(backup, home(), witness_dir())
    done = f"restored to the backup's moment ({backup.body['created_at']})" + (
        "; no WAL: later changes up to the time asked for are not in it" if at is not None else "")
    return backup, tables, count, done

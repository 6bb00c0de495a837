"""The database part of a backup: SQLite through its online backup API, PostgreSQL through pg_dump -Fc / pg_restore.

Both take a consistent snapshot while the system runs. The ledger's size and root recorded in the manifest are read
before and after the snapshot; a snapshot during which the ledger grew is taken again (it would hold more than the
manifest says)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404 # PostgreSQL client tools, found by shutil.which, argv list, no shell
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from sirecords.core.database_url import libpq_params, url_of
from sirecords.ledger.append import read_head_state


class DatabaseError(RuntimeError):
    """A dump or restore that did not work; says which step and why."""


@dataclass(frozen=True)
class LedgerState:
    size: int
    root: str
    newest: str  # recorded_at of the newest entry ("" for an empty ledger)


def ledger_state() -> LedgerState:
    head = read_head_state()
    newest = ""
    if head.size:
        with connection.cursor() as cursor:
            cursor.execute("SELECT recorded_at FROM ledger_entry WHERE seq = %s", [head.size])
            row = cursor.fetchone()
            newest = row[0] if row else ""
    return LedgerState(head.size, head.frontier.root().hex(), newest)


def settings_of() -> dict[str, Any]:
    return connection.settings_dict


def vendor() -> str:
    return connection.vendor


# --- PostgreSQL connection arguments for the client tools ---

def _pg_env(config: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    return env


def _pg_args(config: dict[str, Any], name: str | None = None) -> list[str]:
    """The database as one libpq connection string (-d): a list of hosts for a failover cluster is passed whole, with
    target_session_attrs and the other libpq OPTIONS, so the tools reach the primary as the application does. The
    password goes in the environment (_pg_env), never on the command line."""
    from psycopg.conninfo import make_conninfo

    params = libpq_params(config, name)
    params.pop("password", None)
    return ["-d", make_conninfo(**params)]


def _run(command: list[str], env: dict[str, str], step: str) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise DatabaseError(f"{step}: {command[0]} is not installed (PostgreSQL client tools)")
    result = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True)  # nosec B603 # PostgreSQL client tools, found by shutil.which, argv list, no shell
    if result.returncode != 0:
        raise DatabaseError(f"{step} failed ({command[0]} exited {result.returncode}): {result.stderr.strip()[:500]}")


# --- snapshot ---

def snapshot(target: Path) -> LedgerState:
    """Write a consistent copy of the configured database to `target`; the ledger state it holds."""
    for _attempt in range(3):
        before = ledger_state()
        if vendor() == "sqlite":
            copy_sqlite(settings_of()["NAME"], target)  # a consistent copy while others write
        elif vendor() == "postgresql":
            config = settings_of()
            _run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), *_pg_args(config)], _pg_env(config), "pg_dump")
        else:
            raise DatabaseError(f"backups support SQLite and PostgreSQL, not {vendor()}")
        if ledger_state() == before:
            return before
        target.unlink(missing_ok=True)
    raise DatabaseError("the ledger grew during each of three snapshots: try again at a quieter time")


# --- restore ---

def _sqlite_tables(path: str) -> list[str]:
    if not Path(path).exists():
        return []
    with sqlite3.connect(path) as db:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                               "AND name NOT LIKE 'sqlite_%'")]


def existing_tables() -> list[str]:
    """The tables in the configured database: restore refuses a database that has any, unless forced."""
    if vendor() == "sqlite":
        return _sqlite_tables(settings_of()["NAME"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return [name for (name,) in cursor.fetchall()]


def restore_sqlite(snapshot_file: Path, path: str) -> None:
    connection.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)
    Path(path).unlink(missing_ok=True)
    copy_sqlite(snapshot_file, path)


def copy_sqlite(snapshot_file: Path | str, path: Path | str) -> None:
    """`snapshot_file` copied into the SQLite file `path` through the online backup API (page by page, its
    write-ahead log included, consistent while others write)."""
    source, copy = sqlite3.connect(snapshot_file), sqlite3.connect(path)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def restore_postgresql(snapshot_file: Path, config: dict[str, Any], name: str | None = None) -> None:
    connection.close()
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", *_pg_args(config, name),
          str(snapshot_file)], _pg_env(config), "pg_restore")


def restore(snapshot_file: Path) -> None:
    """Replace the configured database's contents with the snapshot."""
    if vendor() == "sqlite":
        restore_sqlite(snapshot_file, settings_of()["NAME"])
    else:
        restore_postgresql(snapshot_file, settings_of())


# --- a scratch database for the drill ---

@contextmanager
def scratch(snapshot_file: Path, folder: Path) -> Iterator[str]:
    """The snapshot restored into a database of its own; yields its DATABASE_URL ("" for SQLite: the file in
    `folder`, SIRECORDS_HOME of the drill). A scratch PostgreSQL database is created and dropped."""
    if vendor() == "sqlite":
        copy_sqlite(snapshot_file, folder / "sirecords.sqlite3")
        yield ""
        return
    import psycopg

    config = dict(settings_of())
    name = f"{config['NAME']}_drill_{uuid.uuid4().hex[:8]}"
    params = {**libpq_params(config, "postgres"), "autocommit": True}
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _run(["pg_restore", "--no-owner", "--exit-on-error", *_pg_args(config, name), str(snapshot_file)],
             _pg_env(config), "pg_restore into the scratch database")
        yield url_of(config, name)
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

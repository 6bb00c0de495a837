"""A scheduled job once, and on the primary (issue #20; docs/operations.md "High availability": scheduled jobs).

Every app server of a cluster may carry the timers (`sirecords checkpoint`, `verify`, `backup create|verify|drill`);
with `--if-primary` a run goes ahead only when

- on PostgreSQL, the database server it reaches is not a standby (`pg_is_in_recovery()` false, asked on the job's
  own connection and on the lock's), and no other run of the same job holds its lock: a session-level advisory lock,
  `pg_try_advisory_lock(LOCK_CLASS, JOBS[job])`, taken on a connection of its own (the configured DATABASE_URL, every
  host and libpq option: the same server the job reaches) and held until the run ends — a job that closes Django's
  connections (verify --workers, statements --workers) keeps it; a run that dies releases it with its connection;
- on SQLite (one server), no other run holds the job's file lock, `fcntl.flock` on `$SIRECORDS_HOME/locks/<job>.lock`,
  released when the run ends or dies.

Otherwise `scheduled_job` raises JobSkipped with the reason, and the command prints
`sirecords <job>: not run: <reason>` and exits 0 (SKIPPED_EXIT): a run left to the primary, or to the run already
going, is not a failure to alert on. The advisory lock is per database: test databases on one server do not meet.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

from sirecords.core.database_url import libpq_params
from sirecords.core.home import home

__all__ = ["JOBS", "LOCK_CLASS", "LOCK_FOLDER", "SKIPPED_EXIT", "JobSkipped", "in_recovery", "lock_path", "scheduled_job"]

SKIPPED_EXIT = 0
LOCK_FOLDER = "locks"  # under SIRECORDS_HOME (left out of the backups: backups/archive.py)
# pg_try_advisory_lock(int4, int4): the first key says "sirecords" ("SREC" in ASCII), the second which job. Fixed: a
# number never changes meaning, or two versions of the application would run one job twice.
LOCK_CLASS = 0x53524543
JOBS = {"checkpoint": 1, "verify": 2, "backup create": 3, "backup verify": 4, "backup drill": 5}

HELD = "another run holds the lock"
STANDBY = "the database server is a standby (pg_is_in_recovery() is true): scheduled jobs run on the primary"


class JobSkipped(Exception):
    """The job must not run here now; the message says why (HELD or STANDBY, with the job's name)."""


def in_recovery(cursor) -> bool:
    """Whether the server `cursor` is connected to is a standby."""
    cursor.execute("SELECT pg_is_in_recovery()")
    return bool(cursor.fetchone()[0])


def lock_path(job: str) -> Path:
    return home() / LOCK_FOLDER / f"{job.replace(' ', '-')}.lock"


@contextlib.contextmanager
def scheduled_job(job: str) -> Iterator[None]:
    """The block runs as the one run of `job` (a key of JOBS), on the primary; raises JobSkipped (before the block)
    when it must not."""
    if job not in JOBS:
        raise ValueError(f"no scheduled job {job!r}: one of {', '.join(JOBS)}")
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if in_recovery(cursor):
                raise JobSkipped(STANDBY)
        with _advisory_lock(job, connection.settings_dict):
            yield
    else:
        with _file_lock(job):
            yield


@contextlib.contextmanager
def _advisory_lock(job: str, config: dict) -> Iterator[None]:
    import psycopg

    with psycopg.connect(**libpq_params(config), autocommit=True) as holder, holder.cursor() as cursor:
        if in_recovery(cursor):
            raise JobSkipped(STANDBY)
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, JOBS[job]])
        if not cursor.fetchone()[0]:
            raise JobSkipped(f"{HELD} ({job}: advisory lock {LOCK_CLASS}, {JOBS[job]})")
        try:
            yield
        finally:
            # Closing the connection releases it too; unlocking first says so at once, even if the close lingers.
            with contextlib.suppress(psycopg.Error):
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, JOBS[job]])


@contextlib.contextmanager
def _file_lock(job: str) -> Iterator[None]:
    path = lock_path(job)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobSkipped(f"{HELD} ({job}: {path})") from None
        os.ftruncate(fd, 0)  # who holds it, for the operator who looks
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race with a run opening it)

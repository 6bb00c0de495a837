"""Scheduled jobs once, on the primary (databases/jobs.py, `--if-primary`; issue #20): while one run holds a job's lock
another run of it says so and exits 0 without doing anything; on PostgreSQL a run against a standby exits saying so.

Two runs at once are two lock holders: the test holds the lock as the first run would (on PostgreSQL on a connection
of its own, on SQLite on a file descriptor of its own) and starts the second, the command itself. Both engines.
"""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from sirecords.core.home import home
from sirecords.core.identifiers import make_id_number
from sirecords.databases import jobs
from sirecords.databases.jobs import HELD, LOCK_CLASS, STANDBY, JobSkipped, lock_path, scheduled_job
from sirecords.ledger.models import Checkpoint

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="the standby check and the advisory lock are PostgreSQL's: "
                                                           "run with DATABASE_URL=postgres://…")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="the file lock is SQLite's")
pytestmark = pytest.mark.django_db
PERSON = make_id_number("440305", date(1975, 3, 9), 126)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)  # a skipped run returns normally: exit status 0
    return out.getvalue()


def test_a_second_checkpoint_says_the_lock_is_held_and_signs_nothing(post_fresh):
    post_fresh("register_person", {"id_number": PERSON, "name": "定时", "region": "440305"})
    before = Checkpoint.objects.count()
    with scheduled_job("checkpoint"):  # the first run
        second = run("checkpoint", "--if-primary", "--actor", "ops-timer", "--reason", "hourly checkpoint")
        assert second.strip().startswith(f"sirecords checkpoint: not run: {HELD} (checkpoint")
        assert Checkpoint.objects.count() == before
    again = run("checkpoint", "--if-primary", "--actor", "ops-timer", "--reason", "hourly checkpoint")  # lock free
    assert again.startswith("checkpoint signed") and Checkpoint.objects.count() == before + 1


def test_without_the_flag_no_lock_is_asked_for(post_fresh):
    post_fresh("register_person", {"id_number": PERSON, "name": "定时", "region": "440305"})
    with scheduled_job("checkpoint"):
        assert run("checkpoint", "--actor", "ops", "--reason", "by hand").startswith("checkpoint signed")


def test_verify_and_backup_create_are_refused_alike(tmp_path):
    with scheduled_job("verify"):
        assert run("verify", "--if-primary", "--witness", str(tmp_path)).startswith(f"sirecords verify: not run: {HELD}")
        assert run("verify", "--if-primary", "--json", "--witness", str(tmp_path)).startswith('{"not_run": "another run')
        assert not (home() / "verify-last.json").exists() or "not run" not in (home() / "verify-last.json").read_text()
    with scheduled_job("backup create"):
        out = run("backup", "create", "--if-primary", "--to", str(tmp_path / "backups"))
        assert out.startswith(f"sirecords backup create: not run: {HELD}")
        assert not (tmp_path / "backups").exists()  # nothing made


def test_jobs_do_not_share_a_lock():
    with scheduled_job("verify"), scheduled_job("checkpoint"), scheduled_job("backup create"):
        with pytest.raises(JobSkipped, match=HELD):
            with scheduled_job("verify"):
                pass


def test_a_lock_is_released_when_its_run_ends_even_by_an_error():
    with pytest.raises(RuntimeError), scheduled_job("backup drill"):
        raise RuntimeError("the drill failed")
    with scheduled_job("backup drill"):
        pass


def test_an_unknown_job_is_a_programming_error():
    with pytest.raises(ValueError, match="no scheduled job"):
        with scheduled_job("statements"):
            pass


@sqlite_only
def test_sqlite_uses_a_file_lock_in_the_home_folder_left_out_of_backups(tmp_path):
    from sirecords.backups.archive import _home_files

    with scheduled_job("backup create"):
        path = lock_path("backup create")
        assert path == home() / "locks" / "backup-create.lock"
        assert path.read_text().startswith(f"pid {os.getpid()} since ")
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert not [name for name, _ in _home_files(tmp_path / "target") if name.startswith("home/locks/")]


@postgres_only
def test_postgres_holds_a_session_advisory_lock_while_the_run_lasts():
    def held() -> list:
        with connection.cursor() as cursor:
            cursor.execute("SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND granted "
                           "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                           [LOCK_CLASS])
            return [row[0] for row in cursor.fetchall()]

    assert jobs.JOBS["verify"] not in held()
    with scheduled_job("verify"):
        assert held() == [jobs.JOBS["verify"]]
    assert held() == []


@postgres_only
def test_on_a_standby_the_job_exits_saying_so(monkeypatch, tmp_path):
    monkeypatch.setattr(jobs, "in_recovery", lambda cursor: True)  # as pg_is_in_recovery() answers on a standby
    assert run("verify", "--if-primary", "--witness", str(tmp_path)).strip() == f"sirecords verify: not run: {STANDBY}"
    out = run("checkpoint", "--if-primary", "--actor", "ops-timer", "--reason", "hourly checkpoint")
    assert out.strip() == f"sirecords checkpoint: not run: {STANDBY}"
    with pytest.raises(JobSkipped, match="standby"):
        with scheduled_job("backup create"):
            pass

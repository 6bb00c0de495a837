"""Crash consistency at a handful of points (issue #20, point 5): bench/crash.py run on the engine of the suite with a
fixed seed — the importer and the posting each killed with SIGKILL at random moments in a worker process, every
batch then whole or absent (never half applied), `verify` passing, and the retry posting what was absent or refused
as already imported where present. The 200-point runs on both engines: docs/operations.md "Crash consistency".

The script runs in a process of its own with a fresh SIRECORDS_HOME: on SQLite a file there, on PostgreSQL
(DATABASE_URL set) a scratch database on the same server, dropped afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"engine", "points", "killed", "batches_whole", "batches_absent", "half_applied", "verify_failures", "ok"}


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(sql)


@pytest.fixture
def crash_env():
    home = tempfile.mkdtemp(prefix="sirecords-crash-points-")
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "SIRECORDS_HOME")}
    env["SIRECORDS_HOME"] = home
    url = os.environ.get("DATABASE_URL")
    name = None
    if url:
        name = f"crash_points_test_{uuid.uuid4().hex[:10]}"
        _admin(url, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        yield env
    finally:
        if name:
            _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def test_ten_kill_points_leave_every_batch_whole_or_absent_and_verify_passing(crash_env):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "crash.py"), "--points", "10", "--seed", "7",
                             "--persons", "10", "--verify-every", "5"], cwd=ROOT, env=crash_env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert KEYS <= set(figures)
    assert figures["ok"] is True and figures["points"] == 10
    assert figures["engine"] == ("postgresql" if "DATABASE_URL" in crash_env else "sqlite")
    assert figures["half_applied"] == 0 and figures["verify_failures"] == 0
    assert figures["batches_whole"] + figures["batches_absent"] == 10
    assert figures["retried"] == figures["batches_absent"] and figures["refused_again"] == figures["batches_whole"]
    assert figures["killed"] >= 1  # the delays are drawn below an unkilled run's duration: most land in the work

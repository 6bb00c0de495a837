"""Crash consistency at a handful of points (issue #20, point 5): bench/crash.py run on the engine of the suite with a
fixed seed — the importer and the posting each killed with SIGKILL at random moments in a worker process, every
batch then whole or absent (never half applied), `verify` passing, and the retry posting what was absent or refused
as already imported where present. The 200-point runs on both engines: docs/operations.md "Crash consistency".

The script runs in a process of its own with a fresh SIRECORDS_HOME: on SQLite a file there, on PostgreSQL
(DATABASE_URL set) a scratch database on the same server, dropped afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..benchenv import scratch_bench_env

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"engine", "points", "killed", "batches_whole", "batches_absent", "half_applied", "verify_failures", "ok"}


@pytest.fixture
def crash_env():
    with scratch_bench_env("crash-points-test") as env:
        yield env


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

"""bench/query.py runs end to end at a tiny N on the current engine (so it cannot rot): its set-up, the service
measurement, gunicorn with concurrent clients, and the JSON last line; and the record it reads is the person asked for.

It runs the script in a process of its own with a fresh SIRECORDS_HOME: on SQLite a file there, on PostgreSQL
(DATABASE_URL set) a scratch database on the same server, dropped afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..benchenv import scratch_bench_env

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"persons", "service_p50_ms", "service_p99_ms", "http_rps", "http_p99_ms", "http_floor_rps", "http_floor_p99_ms",
        "clients", "queries_per_record", "engine", "ok"}


@pytest.fixture
def bench_env():
    with scratch_bench_env("query-bench-test") as env:
        yield env


def test_the_bench_reads_the_queried_persons_and_prints_its_figures(bench_env):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "query.py"), "--persons", "60", "--queried", "3",
                             "--samples", "12", "--clients", "2", "--workers", "1", "--seconds", "0.5",
                             "--show-queries"], cwd=ROOT, env=bench_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert KEYS <= set(figures)
    assert figures["persons"] == 60 and figures["clients"] == 2 and figures["ok"] is True
    assert figures["engine"] == ("postgresql" if "DATABASE_URL" in bench_env else "sqlite")
    assert figures["service_p50_ms"] > 0 and figures["service_p99_ms"] >= figures["service_p50_ms"]
    assert figures["http_rps"] > 0 and figures["http_p99_ms"] > 0 and figures["queries_per_record"] > 10
    assert figures["http_floor_rps"] > 0 and figures["http_floor_p99_ms"] > 0  # the same server's GET /healthz
    # The bench checked each answer names the person asked for (ok); its own check of the first one's record:
    check = next(line for line in lines if line.startswith("record check:"))
    assert check == "record check: the queried person's record (uid, masked ID number, 1800 contribution rows, award)"

"""The failover suite (issue #20, bench/failover.py) on deploy/ha/lab.py's three-node Patroni cluster: postings through
the API while the leader is killed (kill -9 of its Patroni and PostgreSQL); writes resume within 30 s, every
acknowledged posting is in the ledger, none is half-posted, no answer is a 500, `verify` passes on the new primary and
the old leader rejoins as a replica. The cluster is its own (its own ports and folder), so the suite runs once, in the
SQLite pass of .ci/run. Skipped, with the reason, where Patroni, etcd or HAProxy are not installed (.ci/system-deps
ha) or the tests do not run as root (the nodes run as the `postgres` OS user through runuser)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _missing() -> str | None:
    absent = [p for p in ("patroni", "etcd", "haproxy", "runuser") if shutil.which(p) is None
              and not Path(f"/usr/sbin/{p}").exists()]
    if absent:
        return f"not installed: {', '.join(absent)} (bash .ci/system-deps ha)"
    if os.getuid() != 0:
        return "the lab's nodes run as `postgres` through runuser: the tests must run as root"
    return None


@pytest.mark.skipif(_missing() is not None, reason=str(_missing()))
def test_postings_survive_the_leader_killed_and_the_old_leader_rejoins(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SIRECORDS_HOME")}
    lab = tempfile.mkdtemp(prefix="sirecords-ha-lab-", dir="/tmp")  # the postgres user reaches it (not pytest's 0700 tree)
    env.update(SIRECORDS_HA_LAB_PORT_BASE="23400", SIRECORDS_HA_LAB_DIR=lab,
               SIRECORDS_HOME=str(tmp_path / "home"), DJANGO_SETTINGS_MODULE="sirecords.settings.demo")
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "failover.py"), "--start", "--kills", "1",
                          "--interval", "4"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=400)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["ok"] is True
    assert figures["kills"] == 1 and figures["max_outage_s"] <= 30
    assert figures["acknowledged"] > 0 and figures["present"] == figures["acknowledged"]
    assert figures["half_posted"] == 0 and figures["unexpected"] == 0 and figures["verify_ok"] is True
    assert figures["cluster"]["settled"] is True

"""What the benches on deploy/ha/lab.py's cluster share (bench/failover.py, bench/replica_lab.py): running the lab's
commands, and a URL of the cluster naming another database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB = [sys.executable, str(ROOT / "deploy" / "ha" / "lab.py")]


def lab(*args: str) -> dict:
    """Run `deploy/ha/lab.py ARGS`; its last line's JSON. SystemExit with its error output when it fails."""
    run = subprocess.run([*LAB, *args], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"deploy/ha/lab.py {' '.join(args)} failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def on(url: str, name: str, connect_timeout: int = 3) -> str:
    """`url` (one of lab.py's URLs) naming the database `name`, with a short connect_timeout (a dead node is given up
    on quickly and the next host tried)."""
    head, _, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}?{query + '&' if query else ''}connect_timeout={connect_timeout}"

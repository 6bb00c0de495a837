#!/usr/bin/env python
"""A soak (issue #20): minutes of mixed portal and desk traffic against gunicorn on loopback, with locust.

    .venv/bin/python bench/soak.py                       # 10 minutes, 20 users at 1 request/s each
    .venv/bin/python bench/soak.py --minutes 1 --users 10

Set-up (untimed): a temporary SIRECORDS_HOME (SQLite, or DATABASE_URL's database) with the demo loaded, and three
bearer tokens made as bench/fuzz_api.py makes them — a staff service account's (clerk and query officer, every
scope), the demo worker's (POST /api/me/session) and her employer's (POST /api/employer/session). The read limits
of 第二十二条 are raised for the run (SIRECORDS_READ_LIMITS), so that the limits do not answer 429.

Then gunicorn (deploy/gunicorn.conf.py, --workers sync workers) serves the demo on 127.0.0.1:--port, and locust
(bench/soak_locustfile.py, headless) runs --users users, each at --rate requests/s: people reading their record,
account, reads, transfers and estimate; units their employees, contributions and account; the desk its queue, its
transactions, transfers and statistics. Every answer but a 200 is an error. Figures: requests, errors, the
requests/s reached, p50 and p99 of the whole run and of its first and last minute (from locust's history), and the
resident memory of gunicorn's processes once warm (a fifth of the run, at most a minute in) and at the end. `ok` is
false unless there are 0 errors, the last minute's p99 is within 1.5 × the first's (+50 ms) and memory grew by less
than 25 %. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))  # benchsetup, fuzz_api, when run from elsewhere
SOAK_LIMITS = {"user": {"hour": 10**9, "day": 10**9}, "token": {"hour": 10**9, "day": 10**9},
               "lookups": "1000000000/m", "probes": "1000000000/m"}


def rss_kib(pids: list[int]) -> int:
    """The resident memory of the processes (KiB, from /proc)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def gunicorn_pids(master: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [master, *map(int, children)]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


def history(path: Path) -> list[dict]:
    """Locust's stats history rows of the aggregated line (one per few seconds)."""
    with path.open() as rows:
        return [row for row in csv.DictReader(rows) if row["Name"] == "Aggregated"]


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def minute_p99(rows: list[dict], first: bool) -> float:
    """The p99 locust reports over the requests of the first (or last) minute of the run: the largest of its 10 s
    windows' current p99 (locust's history keeps a sliding window's percentiles)."""
    if not rows:
        return 0.0
    start, end = _number(rows[0]["Timestamp"]), _number(rows[-1]["Timestamp"])
    chosen = [r for r in rows if (_number(r["Timestamp"]) <= start + 60 if first else _number(r["Timestamp"]) >= end - 60)
              and _number(r["Total Request Count"]) > 0]
    return max((_number(r["99%"]) for r in chosen), default=0.0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (default %(default)s)")
    parser.add_argument("--users", type=int, default=20, help="locust users (default %(default)s)")
    parser.add_argument("--rate", type=float, default=1.0, help="requests/s per user (default %(default)s)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default %(default)s)")
    parser.add_argument("--port", type=int, default=8431)
    args = parser.parse_args(argv)

    os.environ["SIRECORDS_READ_LIMITS"] = json.dumps(SOAK_LIMITS)  # before the settings are read
    from benchsetup import setup_django

    home, temporary = setup_django("sirecords-soak-")
    work = Path(tempfile.mkdtemp(prefix="sirecords-soak-out-"))
    server = None
    try:
        from fuzz_api import portal_tokens, staff_token

        from sirecords.demo.load import already_loaded, load

        if not already_loaded():
            load()
        tokens = {"staff": staff_token(), **portal_tokens()}
        env = {**os.environ, "SIRECORDS_HOME": str(home), "DJANGO_SETTINGS_MODULE": "sirecords.settings.demo",
               "GUNICORN_SOCKET": f"127.0.0.1:{args.port}", "GUNICORN_METRICS_BIND": f"127.0.0.1:{args.port + 1}",
               "GUNICORN_WORKERS": str(args.workers), "GUNICORN_LOGLEVEL": "warning", "PYTHONPATH": str(ROOT / "src")}
        log = (work / "gunicorn.log").open("wb")
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                                   "--access-logfile", "/dev/null", "sirecords.wsgi"], env=env, stdout=log,
                                  stderr=log, start_new_session=True)
        url = f"http://127.0.0.1:{args.port}"
        wait_for(f"{url}/healthz")
        seconds = int(args.minutes * 60)
        began = time.monotonic()
        locust = subprocess.Popen([str(Path(sys.executable).parent / "locust"), "-f", str(BENCH / "soak_locustfile.py"),
                                   "--headless", "--host", url, "--users", str(args.users), "--spawn-rate",
                                   str(args.users), "--run-time", f"{seconds}s", "--csv", str(work / "soak"),
                                   "--csv-full-history", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
                                  env={**os.environ, "SOAK_TOKENS": json.dumps(tokens), "SOAK_USER_RATE": str(args.rate)},
                                  cwd=work, stdout=subprocess.DEVNULL)
        # Memory once the workers are warm (every view imported, caches filled): a fifth of the run, at most a minute.
        time.sleep(min(60.0, seconds / 5))
        memory_before = rss_kib(gunicorn_pids(server.pid))
        locust.wait()
        elapsed = time.monotonic() - began
        memory_after = rss_kib(gunicorn_pids(server.pid))
        with (work / "soak_stats.csv").open() as rows:
            total = next(row for row in csv.DictReader(rows) if row["Name"] == "Aggregated")
        with (work / "soak_failures.csv").open() as rows:
            failures = list(csv.DictReader(rows))
        steps = history(work / "soak_stats_history.csv")
        first_p99, last_p99 = minute_p99(steps, True), minute_p99(steps, False)
        requests, errors = int(total["Request Count"]), int(total["Failure Count"])
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        if temporary:
            shutil.rmtree(home, ignore_errors=True)
    for failure in failures[:10]:
        print(f"error: {failure['Method']} {failure['Name']}: {failure['Error']} ({failure['Occurrences']}×)")
    growth = (memory_after - memory_before) / memory_before if memory_before else 0.0
    figures = {"minutes": round(elapsed / 60, 2), "users": args.users, "requests": requests, "errors": errors,
               "rps": round(_number(total["Requests/s"]), 1), "p50_ms": _number(total["50%"]),
               "p99_ms": _number(total["99%"]), "first_minute_p99_ms": first_p99, "last_minute_p99_ms": last_p99,
               "rss_start_mib": round(memory_before / 1024, 1), "rss_end_mib": round(memory_after / 1024, 1),
               "rss_growth": round(growth, 3), "workers": args.workers,
               "engine": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"}
    figures["ok"] = bool(requests and errors == 0 and last_p99 <= 1.5 * first_p99 + 50 and growth < 0.25)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

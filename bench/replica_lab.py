#!/usr/bin/env python
"""The read replica and the scheduled jobs' --if-primary against the lab cluster's real standbys (issue #20).

    .venv/bin/python bench/replica_lab.py --start      # starts deploy/ha/lab.py's cluster, stops it at the end

In a database of its own on the cluster (`sirecords init` through the multi-host DATABASE_URL, `read-write`), with
DATABASE_REPLICA_URL the same hosts with `target_session_attrs=prefer-standby`: a dozen persons are registered, then
checked — the `replica` connection is on a standby (pg_is_in_recovery()) and `default` on the primary; the standby
shows the persons; a statistics request runs its GROUP BY queries on the replica and writes its access-log record on
the primary, and nothing on the replica; a write sent to the replica is refused (read-only session). Then the jobs, as
processes of their own: `sirecords verify --if-primary` while this process holds verify's lock says so and exits 0,
and runs once the lock is free; `sirecords checkpoint --if-primary` against a standby alone (a one-host DATABASE_URL)
says it is a standby and exits 0. The last line of output is one JSON object; exit 1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # its shared modules, imported or run as a script
from halab import lab, on  # noqa: E402

DATABASE = "sirecords_replica_lab"
COMMAND = [sys.executable, "-m", "sirecords.cli"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", action="store_true", help="start the lab cluster first and stop it at the end")
    args = parser.parse_args(argv)
    if args.start:
        lab("start")
    try:
        return run()
    finally:
        if args.start:
            lab("stop")


def _server(alias: str) -> tuple[bool, int]:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        return cursor.fetchone()


def run() -> int:
    import psycopg

    urls = lab("urls")
    with psycopg.connect(on(urls["multi_host"], "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = on(urls["multi_host"], DATABASE)
    os.environ["DATABASE_REPLICA_URL"] = on(urls["replica"], DATABASE)
    os.environ["SIRECORDS_HOME"] = tempfile.mkdtemp(prefix="sirecords-replica-lab-")
    sys.path.insert(0, str(ROOT / "bench"))
    from benchsetup import setup_django

    home, _temporary = setup_django()
    try:
        return _checks(urls)
    finally:
        import shutil

        shutil.rmtree(home, ignore_errors=True)


def _checks(urls: dict) -> int:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from sirecords.core.database_url import hosts
    from sirecords.core.identifiers import make_id_number
    from sirecords.databases.jobs import scheduled_job
    from sirecords.ledger.context import WriteContext
    from sirecords.records.models import AccessEvent
    from sirecords.registry.models import Person
    from sirecords.stats.services import compute
    from sirecords.transactions.posting import Transaction, post

    ctx = WriteContext(actor="clerk.lab", reason="replica lab", channel="counter", region="440300")
    for n in range(12):
        number = make_id_number("440305", date(1980 + n % 2, 1, 1), 100 + 2 * n + n % 2)
        post(Transaction("register_person", {"id_number": number, "name": f"实验{n}", "region": "440305"}, ctx))
    checks = {"replica_on_standby": _server("replica")[0] is True, "default_on_primary": _server("default")[0] is False}
    checks["standby_has_the_persons"] = Person.objects.using("replica").count() == Person.objects.count() == 12
    logged = AccessEvent.objects.count()
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as standby:
        compute("stats.lab", ["sex"], "persons", channel="cli")
    writes = ("INSERT", "UPDATE", "DELETE")
    checks["stats_grouped_on_replica"] = sum("GROUP BY" in q["sql"] for q in standby.captured_queries) == 2
    checks["nothing_written_on_replica"] = not [q for q in standby.captured_queries if q["sql"].lstrip().upper().startswith(writes)]
    checks["stats_logged_on_primary"] = AccessEvent.objects.count() == logged + 1 and not [
        q for q in primary.captured_queries if "GROUP BY" in q["sql"]]
    try:
        with connections["replica"].cursor() as cursor:
            cursor.execute("CREATE TABLE replica_lab_write (n integer)")
        checks["replica_refuses_writes"] = False
    except Exception as error:  # noqa: BLE001 — psycopg's ReadOnlySqlTransaction, as Django wraps it
        checks["replica_refuses_writes"] = "read-only" in str(error)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"], PYTHONPATH=str(ROOT / "src"))
    with scheduled_job("verify"):
        held = subprocess.run([*COMMAND, "verify", "--if-primary"], env=env, capture_output=True, text=True)
    free = subprocess.run([*COMMAND, "verify", "--if-primary"], env=env, capture_output=True, text=True)
    host, port = next((host, port) for host, port in hosts(urls["multi_host"]) if _standby(host, port))
    alone = {**env, "DATABASE_URL": f"postgresql://postgres@{host}:{port}/{DATABASE}?connect_timeout=3"}
    alone.pop("DATABASE_REPLICA_URL")
    skipped = subprocess.run([*COMMAND, "checkpoint", "--if-primary", "--actor", "ops", "--reason", "replica lab"],
                             env=alone, capture_output=True, text=True)
    checks["second_verify_not_run"] = held.returncode == 0 and "not run: another run holds the lock" in held.stdout
    checks["verify_runs_when_free"] = free.returncode == 0 and free.stdout.startswith("entries: ")
    checks["standby_checkpoint_not_run"] = skipped.returncode == 0 and "not run: the database server is a standby" in skipped.stdout
    for line in (held.stdout, skipped.stdout):
        print(line.strip())
    print(json.dumps({"ok": all(checks.values()), **checks}))
    return 0 if all(checks.values()) else 1


def _standby(host: str, port: str) -> bool:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@{host}:{port}/postgres?connect_timeout=3") as conn:
        return bool(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])


if __name__ == "__main__":
    sys.exit(main())

"""A crash in the middle of a collection-file import loses nothing and leaves nothing half-posted; the store is then
backed up, destroyed, restored and drilled.

crash_import.py (beside this file) does the work in a process of its own: `setup` makes staff, persons, an employer
and the parameter sets through the reviewed transactions and writes a clean file of ROWS rows; `import` imports it
and approves every stage, the last approval posting the batch (one ledger entry and ROWS rows in one database
transaction).

- PostgreSQL (the run with DATABASE_URL; on a private cluster of its own, conftest.py, so the machine's server is
  never touched): every process of the cluster is killed with SIGKILL while the posting's INSERT runs; the cluster
  is started again (crash recovery) and `verify` passes with the batch wholly absent; the import is taken up to the
  end; `backup create` (pgBackRest), the data directory destroyed, `backup restore`, `backup drill`.
- SQLite (the run without DATABASE_URL): the importing process is killed with SIGKILL while its posting writes
  (its rollback journal is there, or in WAL mode the log is being written under the write lock); `verify` passes
  and the batch is wholly there or wholly absent; the same steps follow, with the database file destroyed.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from .conftest import make_cluster

SERVER = os.environ.get("DATABASE_URL", "")
ROWS = 30_000
WORKER = Path(__file__).with_name("crash_import.py")


def worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)


def finish(env: dict[str, str], *args: str) -> dict:
    process = worker(env, *args)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, f"crash_import.py {' '.join(args)} exited {process.returncode}:\n{out}\n{err}"
    return json.loads(out.strip().splitlines()[-1])


def wait_for_posting(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    assert line.strip() == "posting", f"the import did not reach its posting: {line!r} {process.stderr.read()[-2000:]}"


def assert_whole_or_absent(found: dict) -> bool:
    """The batch is there whole (one ledger entry, one batch, ROWS rows) or not at all; True when there."""
    assert (found["entries"], found["batches"], found["rows"]) in ((0, 0, 0), (1, 1, ROWS)), found
    return found["rows"] == ROWS


# --- PostgreSQL: the server killed under the import ---

@pytest.fixture(scope="module")
def cluster():
    if not SERVER:
        pytest.skip("the PostgreSQL crash test runs in the PostgreSQL run (DATABASE_URL set), on a private cluster")
    yield from make_cluster("sirecords-crash-")


def pg_counts(cluster) -> dict:
    row = cluster.sql("SELECT (SELECT count(*) FROM ledger_entry WHERE kind = 'contribution_batch.posted'), "
                      "(SELECT count(*) FROM contributions_batch), (SELECT count(*) FROM contributions_contribution)")
    entries, batches, rows = map(int, row.split("|"))
    return {"entries": entries, "batches": batches, "rows": rows}


def test_postgresql_killed_during_an_import_then_backed_up_destroyed_restored_and_drilled(cluster):
    cluster.run("backup", "stanza-create")
    csv = cluster.root / "run" / "collection.csv"
    assert finish(cluster.env, "setup", str(ROWS), str(csv))["rows"] == ROWS

    importing = worker(cluster.env, "import", str(csv))
    wait_for_posting(importing)
    caught = False
    deadline = time.monotonic() + 60
    with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True) as watch:
        while importing.poll() is None and time.monotonic() < deadline:
            if watch.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND "
                             "query LIKE 'INSERT INTO contributions_contribution%'").fetchone()[0]:
                caught = True
                break
            time.sleep(0.003)
    assert caught, "the posting's INSERT was never seen running: the file is too small for this machine"
    cluster.kill_all()
    importing.communicate(timeout=60)
    assert importing.returncode != 0  # the import died with its server

    cluster.start()  # crash recovery from the WAL
    report = json.loads(cluster.run("verify", "--json").stdout)
    assert report["ok"], report["findings"][:5]
    assert not assert_whole_or_absent(pg_counts(cluster))  # killed inside the posting: nothing of it is there

    # The import is taken up where it stopped (its transaction waits on the last stage) and posted whole.
    assert finish(cluster.env, "import", str(csv))["state"] == "posted"
    assert assert_whole_or_absent(pg_counts(cluster))

    made = cluster.run("backup", "create").stdout
    assert "pgBackRest full backup" in made
    manifest = json.loads((Path(made.split()[1].rstrip(":")) / "manifest.json").read_text())["body"]
    before = {"root": manifest["ledger"]["root"], "entries": manifest["ledger"]["size"]}
    assert before["entries"] == int(cluster.sql("SELECT count(*) FROM ledger_entry"))

    cluster.stop("immediate")  # the disk is lost
    shutil.rmtree(cluster.data)
    cluster.data.mkdir(mode=0o700)
    shutil.chown(cluster.data, "postgres", "postgres")
    restored = cluster.run("backup", "restore", env={"SIRECORDS_PG_CTL": " ".join(cluster.pg_ctl)}).stdout
    assert "replayed to the end of the archived WAL" in restored
    after = json.loads(cluster.run("verify", "--json").stdout)
    assert after["ok"] and after["root"] == before["root"] and after["entries"] == before["entries"]
    assert pg_counts(cluster) == {"entries": 1, "batches": 1, "rows": ROWS}

    drilled = json.loads(cluster.run("backup", "drill", "--json", "--actor", "crash.admin").stdout)
    assert drilled["ok"] and drilled["root_equal"] and drilled["entries"] == manifest["ledger"]["size"]


# --- SQLite: the importing process killed ---

@pytest.fixture(scope="module")
def sqlite_site():
    if SERVER:
        pytest.skip("the SQLite crash test runs in the SQLite run (no DATABASE_URL)")
    home = Path(tempfile.mkdtemp(prefix="sirecords-crash-sqlite-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SIRECORDS_WITNESS_DIR",
                                                            "SIRECORDS_BACKUP_DIR", "SIRECORDS_BACKUP_KEY_FILE")
           and not k.startswith(("SIRECORDS_PG", "PGBACKREST"))}
    env["SIRECORDS_HOME"] = str(home)
    try:
        yield home, env
    finally:
        shutil.rmtree(home, ignore_errors=True)


def sqlite_counts(path: Path) -> dict:
    with sqlite3.connect(path) as db:
        entries = db.execute("SELECT count(*) FROM ledger_entry WHERE kind = 'contribution_batch.posted'").fetchone()[0]
        batches = db.execute("SELECT count(*) FROM contributions_batch").fetchone()[0]
        rows = db.execute("SELECT count(*) FROM contributions_contribution").fetchone()[0]
    return {"entries": entries, "batches": batches, "rows": rows}


def sqlite_posting_written(database: Path, wal_before: int) -> bool:
    """The posting's write transaction holds the write lock and has written pages: a rollback journal of 64 KiB or
    more, or (WAL mode) a write-ahead log written since the posting began while the write lock is still held."""
    journal = database.with_name(database.name + "-journal")
    wal = database.with_name(database.name + "-wal")
    try:
        if journal.exists() and journal.stat().st_size > 64 * 1024:
            return True
        if not wal.exists() or wal.stat().st_mtime_ns == wal_before:
            return False
    except FileNotFoundError:
        return False
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")  # taken and given back at once when nobody writes
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True  # locked: the writer is inside its transaction
    finally:
        probe.close()


def cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=env, capture_output=True, text=True,
                            timeout=300, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"sirecords {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def test_sqlite_import_killed_then_backed_up_destroyed_restored_and_drilled(sqlite_site):
    home, env = sqlite_site
    database = home / "sirecords.sqlite3"
    cli(env, "init")
    csv = home / "collection.csv"
    assert finish(env, "setup", str(ROWS), str(csv))["rows"] == ROWS

    importing = worker(env, "import", str(csv))
    wait_for_posting(importing)
    wal = database.with_name(database.name + "-wal")
    wal_before = wal.stat().st_mtime_ns if wal.exists() else 0
    deadline, caught = time.monotonic() + 60, False
    while importing.poll() is None and time.monotonic() < deadline:
        if sqlite_posting_written(database, wal_before):
            caught = True
            break
        time.sleep(0.002)
    assert caught, "the posting's write transaction was never seen writing: the file is too small for this machine"
    importing.send_signal(signal.SIGKILL)
    importing.communicate(timeout=60)
    assert importing.returncode == -signal.SIGKILL

    # Opening the store rolls back the hot journal, or ignores the log's frames that no commit closed.
    report = json.loads(cli(env, "verify", "--json").stdout)
    assert report["ok"], report["findings"][:5]
    assert_whole_or_absent(sqlite_counts(database))

    assert finish(env, "import", str(csv))["state"] == "posted"
    assert assert_whole_or_absent(sqlite_counts(database))

    made = cli(env, "backup", "create").stdout
    manifest = json.loads((Path(made.split()[1].rstrip(":")) / "manifest.json").read_text())["body"]
    before = {"root": manifest["ledger"]["root"], "entries": manifest["ledger"]["size"]}
    with sqlite3.connect(database) as db:
        assert before["entries"] == db.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
    database.unlink()
    cli(env, "backup", "restore")
    after = json.loads(cli(env, "verify", "--json").stdout)
    assert after["ok"] and after["root"] == before["root"] and after["entries"] == before["entries"]
    assert sqlite_counts(database) == {"entries": 1, "batches": 1, "rows": ROWS}
    drilled = json.loads(cli(env, "backup", "drill", "--json", "--actor", "crash.admin").stdout)
    assert drilled["ok"] and drilled["root_equal"] and drilled["entries"] == manifest["ledger"]["size"]

"""`sirecords migrate-store --to DATABASE_URL`: a small SQLite store (two staff accounts made through the ledger,
a checkpoint, the workflow log) copied to a fresh PostgreSQL database that the test creates and drops; the target
verifies with the source's root, keeps its append-only triggers and sequences, a full target is refused, and the
source file is left byte for byte as it was."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from sirecords.storage.migrate import copied_models

# SQLite (DATABASE_URL dropped) to the machine's server, whatever the pass: run once, in the pass without DATABASE_URL.
pytestmark = pytest.mark.engine_independent

SERVER = "postgres://postgres@127.0.0.1:5432"


def _psycopg():
    return pytest.importorskip("psycopg")


def _server_or_skip():
    psycopg = _psycopg()
    try:
        psycopg.connect(f"{SERVER}/postgres", connect_timeout=3, autocommit=True).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at 127.0.0.1:5432 (user postgres, trust) to migrate to: {error}")


def _admin(sql: str) -> None:
    with _psycopg().connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _query(url: str, sql: str):
    with _psycopg().connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def store():
    """A fresh SIRECORDS_HOME on SQLite (in RAM when /dev/shm is there) with a small ledger, and a `run` helper."""
    _server_or_skip()
    shm = Path("/dev/shm")
    home = Path(tempfile.mkdtemp(prefix="sirecords-migrate-", dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SIRECORDS_HOME"] = str(home)

    def run(*args, database_url=None, check=True):
        run_env = dict(env, **({"DATABASE_URL": database_url} if database_url else {}))
        result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=run_env, capture_output=True,
                                text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"sirecords {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    try:
        run("init")
        run("users", "add", "root", "--role", "sysadmin", "--reason", "first administrator")
        run("users", "add", "dba1", "--role", "dba", "--actor", "root", "--reason", "database administrator")
        run("checkpoint", "--actor", "root", "--reason", "before the move")
        yield home, run
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def target():
    _server_or_skip()
    name = f"sirecords_migrate_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def migrated(store, target):
    home, run = store
    source = home / "sirecords.sqlite3"
    before = _sha256(source)
    source_verify = json.loads(run("verify", "--json").stdout)
    result = run("migrate-store", "--to", target, "--json")
    return json.loads(result.stdout), source_verify, before


def test_the_target_verifies_with_the_source_root(store, target, migrated):
    data, source_verify, _ = migrated
    _, run = store
    assert data["ok"] is True
    assert data["source_root"] == data["target_root"] == source_verify["root"] and len(data["source_root"]) == 64
    assert data["source_entries"] == data["target_entries"] == source_verify["entries"] > 0
    # An independent `verify` with the target as the configured database agrees.
    target_verify = json.loads(run("verify", "--json", database_url=target).stdout)
    assert target_verify["ok"] and target_verify["root"] == source_verify["root"]
    assert target_verify["log_records"] == source_verify["log_records"]


def test_every_row_is_copied_with_its_key(target, migrated):
    data, source_verify, _ = migrated
    tables = data["tables"]
    assert tables["ledger_entry"]["rows"] == source_verify["entries"]
    assert tables["ledger_checkpoint"]["rows"] == source_verify["checkpoints"] > 0
    assert tables["workflow_action"]["rows"] == source_verify["log_records"]["workflow_action"] > 0
    assert tables["users_account"]["rows"] == 2
    assert data["rows"] == sum(t["rows"] for t in tables.values())
    assert all(t["source_digest"] == t["target_digest"] for t in tables.values())
    # The keys themselves: the same seq numbers, 1..n, in the target.
    (seqs,) = _query(target, "SELECT min(seq), max(seq), count(*) FROM ledger_entry")
    assert seqs == (1, source_verify["entries"], source_verify["entries"])


def test_the_source_file_is_unchanged(store, migrated):
    home, _ = store
    assert _sha256(home / "sirecords.sqlite3") == migrated[2]


def test_the_append_only_triggers_hold_on_the_target(target, migrated):
    psycopg = _psycopg()
    for sql in ("UPDATE ledger_entry SET kind = kind WHERE seq = 1", "DELETE FROM workflow_action",
                "TRUNCATE ledger_checkpoint"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            _query(target, sql)


def test_a_target_that_is_not_empty_is_refused(store, target, migrated):
    home, run = store
    before = _query(target, "SELECT count(*) FROM ledger_entry")
    result = run("migrate-store", "--to", target, check=False)
    assert result.returncode != 0
    assert "not empty" in result.stderr and "ledger_entry" in result.stderr
    assert _query(target, "SELECT count(*) FROM ledger_entry") == before
    assert _sha256(home / "sirecords.sqlite3") == migrated[2]


def test_a_target_that_is_no_postgresql_url_is_refused(store, migrated):
    home, run = store
    result = run("migrate-store", "--to", f"sqlite:///{home}/other.sqlite3", check=False)
    assert result.returncode != 0 and "PostgreSQL" in result.stderr
    assert not (home / "other.sqlite3").exists()


def test_the_sequences_continue_after_the_copied_keys(store, target, migrated):
    """Every serial key's sequence stands at the copied maximum, and posting on the target (a new account: its
    Django user, workflow transaction, actions, ledger entries) takes fresh keys and still verifies."""
    _, run = store
    serials = _query(target, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
                             "'public' AND (column_default LIKE 'nextval%' OR is_identity = 'YES')")
    assert ("auth_user", "id") in serials
    for table, column in serials:
        ((top,),) = _query(target, f'SELECT max("{column}") FROM "{table}"')
        if top is not None and table != "django_migrations":  # migrate's own bookkeeping, not copied
            ((value, called),) = _query(target, f"SELECT last_value, is_called FROM "
                                                f"{_query(target, f'SELECT pg_get_serial_sequence($${table}$$, $${column}$$)')[0][0]}")
            assert value >= top and called, (table, value, top)
    ((users,),) = _query(target, "SELECT max(id) FROM auth_user")
    run("users", "add", "dba2", "--role", "dba", "--actor", "root", "--reason", "after the move", database_url=target)
    assert _query(target, "SELECT max(id) FROM auth_user") == [(users + 1,)]
    assert json.loads(run("verify", "--json", database_url=target).stdout)["ok"]


def test_a_postgresql_store_moves_to_another_database(store, target, migrated):
    """Between servers: the migrated target is the configured store, copied to a second fresh database."""
    _, run = store
    data, source_verify, _ = migrated
    name = f"sirecords_migrate_{uuid.uuid4().hex[:12]}"
    second = f"{SERVER}/{name}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        moved = json.loads(run("migrate-store", "--to", second, "--json", database_url=target).stdout)
        assert moved["ok"] and moved["target_root"] == moved["source_root"]
        assert moved["target_entries"] == moved["source_entries"] >= source_verify["entries"]
        assert moved["tables"]["ledger_entry"]["rows"] == moved["target_entries"]
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_tables_are_copied_after_the_tables_they_point_to():
    order = [m._meta.db_table for m in copied_models()]
    assert len(order) == len(set(order))
    for position, model in enumerate(copied_models()):
        for field in model._meta.local_concrete_fields:
            if field.is_relation and field.related_model is not model:
                assert order.index(field.related_model._meta.db_table) < position, (model, field)

"""The acceptance path on a fresh SIRECORDS_HOME, through the real `sirecords` command (SQLite):
init, demo load, checkpoint, verify; then a value changed with sqlite3 is found and named."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from sirecords.demo.generate import generate


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-home")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["SIRECORDS_HOME"] = str(home)

    def run(*args, check=True):
        result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=env, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"sirecords {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    for step in (["init"], ["demo", "--load-only"], ["checkpoint", "--actor", "ops.test", "--reason", "e2e"]):
        run(*step)
    return home, run


def test_help_lists_the_project_commands(home):
    _, run = home
    out = run("--help").stdout
    for command in ("init", "demo", "serve", "checkpoint", "verify"):
        assert f"  {command} " in out


def test_keys_are_private(home):
    path, _ = home
    for key in (path / "keys").iterdir():
        assert key.stat().st_mode & 0o777 == 0o600, key


def test_fresh_demo_verifies(home):
    _, run = home
    result = run("verify", "--json")
    report = json.loads(result.stdout)
    assert report["ok"] and report["entries"] > 900 and report["checkpoints"] == 1 and report["witness_copies"] == 1


def test_database_file_holds_no_personal_data_in_plain_text(home):
    path, _ = home
    raw = (path / "sirecords.sqlite3").read_bytes()
    data = generate()
    leaks = [value for p in data.persons for value in (p.id_number, p.name, p.phone) if value.encode() in raw]
    assert leaks == []


@pytest.mark.parametrize("table, column, value", [
    ("ledger_entry", "payload", "'{}'"),
    ("ledger_entry", "effective", "'1999-01-01'"),
    ("registry_person", "region", "'999999'"),  # no demo region
    ("registry_employment", "start", "'1999-12-31'"),  # demo starts are first-of-month
    ("registry_employer", "status", "'closed'"),
    ("ledger_checkpoint", "actor", "'mallory'"),
])
def test_a_value_changed_with_sqlite3_is_found_and_named(home, table, column, value):
    path, run = home
    db = path / "sirecords.sqlite3"
    backup = db.read_bytes()
    try:
        with sqlite3.connect(db) as conn:
            for trigger, in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                conn.execute(f"DROP TRIGGER {trigger}")
            key_column = "size" if table == "ledger_checkpoint" else ("seq" if table == "ledger_entry" else "uid")
            key, = conn.execute(f"SELECT {key_column} FROM {table} ORDER BY {key_column} LIMIT 1 OFFSET 0").fetchone()
            conn.execute(f"UPDATE {table} SET {column} = {value} WHERE {key_column} = ?", (key,))
        result = run("verify", check=False)
        assert result.returncode == 1, result.stdout
        named = f"entry #{key}" if table == "ledger_entry" else f"{table} {'size=' if key_column == 'size' else 'pk='}{key}"
        assert named in result.stdout, result.stdout
    finally:
        db.write_bytes(backup)

"""Two demo homes side by side — 440300 (深圳市, the region the mover left) and 510100 (成都市, the region joined) — and
a transfer between them through the real `sirecords` commands (issue #19's acceptance), on SQLite or on PostgreSQL.
tests/cli/test_cli_end_to_end.py runs it on a copy of its loaded 440300 demo (one demo load for both)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from sirecords.backups.database import copy_sqlite

DRIVER = Path(__file__).with_name("two_homes_driver.py")
SERVER = "postgres://postgres@127.0.0.1:5432"
OLD, NEW = "440300", "510100"


@dataclass
class Home:
    path: Path
    region: str
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        env.update(SIRECORDS_HOME=str(self.path), SIRECORDS_REGION=self.region)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=self.env(), capture_output=True,
                                text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"[{self.region}] sirecords {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def json(self, *args: str):
        return json.loads(self.run(*args).stdout.strip().splitlines()[-1])

    def refused(self, *args: str) -> str:
        """The command is refused (non-zero exit): its message."""
        result = self.run(*args, check=False)
        assert result.returncode != 0, f"[{self.region}] sirecords {' '.join(args)} was not refused:\n{result.stdout}"
        return result.stderr + result.stdout

    def call(self, code: str):
        """Driver calls in this home's own process; the results, one per RESULT line."""
        out = self.run("shell", "-c", f"exec(open({str(DRIVER)!r}).read())\n{code}").stdout
        return [json.loads(line[len("RESULT "):]) for line in out.splitlines() if line.startswith("RESULT ")]


def copy_home(source: Path, target: Path) -> Path:
    """A home copied: its files, and its SQLite database through the backup API."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("sirecords.sqlite3*"))
    copy_sqlite(source / "sirecords.sqlite3", target / "sirecords.sqlite3")
    return target


def load_new_region(path: Path) -> Home:
    home = Home(path, NEW)
    home.run("init")
    home.run("demo", "--load-only")
    return home


def on_postgresql(home: Home, target: Path, psycopg) -> Home:
    """The home copied to `target` with its database moved to a fresh PostgreSQL database (migrate-store)."""
    copy = Home(copy_home(home.path, target), home.region)
    name = f"sirecords_transfer_{home.region}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    copy.run("migrate-store", "--to", f"{SERVER}/{name}", "--json")
    copy.database_url = f"{SERVER}/{name}"
    return copy


def drop(home: Home, psycopg) -> None:
    if home.database_url:
        name = home.database_url.rsplit("/", 1)[-1]
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def login(home: Home, label: str) -> str:
    listed = home.json("demo", "--logins", "--json")
    return next(entry["login"] for entry in listed if entry.get("label") == label)


def trust_each_other(old: Home, new: Home) -> None:
    for here, there in ((old, new), (new, old)):
        keys = there.json("regions", "self", "--json")
        name = "成都市" if there.region == NEW else "深圳市"
        here.call(f"register_region({there.region!r}, {name!r}, {keys['verifier_key']!r}, {keys['encryption_key']!r})")

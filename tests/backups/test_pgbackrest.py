"""`sirecords backup` in pgBackRest mode, on a private PostgreSQL cluster (conftest.py: initdb as `postgres`, WAL
archived into an encrypted pgBackRest repository): the stanza made through the command, a full backup with the
signed manifest, a point-in-time restore to between two postings (the first there, the second not, `verify` ok), an
incremental backup, the drill on a scratch cluster, and a changed repository file refused by `backup verify`.
PostgreSQL only: it runs in the suite's PostgreSQL run (DATABASE_URL set; the machine's server is not used, the
cluster is its own), where pgbackrest and the server binaries are installed (.ci/pgbackrest-deps)."""

import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .conftest import make_cluster


@pytest.fixture(scope="module")
def site():
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("pgBackRest is for PostgreSQL: this runs in the PostgreSQL run (DATABASE_URL set), on a private cluster")
    yield from make_cluster("sirecords-pgbackrest-")


@pytest.fixture(scope="module")
def stanza(site):
    out = site.run("backup", "stanza-create").stdout
    assert "created and checked" in out and "aes-256-cbc" in out
    site.run("users", "add", "admin.one", "--role", "sysadmin", "--reason", "the first administrator")
    return site


def accounts(site) -> str:
    """The staff accounts' names, read straight from the cluster (a `users list` run costs a process start)."""
    return site.sql("SELECT string_agg(username, ' ' ORDER BY username) FROM users_account")


def test_the_stanza_is_encrypted_with_a_passphrase_kept_under_the_keys(stanza):
    passphrase = stanza.home / "keys" / "pgbackrest.key"
    assert passphrase.stat().st_mode & 0o777 == 0o600 and len(passphrase.read_text().strip()) >= 40
    info = json.loads(stanza.as_postgres("pgbackrest", f"--config={stanza.conf}", "info", "--output=json").stdout)
    assert info[0]["cipher"] == "aes-256-cbc"
    # Encrypted: the repository's files are not readable without the passphrase (no gzip or plain text inside).
    archived = [p for p in (stanza.repo / "archive").rglob("*") if p.is_file() and p.name.startswith("0000")]
    assert archived and all(not p.read_bytes().startswith(b"\x1f\x8b") for p in archived)
    assert all(p.read_bytes().startswith(b"Salted__") for p in archived)


def test_point_in_time_restore_to_between_two_postings(stanza):
    run = stanza.run
    made = run("backup", "create").stdout
    assert "pgBackRest full backup" in made
    folder = stanza.home / "backups" / made.split()[1].rstrip(":").rsplit("/", 1)[1]
    body = json.loads((folder / "manifest.json").read_text())["body"]
    assert body["pgbackrest"]["type"] == "full" and body["pgbackrest"]["stanza"] == "sirecords-test"
    assert not any(f["name"].startswith("db/") for f in body["files"])  # the database is in the repository
    assert "home/keys/pgbackrest.key" in {f["name"] for f in body["files"]}  # sealed in the folder, for escrow
    assert body["ledger"]["size"] == int(stanza.sql("SELECT count(*) FROM ledger_entry"))

    run("users", "add", "admin.two", "--role", "sysadmin", "--actor", "admin.one", "--reason", "a second administrator")
    time.sleep(0.3)
    between = datetime.now(UTC)
    time.sleep(0.3)
    run("users", "add", "admin.three", "--role", "sysadmin", "--actor", "admin.one", "--reason", "a third administrator")
    size_after = int(stanza.sql("SELECT count(*) FROM ledger_entry"))
    assert "admin.three" in accounts(stanza)

    # An incremental backup after both postings (the restore below picks the full one, which ended before TIME).
    incremental = run("backup", "create").stdout
    assert "pgBackRest incr backup" in incremental

    at = between.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The cluster runs and the command cannot stop it (no SIRECORDS_PG_CTL): refused, nothing changed.
    refused = run("backup", "restore", "--at", at, "--force", check=False)
    assert refused.returncode != 0 and "cluster is running" in refused.stderr and "SIRECORDS_PG_CTL" in refused.stderr
    assert "admin.three" in accounts(stanza)
    # A time before every backup: refused, naming the earliest.
    early = run("backup", "restore", "--at", "2000-01-01T00:00:00Z", "--force", check=False)
    assert early.returncode != 0 and "ended at or before 2000-01-01T00:00:00" in early.stderr

    restored = run("backup", "restore", "--at", at, "--force", env={"SIRECORDS_PG_CTL": " ".join(stanza.pg_ctl)}).stdout
    assert f"{body['id']}: pgBackRest backup {body['pgbackrest']['label']} restored" in restored
    assert f"replayed to {at}" in restored
    # The ledger went back: the witness copies of the later checkpoints say so, and nothing else does.
    report = json.loads(run("verify", "--json", check=False).stdout)
    restored_size = report["entries"]
    assert body["ledger"]["size"] < restored_size < size_after
    assert report["findings"] and all(f["check"] in ("witness", "log") for f in report["findings"]), report["findings"]
    assert f"exceeds the ledger's {restored_size} entries" in json.dumps(report["findings"])
    # docs/emergency.md: the supervisor confirms the sizes rolled back and moves their copies to the incident's folder.
    incident = stanza.home / "witness" / "incident-pitr"
    incident.mkdir()
    for copy in (stanza.home / "witness").glob("checkpoint-*.txt"):
        if int(copy.name.split("-")[1].split(".")[0]) > restored_size:
            copy.rename(incident / copy.name)
    report = json.loads(run("verify", "--json").stdout)
    assert report["ok"] and report["entries"] == restored_size, report["findings"][:5]
    listed = accounts(stanza)
    assert "admin.two" in listed and "admin.three" not in listed


def test_the_drill_restores_the_newest_backup_into_a_scratch_cluster(stanza):
    newest = sorted((stanza.home / "backups").glob("backup-*"))[-1]
    body = json.loads((newest / "manifest.json").read_text())["body"]
    result = json.loads(stanza.run("backup", "drill", "--json", "--actor", "admin.one", "--reason", "monthly drill").stdout)
    assert result["ok"] is True and result["root_equal"] is True and result["entries"] == body["ledger"]["size"]
    journal = [json.loads(line) for line in (stanza.home / "backups" / "journal.jsonl").read_text().splitlines()]
    assert journal[-1]["kind"] == "drill" and journal[-1]["root"] == body["ledger"]["root"]
    # The scratch cluster is gone and the live one untouched.
    assert not list(Path(tempfile.gettempdir()).glob("sirecords-drill-pg*"))
    assert json.loads(stanza.run("verify", "--json").stdout)["ok"]


def test_a_changed_repository_file_is_refused_by_backup_verify(stanza):
    run = stanza.run
    ok = run("backup", "verify", "--actor", "admin.one").stdout
    assert "pgbackrest verify ok" in ok
    label = json.loads(stanza.as_postgres("pgbackrest", f"--config={stanza.conf}", "info", "--output=json").stdout)[0]["backup"][0]["label"]
    victim = sorted(p for p in (stanza.repo / "backup" / "sirecords-test" / label / "pg_data" / "base").rglob("*") if p.is_file())[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    refused = run("backup", "verify", "--actor", "admin.one", check=False)
    assert refused.returncode != 0
    assert "backup verify failed: pgBackRest repository (stanza sirecords-test)" in refused.stderr
    assert label in refused.stderr and "invalid" in refused.stderr
    line = [json.loads(x) for x in (stanza.home / "backups" / "journal.jsonl").read_text().splitlines()][-3]
    assert line["backup"] == "pgbackrest:sirecords-test" and line["ok"] is False

"""`sirecords backup` through the real command on a fresh SIRECORDS_HOME with a small ledger (a first sysadmin
account and a second one: a few entries), on the engine of the run: SQLite without DATABASE_URL; with it, PostgreSQL
databases of this module's own on that server (created and dropped here). Create a backup, destroy the database,
restore, verify with the manifest's root; a changed byte is refused and named; the drill proves the root and is
journalled."""

import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .conftest import cli, database_destroyer, psql

SERVER = os.environ.get("DATABASE_URL", "")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    shm = Path("/dev/shm")
    home = Path(tempfile.mkdtemp(prefix="sirecords-backup-", dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path_factory.mktemp("backup-home")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SIRECORDS_WITNESS_DIR",
                                                            "SIRECORDS_BACKUP_DIR", "SIRECORDS_BACKUP_KEY_FILE")}
    env["SIRECORDS_HOME"] = str(home)
    url = ""
    if SERVER:
        if shutil.which("psql") is None or shutil.which("pg_dump") is None:
            pytest.skip("PostgreSQL client tools (psql, pg_dump, pg_restore) are not installed")
        parts = urlsplit(SERVER)
        url = urlunsplit(parts._replace(path=f"/sirecords_backup_{uuid.uuid4().hex[:8]}"))
        try:
            psql(url, f'CREATE DATABASE "{urlsplit(url).path[1:]}"')
        except subprocess.CalledProcessError as error:
            pytest.skip(f"no PostgreSQL server to create a database on: {error.stderr.strip()}")
        env["DATABASE_URL"] = url

    run = cli(env)

    destroy_database = database_destroyer(home, url)

    try:
        run("init")
        run("users", "add", "admin.one", "--role", "sysadmin", "--reason", "the first administrator")
        run("users", "add", "admin.two", "--role", "sysadmin", "--actor", "admin.one", "--reason", "a second administrator")
        signed = run("checkpoint", "--actor", "ops.test", "--reason", "before the backup").stdout
        size, root = signed.split("size ")[1].split(", root ")
        before = {"entries": int(size), "root": root.split()[0]}
        out = run("backup", "create").stdout
        folder = Path(out.split()[1].rstrip(":"))
        yield {"home": home, "run": run, "destroy": destroy_database, "folder": folder, "before": before,
               "manifest": json.loads((folder / "manifest.json").read_text())["body"], "engine": "postgresql" if url else "sqlite"}
    finally:
        if url:
            psql(url, f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
        if home.parent == shm:
            shutil.rmtree(home, ignore_errors=True)


def test_the_manifest_records_the_ledger_and_every_file_encrypted(site):
    manifest, home = site["manifest"], site["home"]
    assert manifest["engine"] == site["engine"] and site["folder"].parent == home / "backups"
    # The ledger as it was: the size and root of the checkpoint signed just before the backup.
    assert manifest["ledger"]["size"] == site["before"]["entries"] >= 3
    assert manifest["ledger"]["root"] == site["before"]["root"]
    names = {f["name"] for f in manifest["files"]}
    assert {"home/keys/data.key", "home/keys/signing.key"} <= names
    assert any(n.startswith("home/witness/checkpoint-") for n in names)
    assert "home/keys/backup.key" not in names and not any(n.startswith("home/backups/") for n in names)
    assert sum(n.startswith("db/") for n in names) == 1
    # Encrypted: the data key's bytes appear in no file of the backup; the backup key is private.
    data_key = (home / "keys" / "data.key").read_bytes()
    assert not any(data_key in blob.read_bytes() for blob in (site["folder"] / "files").iterdir())
    assert (home / "keys" / "backup.key").stat().st_mode & 0o777 == 0o600
    listed = site["run"]("backup", "list")
    assert site["folder"].name in listed.stdout and f"ledger {manifest['ledger']['size']}" in listed.stdout


def test_restore_after_the_database_is_destroyed_verifies_with_the_manifests_root(site):
    run, manifest = site["run"], site["manifest"]
    site["destroy"]()
    (site["home"] / "keys" / "data.key").unlink()  # a lost file comes back too
    out = run("backup", "restore").stdout
    assert f"root {manifest['ledger']['root']}" in out
    report = json.loads(run("verify", "--json").stdout)
    assert report["ok"], report["findings"][:5]
    assert report["root"] == manifest["ledger"]["root"] and report["entries"] == manifest["ledger"]["size"]
    assert (site["home"] / "keys" / "data.key").stat().st_mode & 0o777 == 0o600


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(site):
    run = site["run"]
    refused = run("backup", "restore", check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr and "--force" in refused.stderr
    forced = run("backup", "restore", "--force").stdout
    assert "overwrote the configured database" in forced
    report = json.loads(run("verify", "--json").stdout)
    assert report["ok"] and report["root"] == site["manifest"]["ledger"]["root"]


def test_at_a_time_before_a_dump_or_sqlite_backup_is_refused_for_want_of_wal(site):
    run, manifest = site["run"], site["manifest"]
    refused = run("backup", "restore", "--force", "--at", "2020-01-01T00:00:00Z", check=False)
    assert refused.returncode != 0 and "ended at or before 2020-01-01T00:00:00" in refused.stderr
    assert "has no WAL to replay" in refused.stderr
    named = run("backup", "restore", "--force", "--backup", site["folder"].name, "--at", "2020-01-01T00:00:00Z", check=False)
    assert named.returncode != 0 and "has no WAL to replay" in named.stderr and "nothing was changed" in named.stderr
    bad = run("backup", "restore", "--at", "yesterday", check=False)
    assert bad.returncode != 0 and "not an ISO 8601 time" in bad.stderr
    # At or after the backup: that backup is restored, as it was (its moment, not the time asked for), and said so.
    later = run("backup", "restore", "--force", "--at", "2099-01-01T00:00:00+00:00").stdout
    assert f"{site['folder'].name}: restored to the backup's moment ({manifest['created_at']}); no WAL" in later
    report = json.loads(run("verify", "--json").stdout)
    assert report["ok"] and report["root"] == manifest["ledger"]["root"]


def test_a_changed_byte_is_refused_by_backup_verify_and_named(site, tmp_path):
    run, name = site["run"], site["folder"].name
    assert "manifest signed" in run("backup", "verify", "--full", "--actor", "admin.one").stdout
    # Three copies of the backup in one target, each changed once: verify goes on past a failure and names each.
    changed = {}
    for victim in ("db/", "home/keys/index.key"):
        copy = tmp_path / f"{name}-{victim[:4].strip('/')}"
        shutil.copytree(site["folder"], copy)
        entry = next(f for f in site["manifest"]["files"] if f["name"].startswith(victim))
        blob = copy / entry["blob"]
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 0x01
        blob.write_bytes(bytes(data))
        changed[copy.name] = f"{blob} ({entry['name']})"
    # A changed manifest (another root) no longer carries the instance's signature.
    copy = tmp_path / f"{name}-manifest"
    shutil.copytree(site["folder"], copy)
    manifest = copy / "manifest.json"
    manifest.write_text(manifest.read_text().replace(site["manifest"]["ledger"]["root"], "0" * 64))
    result = run("backup", "verify", "--full", "--from", str(tmp_path), "--actor", "admin.one", check=False)
    assert result.returncode != 0 and "manifest signed" not in result.stdout
    assert "3 results posted to the ledger" in result.stdout
    for where in changed.values():
        assert f"{where}: does not open" in result.stderr
    assert f"{manifest}: its signature does not verify" in result.stderr
    # Each result is recorded as a failure naming the backup and the file.
    lines = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    assert [(line["kind"], line["ok"]) for line in lines] == [("verify", False)] * 3
    assert {line["backup"] for line in lines} == {*changed, copy.name}
    assert all(where in " ".join(line["problem"] for line in lines) for where in changed.values())


def test_the_drill_needs_an_administrator_to_post_its_result_and_does_nothing_without_one(site):
    run, home = site["run"], site["home"]
    for actor in ((), ("--actor", "ops.test")):
        refused = run("backup", "drill", "--json", *actor, check=False)
        assert refused.returncode != 0 and "sysadmin or dba" in refused.stderr
    assert not (home / "backups" / "journal.jsonl").exists() or '"drill"' not in (home / "backups" / "journal.jsonl").read_text()


def test_the_drill_proves_the_root_and_is_journalled_and_posted(site):
    run, manifest, home = site["run"], site["manifest"], site["home"]
    before = json.loads(run("verify", "--json").stdout)["entries"]
    result = json.loads(run("backup", "drill", "--json", "--actor", "admin.one", "--reason", "monthly drill").stdout)
    assert set(result) == {"ok", "root_equal", "entries", "rto_s", "rpo_s"}
    assert result["ok"] is True and result["root_equal"] is True and result["entries"] == manifest["ledger"]["size"]
    assert result["rto_s"] > 0 and result["rpo_s"] > 0
    journal = home / "backups" / "journal.jsonl"
    drill = [json.loads(line) for line in journal.read_text().splitlines()][-1]
    assert drill["kind"] == "drill" and drill["backup"] == site["folder"].name and drill["actor"] == "admin.one"
    assert drill["root"] == manifest["ledger"]["root"] and drill["root_equal"] is True and drill["reason"] == "monthly drill"
    assert run("backup", "list").stderr == ""  # the journal's chain and signatures hold
    # Posted to the ledger: the backup.drilled entry and its transaction.posted; the live ledger still verifies.
    after = json.loads(run("verify", "--json").stdout)
    assert after["ok"] and after["entries"] == before + 2
    # A journal line changed afterwards is found.
    journal.write_text(journal.read_text().replace('"ok": true', '"ok": false', 1))
    assert "does not verify" in run("backup", "list").stderr

"""`sirecords backup` against its three kinds of target, through the real command (a subprocess) on a small site:
a local folder, a second host's folder over SFTP (an asyncssh server started here on 127.0.0.1, a key of its own, its
host key in a known_hosts file) and S3-compatible storage (moto's server on 127.0.0.1). One backup is copied to all
three; it lists, verifies, restores into a destroyed database (verify then passes with the manifest's root) and
drills from the remote ones; a changed blob in the bucket is refused and named; retention prunes and journals; the
host key is checked. On the engine of the run: SQLite, or with DATABASE_URL a PostgreSQL database of its own.

CI runs it once, in the SQLite pass (engine_independent): the targets move a finished backup's files whatever made
them; what the engine changes (the dump or the snapshot, the restore into a destroyed database) is tested on both by
test_backup_cli.py. With DATABASE_URL and SIRECORDS_TEST_ALL_ENGINES=1 set it runs on PostgreSQL too."""

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from ..s3server import moto_bucket
from .conftest import cli, database_destroyer, psql

SERVER = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.engine_independent
BUCKET = "sirecords-backups"
KEY_ID, SECRET = "testing-key-id", "testing-secret"


class SftpServer:
    """An SFTP server on 127.0.0.1 (asyncssh, in a thread of its own), chrooted to `root`, that lets in one key."""

    def __init__(self, root: Path, keys: Path):
        import asyncssh

        self.root = root
        host_key, client_key = asyncssh.generate_private_key("ssh-ed25519"), asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = keys / "backup_ed25519"
        client_key.write_private_key(str(self.client_key))
        self.client_key.chmod(0o600)
        authorized = keys / "authorized_keys"
        client_key.write_public_key(str(authorized))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        async def listening():
            return await asyncssh.listen("127.0.0.1", 0, server_host_keys=[host_key], authorized_client_keys=str(authorized),
                                         sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=os.fsencode(root)),
                                         allow_scp=False)

        self.acceptor = asyncio.run_coroutine_threadsafe(listening(), self.loop).result(30)
        self.port = self.acceptor.get_port()
        self.known_hosts = keys / "known_hosts"
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_key.export_public_key().decode().strip()}\n")
        other = asyncssh.generate_private_key("ssh-ed25519")
        self.wrong_known_hosts = keys / "known_hosts.wrong"
        self.wrong_known_hosts.write_text(f"[127.0.0.1]:{self.port} {other.export_public_key().decode().strip()}\n")

    def stop(self) -> None:
        self.acceptor.close()
        asyncio.run_coroutine_threadsafe(self.acceptor.wait_closed(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with contextlib.ExitStack() as cleanup:  # whatever was set up is taken down, a failed or skipped setup too
        yield from _site(cleanup, tmp_path_factory)


def _site(cleanup, tmp_path_factory):
    shm = Path("/dev/shm")
    home = Path(tempfile.mkdtemp(prefix="sirecords-targets-", dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path_factory.mktemp("targets-home")
    if home.parent == shm:
        cleanup.callback(shutil.rmtree, home, ignore_errors=True)
    work = tmp_path_factory.mktemp("targets")
    (work / "host").mkdir()
    (work / "keys").mkdir()
    (work / "tmp").mkdir()
    endpoint, s3 = cleanup.enter_context(moto_bucket(BUCKET, KEY_ID, SECRET))
    sftp = SftpServer(work / "host", work / "keys")
    cleanup.callback(sftp.stop)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SIRECORDS_"))
           and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"SIRECORDS_HOME": str(home), "TMPDIR": str(work / "tmp"),
                "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(work / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
                "AWS_EC2_METADATA_DISABLED": "true", "SIRECORDS_BACKUP_S3_ENDPOINT": endpoint,
                "SIRECORDS_BACKUP_SSH_KEY": str(sftp.client_key), "SIRECORDS_BACKUP_KNOWN_HOSTS": str(sftp.known_hosts)})
    url = ""
    if SERVER:
        if shutil.which("psql") is None or shutil.which("pg_dump") is None:
            pytest.skip("PostgreSQL client tools (psql, pg_dump, pg_restore) are not installed")
        url = urlunsplit(urlsplit(SERVER)._replace(path=f"/sirecords_targets_{uuid.uuid4().hex[:8]}"))
        try:
            psql(url, f'CREATE DATABASE "{urlsplit(url).path[1:]}"')
        except subprocess.CalledProcessError as error:
            pytest.skip(f"no PostgreSQL server to create a database on: {error.stderr.strip()}")
        cleanup.callback(psql, url, f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
        env["DATABASE_URL"] = url

    run = cli(env)

    destroy_database = database_destroyer(home, url)

    def keys(prefix):
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    run("init")
    run("users", "add", "admin.one", "--role", "sysadmin", "--reason", "the first administrator")
    run("users", "add", "admin.two", "--role", "sysadmin", "--actor", "admin.one", "--reason", "a second administrator")
    targets = {"local": str(home / "backups"), "s3": f"s3://{BUCKET}/site",
               "sftp": f"sftp://backup@127.0.0.1:{sftp.port}/srv/sirecords"}
    out = run("backup", "create", "--to", targets["local"], "--to", targets["s3"], "--to", targets["sftp"]).stdout
    folder = Path(out.split()[1].rstrip(":"))
    yield {"home": home, "work": work, "run": run, "destroy": destroy_database, "folder": folder, "out": out,
           "manifest": json.loads((folder / "manifest.json").read_text())["body"], "s3": s3, "keys": keys,
           "sftp": sftp, "targets": targets}


def _journal(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _restore_and_verify(site, source: str) -> None:
    run, manifest = site["run"], site["manifest"]
    site["destroy"]()
    (site["home"] / "keys" / "data.key").unlink()  # a lost file comes back too
    out = run("backup", "restore", "--from", source).stdout
    assert f"restored {manifest['id']} from {source}" in out and f"root {manifest['ledger']['root']}" in out
    report = json.loads(run("verify", "--json").stdout)
    assert report["ok"], report["findings"][:5]
    assert report["root"] == manifest["ledger"]["root"] and report["entries"] == manifest["ledger"]["size"]


def test_one_backup_is_copied_whole_to_the_folder_the_host_and_the_bucket(site):
    name, targets, manifest = site["folder"].name, site["targets"], site["manifest"]
    assert site["folder"].parent == site["home"] / "backups"
    assert f"copied to {targets['s3']}/{name}" in site["out"] and f"copied to {targets['sftp']}/{name}" in site["out"]
    local = sorted(p.relative_to(site["folder"]).as_posix() for p in site["folder"].rglob("*") if p.is_file())
    assert len(local) == len(manifest["files"]) + 1
    # The same bytes on the host (under its chroot) and in the bucket; nothing half-copied left beside them.
    remote = site["work"] / "host" / "srv" / "sirecords"
    assert sorted(p.relative_to(remote / name).as_posix() for p in (remote / name).rglob("*") if p.is_file()) == local
    assert sorted(os.listdir(remote)) == [name]
    assert site["keys"]("site/") == [f"site/{name}/{path}" for path in local]
    for path in ("manifest.json", manifest["files"][0]["blob"]):
        body = site["s3"].get_object(Bucket=BUCKET, Key=f"site/{name}/{path}")["Body"].read()
        assert body == (site["folder"] / path).read_bytes() == (remote / name / path).read_bytes()
    listed = site["run"]("backup", "list", "--from", targets["s3"], "--from", targets["sftp"])
    line = f"{name}  {manifest['engine']}  {len(manifest['files'])} files  ledger {manifest['ledger']['size']}"
    assert listed.stdout.count(line) == 2 and f"{targets['s3']}:\n{line}" in listed.stdout and listed.stderr == ""
    assert os.listdir(site["work"] / "tmp") == []  # no download or staging folder left


def test_a_backup_to_remote_targets_only_is_staged_outside_and_leaves_nothing(site):
    run, work = site["run"], site["work"]
    out = run("backup", "create", "--to", f"s3://{BUCKET}/offsite-only").stdout
    assert out.startswith(f"backup s3://{BUCKET}/offsite-only/backup-")
    name = out.split()[1].rstrip(":").rsplit("/", 1)[1]
    body = json.loads(site["s3"].get_object(Bucket=BUCKET, Key=f"offsite-only/{name}/manifest.json")["Body"].read())["body"]
    # Staged in TMPDIR, removed after; the local backups folder is not backed up into it.
    assert os.listdir(work / "tmp") == []
    assert not any(f["name"].startswith("home/backups/") for f in body["files"])
    assert {f["name"] for f in body["files"]} == {f["name"] for f in site["manifest"]["files"]}


# The restores come before any verify or drill: those post their results to the ledger (and so to the witness
# folder), and a backup restored after that is found behind the witness — as it should be (docs/operations.md).
def test_restore_from_the_bucket_into_a_destroyed_database_verifies_with_the_manifests_root(site):
    _restore_and_verify(site, site["targets"]["s3"])


def test_restore_from_the_second_host_into_a_destroyed_database_verifies_with_the_manifests_root(site):
    _restore_and_verify(site, site["targets"]["sftp"])


def test_verify_reads_back_the_bucket_and_the_host_and_journals_there(site):
    run, name, targets = site["run"], site["folder"].name, site["targets"]
    out = run("backup", "verify", "--full", "--from", targets["s3"], "--from", targets["sftp"], "--actor", "admin.one").stdout
    assert out.count(f"{name}: manifest signed, {len(site['manifest']['files'])} of") == 2
    in_bucket = _journal(site["s3"].get_object(Bucket=BUCKET, Key="site/journal.jsonl")["Body"].read().decode())
    on_host = _journal((site["work"] / "host" / "srv" / "sirecords" / "journal.jsonl").read_text())
    for lines in (in_bucket, on_host):
        assert [(line["kind"], line["backup"], line["ok"]) for line in lines] == [("verify", name, True)]
    assert not (site["home"] / "backups" / "journal.jsonl").exists()  # each target keeps its own


def test_a_changed_blob_in_the_bucket_is_refused_by_verify_and_named(site):
    run, s3, name, manifest = site["run"], site["s3"], site["folder"].name, site["manifest"]
    for key in site["keys"](f"site/{name}/"):
        s3.copy_object(Bucket=BUCKET, CopySource={"Bucket": BUCKET, "Key": key}, Key="tampered/" + key.split("/", 1)[1])
    entry = next(f for f in manifest["files"] if f["name"].startswith("db/"))
    key = f"tampered/{name}/{entry['blob']}"
    data = bytearray(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    data[len(data) // 2] ^= 0x01
    s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(data))
    result = run("backup", "verify", "--from", f"s3://{BUCKET}/tampered", "--actor", "admin.one", check=False)
    assert result.returncode != 0 and "manifest signed" not in result.stdout
    assert "1 results posted to the ledger" in result.stdout  # the failure is on record for the supervisors
    assert f"s3://{BUCKET}/tampered/{name}/{entry['blob']} ({entry['name']}): does not open" in result.stderr
    lines = _journal(s3.get_object(Bucket=BUCKET, Key="tampered/journal.jsonl")["Body"].read().decode())
    assert [(line["kind"], line["backup"], line["ok"]) for line in lines] == [("verify", name, False)]
    assert f"s3://{BUCKET}/tampered/{name}/{entry['blob']}" in lines[0]["problem"]


def test_the_drill_from_the_bucket_proves_the_root_and_is_journalled_there(site):
    run, manifest = site["run"], site["manifest"]
    result = json.loads(run("backup", "drill", "--from", site["targets"]["s3"], "--json", "--actor", "admin.one",
                            "--reason", "monthly drill").stdout)
    assert result["ok"] is True and result["root_equal"] is True and result["entries"] == manifest["ledger"]["size"]
    lines = _journal(site["s3"].get_object(Bucket=BUCKET, Key="site/journal.jsonl")["Body"].read().decode())
    drill = lines[-1]
    assert drill["kind"] == "drill" and drill["backup"] == manifest["id"] and drill["root"] == manifest["ledger"]["root"]
    # Appended to the bucket's journal after the verify line of the test above: the chain goes on.
    assert [line["kind"] for line in lines] == ["verify", "drill"] and drill["prev_hash"] == lines[0]["hash"]


def _older_name(days_back: int, hour: int) -> str:
    """The name a backup made `days_back` days ago at `hour` o'clock UTC would have."""
    day = (datetime.now(UTC) - timedelta(days=days_back)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return "backup-" + day.strftime("%Y%m%dT%H%M%S%fZ")


def test_prune_deletes_what_the_policy_lets_go_on_the_host_and_journals_each(site):
    run, sftp_root = site["run"], site["work"] / "host" / "srv" / "sirecords"
    kept, same_day_older, old = _older_name(2, 12), _older_name(2, 11), _older_name(10, 12)
    for planted in (kept, same_day_older, old):
        shutil.copytree(sftp_root / site["folder"].name, sftp_root / planted)
    policy = {"SIRECORDS_BACKUP_RETENTION": "daily=3,monthly=0"}
    dry = run("backup", "prune", "--from", site["targets"]["sftp"], "--dry-run", **policy).stdout
    assert "would delete 2 backup(s)" in dry and old in dry and same_day_older in dry and kept not in dry
    assert (sftp_root / old).is_dir() and (sftp_root / same_day_older).is_dir()
    out = run("backup", "prune", "--from", site["targets"]["sftp"], "--actor", "ops.test", **policy).stdout
    assert "retention daily=3,monthly=0: deleted 2 backup(s)" in out
    assert sorted(p.name for p in sftp_root.iterdir() if p.is_dir()) == sorted([kept, site["folder"].name])
    lines = [line for line in _journal((sftp_root / "journal.jsonl").read_text()) if line["kind"] == "prune"]
    assert [(line["backup"], line["policy"], line["actor"]) for line in lines] == \
        [(old, "daily=3,monthly=0", "ops.test"), (same_day_older, "daily=3,monthly=0", "ops.test")]


def test_create_with_prune_prunes_each_target_after_the_backup(site):
    run, s3 = site["run"], site["s3"]
    target = f"s3://{BUCKET}/pruned"
    refused = run("backup", "create", "--to", target, "--prune", check=False, SIRECORDS_BACKUP_RETENTION="weekly=4")
    assert refused.returncode != 0 and "unknown period 'weekly'" in refused.stderr
    assert site["keys"]("pruned/") == []  # a bad policy stops before the backup
    old = [_older_name(400, 12), _older_name(401, 12)]
    for planted in old:
        for key in site["keys"](f"site/{site['folder'].name}/"):
            s3.copy_object(Bucket=BUCKET, CopySource={"Bucket": BUCKET, "Key": key},
                           Key=f"pruned/{planted}/" + key.split("/", 2)[2])
    out = run("backup", "create", "--to", target, "--prune", SIRECORDS_BACKUP_RETENTION="daily=7,monthly=12").stdout
    name = out.split()[1].rstrip(":").rsplit("/", 1)[1]
    assert f"{target}: retention daily=7,monthly=12: deleted 2 backup(s)" in out
    assert {key.split("/")[1] for key in site["keys"]("pruned/") if key != "pruned/journal.jsonl"} == {name}
    lines = _journal(s3.get_object(Bucket=BUCKET, Key="pruned/journal.jsonl")["Body"].read().decode())
    assert [(line["kind"], line["backup"]) for line in lines] == [("prune", old[1]), ("prune", old[0])]


def test_the_host_key_is_checked_and_a_failed_copy_is_named_and_prunes_nothing(site):
    run, target, work = site["run"], site["targets"]["sftp"], site["work"]
    on_host = sorted(os.listdir(work / "host" / "srv" / "sirecords"))
    local = work / "one-more"
    wrong = run("backup", "create", "--to", str(local), "--to", target, "--prune", check=False,
                SIRECORDS_BACKUP_KNOWN_HOSTS=str(site["sftp"].wrong_known_hosts))
    assert wrong.returncode != 0 and f"{target}: uploading backup-" in wrong.stderr
    assert "Host key is not trusted" in wrong.stderr and "was not copied to every target (nothing pruned)" in wrong.stderr
    assert wrong.stdout.startswith(f"backup {local}/backup-") and "retention" not in wrong.stdout
    assert len([p for p in local.iterdir() if p.name.startswith("backup-")]) == 1  # the local copy is there
    assert sorted(os.listdir(work / "host" / "srv" / "sirecords")) == on_host  # nothing, not even a partial copy
    unset = run("backup", "list", "--from", target, check=False, SIRECORDS_BACKUP_KNOWN_HOSTS="")
    assert unset.returncode != 0 and "set SIRECORDS_BACKUP_KNOWN_HOSTS" in unset.stderr

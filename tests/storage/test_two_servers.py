"""Two app servers that share nothing but the database and an object store (issue #20 point 4), end to end: two
`sirecords serve` processes, each with a SIRECORDS_HOME of its own (its own disk) holding the same keys folder, one
database (a SQLite file, or with DATABASE_URL a fresh PostgreSQL database on that server) and one S3 bucket (moto's
server on 127.0.0.1). A clerk signs in and uploads a scan through server A; the reviewers sign in through server B,
read the transaction and its documents there and approve it to the ledger; a staff API session made on A works on
B; failed sign-ins counted on A lock the account on B (django-axes in the database); `verify` run from B's home streams
the document from the bucket and finds everything in order; no stored file is on either server's disk."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
import requests
from django_otp.oath import TOTP

from sirecords.core.identifiers import make_id_number
from sirecords.demo.accounts import DEMO_PASSWORD, demo_key
from sirecords.demo.documents import scan

from ..s3server import moto_bucket

BUCKET = "sirecords-shared"
KEY_ID, SECRET = "testing-key", "testing-secret"
REGION = "440300"
SERVER = os.environ.get("DATABASE_URL", "")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database(cleanup, work: Path) -> str:
    if not SERVER:
        return f"sqlite:///{work / 'shared.sqlite3'}"
    base = SERVER.rsplit("/", 1)[0]
    name = f"ha_two_servers_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server at {base}: {error}")

    def drop():
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    cleanup.callback(drop)
    return f"{base}/{name}"


class Site:
    """The two servers' homes, their environment, and the two running servers."""

    def __init__(self, cleanup, work: Path, endpoint: str, database: str):
        self.homes = {"a": work / "home-a", "b": work / "home-b"}
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SIRECORDS_WITNESS_DIR")
                    and not k.startswith(("SIRECORDS_OBJECT_STORE", "PYTEST_"))}
        self.env.update({"DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "sirecords.settings.demo",
                         "SIRECORDS_OBJECT_STORE": f"s3://{BUCKET}/site", "SIRECORDS_S3_ENDPOINT_URL": endpoint,
                         "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-east-1",
                         "SIRECORDS_REGION": REGION})
        self.cleanup = cleanup
        self.urls: dict[str, str] = {}

    def run(self, server: str, *args: str) -> str:
        env = dict(self.env, SIRECORDS_HOME=str(self.homes[server]))
        done = subprocess.run([sys.executable, "-m", "sirecords.cli", *args], env=env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise AssertionError(f"sirecords {' '.join(args)} on {server} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def serve(self, server: str) -> None:
        port = _free_port()
        env = dict(self.env, SIRECORDS_HOME=str(self.homes[server]))
        log = open(self.homes[server].parent / f"serve-{server}.log", "w")  # noqa: SIM115 (closed by the cleanup)
        self.cleanup.callback(log.close)
        process = subprocess.Popen([sys.executable, "-m", "sirecords.cli", "serve", "--addrport", f"127.0.0.1:{port}"],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)

        def stop():
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

        self.cleanup.callback(stop)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"server {server} ended: {(self.homes[server].parent / f'serve-{server}.log').read_text()}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{url}/healthz", timeout=5).status_code < 500:
                    self.urls[server] = url
                    return
            time.sleep(0.3)
        raise AssertionError(f"server {server} did not answer in 60 s")

    def sign_in(self, server: str, username: str, code: str | None = None) -> requests.Response:
        code = code or f"{TOTP(bytes.fromhex(demo_key(username))).token():06d}"
        return requests.post(f"{self.urls[server]}/api/staff/session", json={"username": username, "password": DEMO_PASSWORD,
                                                                           "code": code}, timeout=30)

    def token(self, server: str, username: str) -> dict[str, str]:
        answer = self.sign_in(server, username)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with contextlib.ExitStack() as cleanup:
        work = tmp_path_factory.mktemp("two-servers")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request
        endpoint, s3 = cleanup.enter_context(moto_bucket(BUCKET, KEY_ID, SECRET))
        made = Site(cleanup, work, endpoint, _database(cleanup, work))
        made.s3 = s3
        made.run("a", "init")  # the keys (in A's home) and the schema (in the shared database)
        shutil.copytree(made.homes["a"] / "keys", made.homes["b"] / "keys")  # the keys come from the secrets path
        made.run("a", "shell", "-c", "from sirecords.demo.accounts import create_staff; create_staff()")
        made.serve("a")
        made.serve("b")
        yield made


def test_a_document_uploaded_through_one_server_is_reviewed_and_posted_through_the_other(site):
    clerk = site.token("a", "clerk.li")
    a, b = site.urls["a"], site.urls["b"]
    created = requests.post(f"{a}/api/transactions", headers=clerk, timeout=60, json={
        "type": "register_person", "region": REGION, "reason": "walk-in registration",
        "payload": {"id_number": make_id_number(REGION, date(1990, 3, 7), 18), "name": "张三", "phone": "13800138000", "region": REGION}})
    assert created.status_code == 201, created.text
    uid = created.json()["uid"]
    document = scan("居民身份证 张三")
    attached = requests.post(f"{a}/api/transactions/{uid}/attachments", headers=clerk, data={"kind": "id_card"},
                             files={"file": ("id-card.pdf", document, "application/pdf")}, timeout=60)
    assert attached.status_code == 201, attached.text
    digest = attached.json()["sha256"]
    assert digest == hashlib.sha256(document).hexdigest()
    submitted = requests.post(f"{a}/api/transactions/{uid}/submit", headers=clerk, timeout=60)
    assert submitted.status_code == 200, submitted.text

    # Stored once, sealed, in the bucket; on neither server's disk.
    key = f"site/attachments/{digest[:2]}/{digest}"
    assert document not in site.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert not any((home / "attachments").exists() for home in site.homes.values())

    # The clerk's API session, made on A, is good on B (in the shared database).
    seen = requests.get(f"{b}/api/transactions/{uid}", headers=clerk, timeout=60)
    assert seen.status_code == 200, seen.text
    assert [d["sha256"] for d in seen.json()["attachments"]] == [digest]

    for reviewer in ("review1.zhang", "review2.liu", "review3.huang", "approve.zhou"):
        headers = site.token("b", reviewer)
        assert requests.get(f"{b}/api/transactions/{uid}", headers=headers, timeout=60).status_code == 200
        answer = requests.post(f"{b}/api/transactions/{uid}/review", headers=headers, timeout=60,
                               json={"decision": "approve", "opinion": "checked against the ID card"})
        assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "posted"

    # Server B's own process reads the document A stored, checked against its hash.
    loaded = site.run("b", "shell", "-c", "import hashlib; from sirecords.workflow import documents; "
                                          f"print(hashlib.sha256(documents.load('{digest}')).hexdigest())")
    assert loaded.strip().splitlines()[-1] == digest
    # verify, from B's home: every stored object streamed from the bucket; the witness copies there too.
    report = json.loads(site.run("b", "verify", "--json"))
    assert report["ok"], report
    witnessed = site.s3.list_objects_v2(Bucket=BUCKET, Prefix="site/witness/").get("Contents", [])
    assert witnessed and not any((home / "witness").exists() for home in site.homes.values())

    # A changed object is named by verify on either server.
    sealed = bytearray(site.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    sealed[-1] ^= 1
    site.s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(sealed[:]))
    try:
        broken = json.loads(subprocess.run([sys.executable, "-m", "sirecords.cli", "verify", "--json"], capture_output=True,
                                           text=True, timeout=600,
                                           env=dict(site.env, SIRECORDS_HOME=str(site.homes["a"]))).stdout)
        assert not broken["ok"]
        assert any(f["where"] == f"s3://{BUCKET}/{key}" and "does not open" in f["message"] for f in broken["findings"])
    finally:
        sealed[-1] ^= 1
        site.s3.put_object(Bucket=BUCKET, Key=key, Body=bytes(sealed))


def test_failed_sign_ins_on_one_server_lock_the_account_on_the_other(site):
    for _attempt in range(5):  # AXES_FAILURE_LIMIT
        assert site.sign_in("a", "clerk.chen", code="000000").status_code in (401, 429)
    locked = site.sign_in("b", "clerk.chen")  # the right password and code, on the other server
    assert locked.status_code == 429, locked.text

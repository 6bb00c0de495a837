"""The stored files in an S3-compatible object store (crypto/objects.py, issue #20 point 4), against moto's S3 server
on 127.0.0.1: every sealed store round-trips through the bucket, sealed exactly as on disk, written whole or not at
all; a second "app server" (another SIRECORDS_HOME with the same keys and the same configuration) reads what the
first stored; `verify` streams every object and names a changed or removed one by its s3:// address, and reads the
witness copies from the bucket."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid

import pytest

from sirecords.crypto.keys import forget_loaded_keys
from sirecords.crypto.objects import FolderPlace, PlaceError, S3Place, place, witness_place
from sirecords.crypto.sealing import seal_bytes
from sirecords.crypto.store import NotReadable, SealedStore, WrongContent

from ..s3server import moto_bucket, s3_client

BUCKET = "sirecords-objects"
KEY_ID, SECRET = "testing-key", "testing-secret"


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_bucket(BUCKET, KEY_ID, SECRET) as (endpoint, _client):
        yield endpoint


def client(endpoint):
    return s3_client(endpoint, KEY_ID, SECRET)


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """This case's own prefix in the bucket, configured as the object store; (client, prefix)."""
    prefix = f"site-{uuid.uuid4().hex[:8]}"
    for name, value in {"SIRECORDS_OBJECT_STORE": f"s3://{BUCKET}/{prefix}", "SIRECORDS_S3_ENDPOINT_URL": s3_endpoint,
                        "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SIRECORDS_WITNESS_DIR", raising=False)
    return client(s3_endpoint), prefix


def keys_under(s3, under):
    bucket, prefix = s3
    listed = bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/{under}")
    return sorted(item["Key"][len(prefix) + 1:] for item in listed.get("Contents", []))


def body(s3, key):
    bucket, prefix = s3
    return bucket.get_object(Bucket=BUCKET, Key=f"{prefix}/{key}")["Body"].read()


def put(s3, key, data):
    bucket, prefix = s3
    bucket.put_object(Bucket=BUCKET, Key=f"{prefix}/{key}", Body=data)


def remove(s3, key):
    bucket, prefix = s3
    bucket.delete_object(Bucket=BUCKET, Key=f"{prefix}/{key}")


# --- configuration ----------------------------------------------------------------------------------------------------


def test_the_folder_stays_the_default(monkeypatch, sirecords_home):
    for name in ("SIRECORDS_OBJECT_STORE", "SIRECORDS_OBJECT_STORE_ATTACHMENTS", "SIRECORDS_WITNESS_DIR"):
        monkeypatch.delenv(name, raising=False)
    where = place("attachments")
    assert isinstance(where, FolderPlace) and where.folder == sirecords_home / "attachments"
    assert isinstance(witness_place(), FolderPlace) and witness_place().folder == sirecords_home / "witness"
    from sirecords.workflow import documents

    digest = documents.store(b"%PDF-1.4 on disk")
    assert documents._store.path(digest) == sirecords_home / "attachments" / digest[:2] / digest  # the same layout
    assert documents.where(digest) == f"attachments/{digest[:2]}/{digest}"


def test_a_bucket_and_prefix_per_kind_of_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE", "s3://shared-bucket/site/")
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE_ATTACHMENTS", "s3://scans-bucket/documents")
    monkeypatch.delenv("SIRECORDS_WITNESS_DIR", raising=False)
    assert str(place("collection")) == "s3://shared-bucket/site/collection"
    assert str(place("attachments")) == "s3://scans-bucket/documents"
    assert str(witness_place()) == "s3://shared-bucket/site/witness"
    monkeypatch.setenv("SIRECORDS_WITNESS_DIR", str(tmp_path / "w"))  # a witness folder set explicitly wins
    assert isinstance(witness_place(), FolderPlace)
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE", "s3://Bad_Bucket")
    with pytest.raises(PlaceError, match="SIRECORDS_OBJECT_STORE="):
        place("feeds")
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE", "/some/folder")
    with pytest.raises(PlaceError):
        place("feeds")


# --- the sealed stores in the bucket -----------------------------------------------------------------------------------


def test_every_sealed_store_round_trips_through_the_bucket_sealed(s3, sirecords_home):
    from sirecords.contributions import filestore as collection
    from sirecords.crosschecks import filestore as feeds
    from sirecords.transfers import filestore as transfers
    from sirecords.workflow import documents

    scan = b"%PDF-1.4 a scan naming 110101199003070011"
    digest = documents.store(scan)
    assert keys_under(s3, "attachments/") == [f"attachments/{digest[:2]}/{digest}"]
    assert scan not in body(s3, f"attachments/{digest[:2]}/{digest}")  # sealed, not plain
    assert body(s3, f"attachments/{digest[:2]}/{digest}") != seal_bytes(scan, f"attachment:{digest}")  # a fresh nonce
    assert documents.load(digest) == scan
    assert documents.store(scan) == digest and len(keys_under(s3, "attachments/")) == 1  # one copy per content
    assert documents.where(digest) == f"s3://{BUCKET}/{s3[1]}/attachments/{digest[:2]}/{digest}"
    assert not (sirecords_home / "attachments" / digest[:2] / digest).exists()  # nothing on this server's disk

    rows = b"".join(b"110101199003070011,2024-01,%d\n" % n for n in range(50_000))  # ~1.5 MB, several pieces
    rows_digest = hashlib.sha256(rows).hexdigest()
    assert collection.store_file(rows, rows_digest) == rows_digest
    assert b"".join(collection.open_pieces(rows_digest)) == rows
    assert collection.load(rows_digest) == rows and collection.exists(rows_digest)
    for store in (feeds, transfers):
        key = store.store(b"kind of file: " + store.__name__.encode())
        assert store.load(key) == b"kind of file: " + store.__name__.encode() and store.problem(key) is None
    assert {k.split("/")[0] for k in keys_under(s3, "")} == {"attachments", "collection", "feeds", "transfers"}


def test_a_streamed_file_that_changed_keeps_nothing(s3):
    from sirecords.contributions import filestore as collection

    with pytest.raises(collection.FileMissing, match="changed since it was checked"):
        collection.store_file(b"the rows as they are now", hashlib.sha256(b"the rows as checked").hexdigest())
    assert keys_under(s3, "collection/") == []  # never a partial or wrong object under the final key


def test_a_large_streamed_file_goes_up_in_parts(s3, monkeypatch):
    """Past the spool size the upload is boto3's multipart upload: the object appears whole when it completes."""
    import sirecords.crypto.objects as objects

    monkeypatch.setattr(objects, "SPOOL", 1 << 16)
    store = SealedStore("collection", "collection")
    data = os.urandom(9 << 20)  # above boto3's 8 MB multipart threshold
    digest = hashlib.sha256(data).hexdigest()
    pieces = (data[i:i + (1 << 20)] for i in range(0, len(data), 1 << 20))
    assert store.store_stream(pieces, digest) == digest
    assert b"".join(store.open_stream(digest)) == data


def test_a_changed_replaced_or_removed_object_is_reported(s3):
    store = SealedStore("feeds", "feed")
    digest = store.store(b"feed rows")
    name = f"feeds/{digest[:2]}/{digest}"
    sealed = bytearray(body(s3, name))
    sealed[20] ^= 1
    put(s3, name, bytes(sealed))
    assert store.problem(digest).startswith("cannot be read or does not open: sealed value for feed:")
    with pytest.raises(NotReadable):
        store.load(digest)
    put(s3, name, seal_bytes(b"other rows", f"feed:{digest}"))  # sealed for its name, other bytes
    assert store.problem(digest) == "does not match its SHA-256 (its content was replaced)"
    with pytest.raises(WrongContent):
        store.load(digest)
    put(s3, name, body(s3, name)[:10])  # truncated
    assert "truncated" in store.problem(digest)
    remove(s3, name)
    assert store.problem(digest) == "is missing" and not store.exists(digest)
    with pytest.raises(NotReadable) as missing:
        store.load(digest)
    assert missing.value.missing


def test_another_app_server_reads_what_one_stored(s3, sirecords_home, tmp_path, monkeypatch):
    """Two homes (each server's own disk) with the same keys folder and the same object store configuration."""
    from sirecords.workflow import documents

    digest = documents.store(b"%PDF-1.4 stored through server A")
    other = tmp_path / "server-b"
    shutil.copytree(sirecords_home / "keys", other / "keys")  # the keys come from the shared secrets path
    monkeypatch.setenv("SIRECORDS_HOME", str(other))
    forget_loaded_keys()
    try:
        assert documents.load(digest) == b"%PDF-1.4 stored through server A"
        assert SealedStore("attachments", "attachment").problem(digest) is None
        second = documents.store(b"%PDF-1.4 stored through server B")
        assert not (other / "attachments").exists()
    finally:
        monkeypatch.setenv("SIRECORDS_HOME", str(sirecords_home))
        forget_loaded_keys()
    assert documents.load(second) == b"%PDF-1.4 stored through server B"


def test_a_server_with_other_keys_cannot_open_them(s3, tmp_path, monkeypatch, sirecords_home):
    from sirecords.crypto.keys import create_keys
    from sirecords.workflow import documents

    digest = documents.store(b"%PDF-1.4 sealed with this site's key")
    create_keys(tmp_path / "stranger" / "keys")
    monkeypatch.setenv("SIRECORDS_HOME", str(tmp_path / "stranger"))
    forget_loaded_keys()
    try:
        assert SealedStore("attachments", "attachment").problem(digest).startswith("cannot be read or does not open")
    finally:
        monkeypatch.setenv("SIRECORDS_HOME", str(sirecords_home))
        forget_loaded_keys()


def test_places_list_and_put_once(s3):
    where = place("witness")
    assert isinstance(where, S3Place) and where.available() and where.names() == []
    where.put("checkpoint-000000000001.txt", b"first")
    where.put("checkpoint-000000000001.txt", b"second", once=True)  # a witness copy is never changed
    where.put("other/checkpoint-000000000002.txt", b"in a sub-folder")
    assert where.names("checkpoint-") == ["checkpoint-000000000001.txt"]
    assert where.read("checkpoint-000000000001.txt") == b"first"
    assert not S3Place("no-such-bucket", "x").available()


# --- verify with the files in the bucket ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_reads_every_object_and_the_witness_copies_from_the_bucket(s3):
    from sirecords.contributions.models import ContributionBatch
    from sirecords.demo.sample_contributions import post_sample_batch
    from sirecords.ledger.checkpoints import create_checkpoint
    from sirecords.ledger.verify import verify
    from sirecords.workflow.models import Attachment

    from ..conftest import staff_factory, test_context

    post_sample_batch(staff_factory())  # documents (scans) and a collection file, stored in the bucket
    signed = create_checkpoint(test_context())  # the witness copy goes to the bucket's witness/
    assert signed.witness_copy == f"s3://{BUCKET}/{s3[1]}/witness/{signed.witness_name}"
    assert keys_under(s3, "witness/") == [f"witness/{signed.witness_name}"]
    report = verify(witness_place())
    assert report.ok, [f"[{f.check}] {f.where}: {f.message}" for f in report.findings]
    assert report.witness_copies == 1

    document = Attachment.objects.order_by("id").first().sha256
    batch = ContributionBatch.objects.get().file_sha256
    changed = bytearray(body(s3, f"attachments/{document[:2]}/{document}"))
    changed[-1] ^= 1
    put(s3, f"attachments/{document[:2]}/{document}", bytes(changed))
    remove(s3, f"collection/{batch[:2]}/{batch}")
    remove(s3, f"witness/{signed.witness_name}")
    found = [(f.check, f.where, f.message) for f in verify(witness_place()).findings if f.check != "triggers"]
    files = {where: message for check, where, message in found if check == "files"}
    assert "does not open: it was changed or moved" in files[f"s3://{BUCKET}/{s3[1]}/attachments/{document[:2]}/{document}"]
    assert files[f"s3://{BUCKET}/{s3[1]}/collection/{batch[:2]}/{batch}"].endswith("is missing")
    assert any(check == "witness" and "newest checkpoint copy is at size 0" in message for check, _w, message in found)


def test_a_wrong_object_store_address_stops_the_commands(monkeypatch):
    from sirecords.workflow.apps import check_object_store

    monkeypatch.delenv("SIRECORDS_WITNESS_DIR", raising=False)
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE", "s3://sirecords-files/site")
    assert check_object_store(None) == []
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE_FEEDS", "https://objects.internal/feeds")
    assert [(e.id, e.msg.split(":")[0]) for e in check_object_store(None)] == [
        ("sirecords.E121", "SIRECORDS_OBJECT_STORE_FEEDS='https")]
    monkeypatch.setenv("SIRECORDS_OBJECT_STORE", "s3://Bad_Bucket")
    assert len(check_object_store(None)) == 2  # the shared address once, the feeds' own once

import pytest

from sirecords.crypto.keys import forget_loaded_keys
from sirecords.ledger import merkle
from sirecords.ledger.checkpoints import create_checkpoint

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_keys_and_ledger_head(client, post_txn, ctx, tmp_path):
    posted = post_txn("register_employer", {"uscc": "91350100M000100Y43", "name": "测试单位", "region": "440305"})
    create_checkpoint(ctx, tmp_path)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    root = merkle.root_of(merkle.leaf_hash(bytes.fromhex(entry.hash)) for entry in posted)[1].hex()
    assert body["ok"] and body["database"] and body["keys"]
    assert body["ledger"] == {"size": 2, "root": root, "last_hash": posted[-1].hash, "checkpoint": {"size": 2, "root": root}}


def test_healthz_is_unhealthy_without_keys(client, monkeypatch, tmp_path):
    monkeypatch.setenv("SIRECORDS_HOME", str(tmp_path))
    forget_loaded_keys()
    try:
        response = client.get("/healthz")
    finally:
        forget_loaded_keys()
    assert response.status_code == 503
    assert response.json()["keys"] is False


def test_healthz_answers_only_get(client):
    assert client.post("/healthz").status_code == 405

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sirecords.core.home import home
from sirecords.ledger.checkpoints import create_checkpoint

pytestmark = pytest.mark.django_db

EMPLOYER = {"uscc": "91350100M000100Y43", "name": "测试单位", "region": "440305"}
TOKEN = "s3cret-metrics-token"


def samples(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def verify_result():
    path = home() / "verify-last.json"
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def test_metrics_give_ledger_size_postings_checkpoint_and_verify(client, post_txn, ctx, tmp_path, verify_result, settings):
    settings.SIRECORDS_METRICS_TOKEN = TOKEN
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    post_txn("register_employer", EMPLOYER)  # 2 entries: the employer and transaction.posted
    create_checkpoint(ctx, tmp_path)
    verify_result.write_text(json.dumps({"checked_at": "2020-01-01T00:00:00.000000Z", "ok": True, "findings": []}))
    found = samples(client.get("/metrics", **auth))
    assert found[("sirecords_ledger_entries", ())] == 2
    assert found[("sirecords_postings_total", ())] == 1
    assert found[("sirecords_checkpoint_size", ())] == 2
    assert 0 <= found[("sirecords_checkpoint_age_seconds", ())] < 60
    assert found[("sirecords_verify_age_seconds", ())] > 6 * 365 * 86400  # 2020 is more than six years ago
    assert found[("sirecords_verify_ok", ())] == 1


def test_metrics_without_a_checkpoint_or_a_verify_say_so(client, verify_result):
    found = samples(client.get("/metrics"))  # the test client comes from 127.0.0.1; no token configured
    assert found[("sirecords_ledger_entries", ())] == 0
    assert found[("sirecords_postings_total", ())] == 0
    assert found[("sirecords_checkpoint_size", ())] == 0
    assert found[("sirecords_checkpoint_age_seconds", ())] != found[("sirecords_checkpoint_age_seconds", ())]  # NaN
    assert found[("sirecords_verify_ok", ())] == 0


def test_a_failed_verify_shows_as_not_ok(client, verify_result):
    verify_result.write_text(json.dumps({"checked_at": "2026-01-01T00:00:00Z", "ok": False,
                                         "findings": [{"where": "ledger_entry seq 3", "what": "hash mismatch"}]}))
    assert samples(client.get("/metrics"))[("sirecords_verify_ok", ())] == 0


def test_requests_are_counted_by_method_and_status(client):
    key = ("sirecords_http_requests_total", (("method", "GET"), ("status", "404")))
    before = samples(client.get("/metrics")).get(key, 0)
    for _ in range(3):
        client.get("/no-such-page-for-metrics/")
    assert samples(client.get("/metrics"))[key] == before + 3


def test_metrics_refused_without_the_token(client, settings):
    settings.SIRECORDS_METRICS_TOKEN = TOKEN
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"sirecords_ledger_entries" not in refused.content
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401  # the scheme is part of it
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_without_a_token_only_a_local_scrape_not_through_the_proxy_is_answered(client, settings):
    settings.SIRECORDS_METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 401
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 401  # relayed by nginx
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_metrics_answer_only_get(client):
    assert client.post("/metrics").status_code == 405


def test_a_local_plain_http_scrape_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SIRECORDS_METRICS_TOKEN = TOKEN
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/healthz").status_code == 301  # every other path still goes to HTTPS

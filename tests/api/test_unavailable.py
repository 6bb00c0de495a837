"""A lost database connection during an API request (a failover) is a 503 problem with Retry-After, never a 500
(api/errors.py); on PostgreSQL a connection really cut by the server is replaced at the next request."""

import psycopg
import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.urls import reverse

from sirecords.api import transactions
from sirecords.core.database_url import libpq_params

PROBLEM = "application/problem+json"


def unavailable(response):
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == str(settings.SIRECORDS_DATABASE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert set(body) == {"detail"} and "Retry-After" in body["detail"] and "数据库" in body["detail"]
    assert "Traceback" not in response.content.decode()
    return body


@pytest.mark.parametrize("lost", [OperationalError("server closed the connection unexpectedly"),
                                  InterfaceError("connection already closed")])
def test_a_lost_connection_is_a_503_problem_with_retry_after(service_token, token_client, monkeypatch, lost):
    client = token_client(service_token("svc.lost", roles=("reviewer1",)))
    assert client.get(reverse("api:txn_queue")).status_code == 200

    def cut(*args, **kwargs):
        raise lost

    monkeypatch.setattr(transactions, "queue", cut)
    unavailable(client.get(reverse("api:txn_queue")))


def test_other_database_errors_are_not_mistaken_for_a_failover(service_token, token_client, monkeypatch):
    from django.db import ProgrammingError

    client = token_client(service_token("svc.bug", roles=("reviewer1",)))
    client.raise_request_exception = False

    def bug(*args, **kwargs):
        raise ProgrammingError("relation does not exist")

    monkeypatch.setattr(transactions, "queue", bug)
    assert client.get(reverse("api:txn_queue")).status_code == 500


@pytest.mark.usefixtures("ledger_transactional_db")
def test_a_connection_the_server_cut_is_a_503_then_replaced(service_token, token_client):
    """The server ends the connection (as a failover does): the request that meets it is a 503; the next request opens
    a new connection. A connection cut while idle is found by the health check at the next request's start (settings:
    CONN_HEALTH_CHECKS), so that request is answered normally."""
    if connection.vendor != "postgresql":
        pytest.skip("a server that cuts connections: PostgreSQL (SQLite has none)")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    client = token_client(service_token("svc.cut", roles=("reviewer1",)))
    queue = reverse("api:txn_queue")
    assert client.get(queue).status_code == 200

    def cut_server_side():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        with psycopg.connect(**libpq_params(connection.settings_dict), autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True

    cut_server_side()
    unavailable(client.get(queue))
    assert client.get(queue).status_code == 200  # a new connection

    cut_server_side()
    close_old_connections()  # what Django does as each request starts (request_started)
    assert client.get(queue).status_code == 200  # the health check found it broken and opened another

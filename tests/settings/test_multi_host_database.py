"""A failover cluster's DATABASE_URL (libpq's list of hosts, settings/base.py database()): with the first host dead
(127.0.0.1:1, nothing listens) and the second the real server, Django, the client tools (backups) and verify's worker
processes all reach the database. PostgreSQL only: skipped unless DATABASE_URL names a PostgreSQL server."""

import os
import subprocess

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from sirecords.backups import database as backup_database
from sirecords.ledger import verify
from sirecords.settings.base import database

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
                                 reason="a list of hosts is PostgreSQL's: run with DATABASE_URL=postgres://…")]


@pytest.fixture
def two_hosts(monkeypatch):
    """settings/base.py's DATABASES entry for the test database, with a dead host before the real one."""
    real = connection.settings_dict
    user = f"{real['USER']}@" if real.get("USER") else ""
    url = (f"postgresql://{user}127.0.0.1:1,{real['HOST'] or '127.0.0.1'}:{real['PORT'] or 5432}/{real['NAME']}"
           "?target_session_attrs=read-write&connect_timeout=3")
    monkeypatch.setenv("DATABASE_URL", url)
    config = database()
    if real.get("PASSWORD"):
        config["PASSWORD"] = real["PASSWORD"]
    return config


def test_django_skips_the_dead_host_and_works_on_the_next(two_hosts):
    assert two_hosts["HOST"].startswith("127.0.0.1,") and two_hosts["PORT"].startswith("1,")
    assert two_hosts["OPTIONS"]["target_session_attrs"] == "read-write" and two_hosts["CONN_HEALTH_CHECKS"] is True
    handler = ConnectionHandler({"default": two_hosts})
    other = handler["default"]
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT current_database(), inet_server_port(), pg_is_in_recovery()")
            name, port, standby = cursor.fetchone()
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
            migrations = cursor.fetchone()[0]
    finally:
        other.close()
    assert name == connection.settings_dict["NAME"] and port != 1 and standby is False
    assert migrations > 0


def test_the_client_tools_are_given_every_host(two_hosts):
    args = backup_database._pg_args(two_hosts)
    assert args[0] == "-d" and "host=127.0.0.1," in args[1] and "target_session_attrs=read-write" in args[1]
    result = subprocess.run(["psql", *args, "-tAc", "SELECT current_database()"], env=backup_database._pg_env(two_hosts),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == connection.settings_dict["NAME"]


def test_verifys_workers_are_given_every_host(two_hosts, monkeypatch):
    import psycopg

    monkeypatch.setattr(connection, "settings_dict", {**connection.settings_dict, **two_hosts})
    source = verify._worker_source(None, outermost=False)
    assert "127.0.0.1," in source.dsn
    with psycopg.connect(source.dsn) as worker:
        assert worker.execute("SELECT current_database()").fetchone()[0] == two_hosts["NAME"]

"""DATABASE_REPLICA_URL (settings/base.py replica_database()): the `replica` alias, PostgreSQL only, read-only
sessions, a test mirror of `default`; unset, no alias and replica_alias() is `default` (databases/replica.py)."""

import pytest

from sirecords.core.database_url import DatabaseUrlError
from sirecords.databases.replica import replica_alias
from sirecords.settings.base import replica_database

CLUSTER = ("postgresql://sirecords_app:s3cret@db1.example:5432,db2.example:5433,db3.example/sirecords"
           "?target_session_attrs=prefer-standby&connect_timeout=3")


def test_unset_means_no_replica(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    assert replica_database() is None
    monkeypatch.setenv("DATABASE_REPLICA_URL", "  ")
    assert replica_database() is None
    assert replica_alias() == "default"  # the test settings configure none: every read on default, as before


def test_the_multi_host_form_with_prefer_standby(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", CLUSTER)
    config = replica_database()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db1.example,db2.example,db3.example", "5432,5433,5432",
                                                                "sirecords")
    assert config["OPTIONS"]["target_session_attrs"] == "prefer-standby"
    assert config["OPTIONS"]["options"] == "-c default_transaction_read_only=on"
    assert config["TEST"] == {"MIRROR": "default"} and config["CONN_HEALTH_CHECKS"] is True


def test_options_given_in_the_url_are_kept(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://u@db1.example/sirecords?options=-c%20statement_timeout%3D5000")
    assert replica_database()["OPTIONS"]["options"] == "-c statement_timeout=5000 -c default_transaction_read_only=on"


@pytest.mark.parametrize("url", ["sqlite:////srv/sirecords/replica.sqlite3", "mysql://u@db1.example/sirecords"])
def test_a_replica_is_a_postgresql_standby(monkeypatch, url):
    monkeypatch.setenv("DATABASE_REPLICA_URL", url)
    with pytest.raises(DatabaseUrlError, match="a read replica is a PostgreSQL standby"):
        replica_database()


def test_a_bad_url_is_named_without_its_password(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://u:s3cret@db1.example:5432,db2.example:x/sirecords")
    with pytest.raises(DatabaseUrlError) as refused:
        replica_database()
    assert "s3cret" not in str(refused.value) and "port" in str(refused.value)

"""DATABASE_URL with one host or libpq's list of hosts (core/database_url.py): the Django settings it gives, the
refusals of a bad URL, and the URL and connection parameters made back from settings for the client tools."""

import dj_database_url
import pytest

from sirecords.core.database_url import DatabaseUrlError, hosts, libpq_params, parse, url_of


def parsed(url: str) -> dict:
    return parse(url, dj_database_url.parse, conn_max_age=60, conn_health_checks=True)


def test_a_list_of_hosts_gives_comma_lists_and_the_query_goes_to_options():
    config = parsed("postgresql://sir:s%40cret@db1.example:5433,db2.example:5434,db3.example:5435/records"
                    "?target_session_attrs=read-write&sslmode=verify-full&connect_timeout=3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"]) == ("db1.example,db2.example,db3.example", "5433,5434,5435")
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("records", "sir", "s@cret")
    assert config["OPTIONS"] == {"target_session_attrs": "read-write", "sslmode": "verify-full", "connect_timeout": 3}
    assert config["CONN_MAX_AGE"] == 60 and config["CONN_HEALTH_CHECKS"] is True


def test_a_host_without_a_port_gets_the_default_and_ipv6_addresses_lose_their_brackets():
    config = parsed("postgres://sir@[2001:db8::1]:5433,db2.example/records")
    assert (config["HOST"], config["PORT"]) == ("2001:db8::1,db2.example", "5433,5432")


@pytest.mark.parametrize("url", [
    "postgres://postgres@127.0.0.1:5432/sirecords",
    "postgres://u:p%40x@[::1]:5433/db?sslmode=require",
    "postgres:///db",
    "sqlite:////tmp/sirecords.sqlite3",
])
def test_one_host_is_parsed_exactly_as_dj_database_url_parses_it(url):
    assert parsed(url) == dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)


@pytest.mark.parametrize(("url", "named"), [
    ("postgres://u@h1:5432,,h3/db", "host 2 of 3 in the host list is empty"),
    ("postgres://u@h1:5432,h2:/db", None),  # an empty port is no port: accepted
    ("postgres://u@h1:5432,h2:54x2/db", "the port '54x2' of host h2 is not a port number"),
    ("postgres://u@h1:70000/db", "the port '70000' of host h1 is not a port number"),
    ("postgres://u@h1,[::1/db", "'[::1' (host 2 of 2) is not host, host:port or [IPv6 address]:port"),
    ("mysql://u@h1,h2/db", "a list of hosts (separated by commas) is for PostgreSQL only, not mysql://"),
    ("db1.example,db2.example", "is not a database URL: it has no scheme"),
    ("nosuch://u@h1/db", "is not a usable database URL"),
])
def test_a_bad_url_is_refused_naming_what_is_wrong(url, named):
    if named is None:
        assert parsed(url)["PORT"] == "5432,5432"
        return
    with pytest.raises(DatabaseUrlError) as refused:
        parsed(url)
    assert named in str(refused.value)


def test_the_password_is_never_in_the_message():
    with pytest.raises(DatabaseUrlError) as refused:
        parsed("postgres://sir:topsecret@h1:5432,h2:x/db")
    assert "topsecret" not in str(refused.value) and "sir:***@" in str(refused.value)


def test_hosts_lists_the_pairs_in_order():
    assert hosts("postgresql://u@a:1,b,[::1]:3/db") == [("a", "1"), ("b", ""), ("::1", "3")]


def test_the_client_tools_get_every_host_and_the_libpq_options_but_not_djangos():
    config = parsed("postgresql://sir:pw@h1:5433,h2:5434/records?target_session_attrs=read-write&connect_timeout=3")
    config["OPTIONS"]["isolation_level"] = 1  # Django's, not libpq's
    assert libpq_params(config) == {"dbname": "records", "host": "h1,h2", "port": "5433,5434", "user": "sir",
                                    "password": "pw", "target_session_attrs": "read-write", "connect_timeout": "3"}
    assert libpq_params(config, "other")["dbname"] == "other"
    url = url_of(config, "records_drill")
    assert url == "postgresql://sir:pw@h1:5433,h2:5434/records_drill?target_session_attrs=read-write&connect_timeout=3"
    again = parsed(url)
    assert (again["HOST"], again["PORT"], again["NAME"]) == ("h1,h2", "5433,5434", "records_drill")


def test_the_url_of_one_host_parses_back_to_the_same_connection():
    config = parsed("postgres://postgres@127.0.0.1:5432/sirecords")
    again = parsed(url_of(config))
    assert {k: again[k] for k in ("HOST", "PORT", "NAME", "USER")} == {"HOST": "127.0.0.1", "PORT": 5432,
                                                                        "NAME": "sirecords", "USER": "postgres"}

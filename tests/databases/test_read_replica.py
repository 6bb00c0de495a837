"""The read replica (databases/replica.py; issue #20): the statistics, the public certificate check and the bulk
statements read through the alias `replica`; their access-log records and every write stay on `default`.

The alias is added for this module only, pointing at the test database and opened read-only (SQLite: PRAGMA
query_only; PostgreSQL: settings/base.py replica_database() from a DATABASE_REPLICA_URL with
target_session_attrs=prefer-standby, whose sessions are read-only): a write sent there fails instead of passing. Its
reads see only committed rows, as a standby does, so the tests commit (). Which connection ran
what is told by CaptureQueriesContext on each.

The marker's transactional database is set up before any fixture of this module and flushed after their teardown:
the append-only triggers are dropped after each test (for that flush) and put back, with the ledger head row, before
the next and after the last (what tests/conftest.py's ledger_transactional_db does in the other order).
"""

from __future__ import annotations

import os

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sirecords.certificates.bulk import write_statements
from sirecords.certificates.issuing import issue_document, statement_issuer
from sirecords.certificates.verify import certificate_by_code
from sirecords.databases.replica import REPLICA, reading_from_replica, replica_alias
from sirecords.queries.scopes import Requester
from sirecords.records.models import AccessEvent
from sirecords.stats.services import SUBJECT, compute

from ..certificates.conftest import agency_pki  # noqa: F401 — the agency PKI (autouse) the certificates are signed with
from ..conftest import make_credited, staff_factory
from ..stats.conftest import _build

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


def _replica_config() -> dict:
    default = connections[DEFAULT_DB_ALIAS].settings_dict  # the test database, once set up
    if ON_POSTGRES:
        from sirecords.settings.base import replica_database

        user = f"{default['USER']}@" if default.get("USER") else ""
        url = (f"postgresql://{user}127.0.0.1:1,{default['HOST'] or '127.0.0.1'}:{default['PORT'] or 5432}/"
               f"{default['NAME']}?target_session_attrs=prefer-standby&connect_timeout=3")
        previous = os.environ.get("DATABASE_REPLICA_URL")
        os.environ["DATABASE_REPLICA_URL"] = url
        try:
            config = replica_database()
        finally:
            if previous is None:
                os.environ.pop("DATABASE_REPLICA_URL")
            else:
                os.environ["DATABASE_REPLICA_URL"] = previous
        if default.get("PASSWORD"):
            config["PASSWORD"] = default["PASSWORD"]
        return config
    config = {**default, "OPTIONS": {**default.get("OPTIONS", {}), "init_command": "PRAGMA query_only=ON"},
              "TEST": {**default.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}}
    return config


@pytest.fixture(scope="module", autouse=True)
def replica_alias_configured(django_db_setup, django_db_blocker):
    """`replica` in DATABASES for this module's tests (before pytest-django checks the marker's databases)."""
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS],
                                                 REPLICA: _replica_config()})
    connections.settings[REPLICA] = configured[REPLICA]
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            _append_only_restored()
            if hasattr(connections._connections, REPLICA):
                connections[REPLICA].close()
                delattr(connections._connections, REPLICA)
        connections.settings.pop(REPLICA, None)


def _append_only_restored() -> None:
    from sirecords.ledger import triggers
    from sirecords.ledger.entry_hash import GENESIS_PREV_HASH
    from sirecords.ledger.models import Head

    connection = connections[DEFAULT_DB_ALIAS]
    triggers.drop(connection)
    triggers.install(connection)
    Head.objects.get_or_create(id=1, defaults={"size": 0, "last_hash": GENESIS_PREV_HASH, "frontier": "[]"})


@pytest.fixture(autouse=True)
def append_only_around_the_flush(django_db_blocker):
    with django_db_blocker.unblock():
        _append_only_restored()
    yield
    with django_db_blocker.unblock():
        from sirecords.ledger import triggers

        triggers.drop(connections[DEFAULT_DB_ALIAS])


def _sql(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def _writes(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.fixture
def both():
    """Capture what each connection runs: `with both() as (on_default, on_replica):`."""
    import contextlib

    @contextlib.contextmanager
    def capture():
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default, \
                CaptureQueriesContext(connections[REPLICA]) as on_replica:
            yield on_default, on_replica

    return capture


def test_the_alias_is_the_replica_here_and_the_replica_is_read_only():
    assert replica_alias() == REPLICA
    with pytest.raises(Exception) as refused:  # noqa: PT011 — SQLite's OperationalError, PostgreSQL's InternalError
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("CREATE TABLE replica_write_attempt (n integer)")
    assert "read" in str(refused.value).lower()  # "attempt to write a readonly database", "read-only transaction"


def test_statistics_are_computed_on_the_replica_and_logged_on_default(both):
    _build()  # 30 persons, committed
    with both() as (on_default, on_replica):
        table = compute("stats.tester", ["sex"], "persons", channel="cli", year=2024)
    rows = {row["sex"]: row["value"] for row in table.rows}
    assert rows == {"M": 18, "F": 12, None: 30}  # the figures, read through the replica
    grouped = [sql for sql in _sql(on_replica) if "GROUP BY" in sql]
    assert len(grouped) == 2 and not _writes(_sql(on_replica))  # the cells and the total, nothing else
    assert not [sql for sql in _sql(on_default) if "GROUP BY" in sql]
    assert [sql for sql in _writes(_sql(on_default)) if "audit_access_event" in sql]  # the use, logged on default
    assert AccessEvent.objects.filter(subject=SUBJECT, actor="stats.tester").count() == 1


@pytest.fixture
def certificate():
    person = make_credited(staff_factory())
    return issue_document(person, person, "statement", requester=Requester("self", person_uid=person.uid),
                          purpose="self: test", channel="portal", year=2024)


def test_the_public_page_reads_the_certificate_on_the_replica(certificate, both):
    with both() as (on_default, on_replica):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/v/{certificate.code}")
    assert response.status_code == 200 and "was issued by the agency and is valid" in response.content.decode()
    read = _sql(on_replica)
    assert [sql for sql in read if "certificates_certificate" in sql]
    assert [sql for sql in read if "ledger_entry" in sql] and [sql for sql in read if "registry_person" in sql]
    assert not [sql for sql in _sql(on_default) if "certificates_certificate" in sql or "ledger_entry" in sql]
    assert [sql for sql in _sql(on_default) if "records_rate_counter" in sql]  # the rate limit counts on default
    assert not _writes(read)


def test_a_code_the_replica_does_not_know_yet_is_looked_up_on_default(certificate, both):
    def lagging(execute, sql, params, many, context):  # the replica has not received the certificate yet
        if "certificates_certificate" in sql:
            params = ["Z" * 16 if value == certificate.code else value for value in params]
        return execute(sql, params, many, context)

    with connections[REPLICA].execute_wrapper(lagging), both() as (on_default, on_replica):
        found = certificate_by_code(certificate.code, replica=True)
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/v/{certificate.code}")
    assert found is not None and found.code == certificate.code and found._state.db == DEFAULT_DB_ALIAS
    assert response.status_code == 200
    # Its summary then read on default too: the replica may not hold its ledger entry either.
    assert [sql for sql in _sql(on_default) if "ledger_entry" in sql]


def test_bulk_statements_read_on_the_replica_and_issue_and_log_on_default(certificate, both, tmp_path):
    officer = staff_factory()("replica.officer", "query_officer")
    before = AccessEvent.objects.filter(actor="replica.officer").count()
    with both() as (on_default, on_replica):
        result = write_statements(2024, tmp_path, progress=False, issue=statement_issuer(officer))
    assert (result.written, result.failed) == (1, [])
    read = _sql(on_replica)
    assert [sql for sql in read if "contributions_contribution" in sql]  # the persons and their records
    assert [sql for sql in read if "accounts_account_year" in sql] and [sql for sql in read if "registry_person" in sql]
    assert not _writes(read)
    written = _writes(_sql(on_default))
    assert [sql for sql in written if "audit_access_event" in sql]  # the read of personal data, logged on default
    assert [sql for sql in written if "ledger_head" in sql]  # the certificate.issued entry appended
    assert [sql for sql in written if "certificates_certificate" in sql]
    events = AccessEvent.objects.filter(actor="replica.officer")
    assert events.count() == before + 1
    assert events.order_by("seq").last().subject == f"person:{certificate.document.person_uid}"


def test_reading_from_replica_routes_reads_only_inside_the_block(certificate, both):
    from sirecords.certificates.models import Certificate

    with both() as (on_default, on_replica):
        with reading_from_replica() as alias:
            inside = Certificate.objects.get(code=certificate.code)
        outside = Certificate.objects.get(code=certificate.code)
    assert alias == REPLICA and inside._state.db == REPLICA and outside._state.db == DEFAULT_DB_ALIAS
    assert len(on_replica.captured_queries) == 1 and len(on_default.captured_queries) == 1
    # An object read on the replica is written on default; reads of its relations follow it (Django's instance hint).
    assert router.db_for_write(Certificate, instance=inside) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Certificate, instance=outside) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Certificate) == DEFAULT_DB_ALIAS
    assert router.allow_relation(inside, outside)


def test_migrations_never_run_on_the_replica():
    for app_label in ("ledger", "records", "contenttypes"):
        assert router.allow_migrate(REPLICA, app_label) is False
        assert router.allow_migrate(DEFAULT_DB_ALIAS, app_label) is True

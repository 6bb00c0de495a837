"""deploy/postgres/roles.sql on a migrated PostgreSQL database (the test database): the application role may read
and add to the append-only tables but not change or empty them, and gets rights on tables the owner makes later.
Everything runs in one transaction that is rolled back, so the test database is left as it was."""

from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import errors

from sirecords.ledger.triggers import APPEND_ONLY_TABLES

pytestmark = pytest.mark.django_db
ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "roles.sql"


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (CI does)")
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}) as conn:
        conn.execute("SET lock_timeout = '20s'")
        conn.execute(ROLES_SQL.read_text())
        yield conn
        conn.rollback()


def refused(conn, sql: str) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SAVEPOINT attempt")
        try:
            cursor.execute(sql)
        except errors.InsufficientPrivilege:
            cursor.execute("ROLLBACK TO SAVEPOINT attempt")
            return True
        cursor.execute("RELEASE SAVEPOINT attempt")
        return False


ENTRY = ("INSERT INTO ledger_entry (seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, payload, "
         "prev_hash, hash) VALUES (900001, 'test.kind', 'test:1', 'txn-roles', 'roles.test', 'why', 'cli', "
         "'2026-01-01T00:00:00.000000Z', '', '{}', repeat('0', 64), repeat('1', 64))")


def test_the_application_role_cannot_update_delete_or_truncate_a_ledger_table(pg):
    pg.execute("SET ROLE sirecords_app")
    for table in APPEND_ONLY_TABLES:
        assert refused(pg, f"UPDATE {table} SET {'kind' if table == 'ledger_entry' else 'actor'} = 'x'"), table
        assert refused(pg, f"DELETE FROM {table}"), table
        assert refused(pg, f"TRUNCATE {table}"), table
        assert refused(pg, f"DROP TRIGGER {table}_append_only ON {table}"), table  # only the owner could


def test_the_application_role_can_insert_and_select_a_ledger_entry(pg):
    pg.execute("SET ROLE sirecords_app")
    assert not refused(pg, ENTRY)
    assert pg.execute("SELECT kind, actor FROM ledger_entry WHERE seq = 900001").fetchall() == [("test.kind", "roles.test")]
    # Other tables stay writable: the head it moves at every posting, a transaction's state.
    assert not refused(pg, "UPDATE ledger_head SET size = size")
    assert not refused(pg, "UPDATE workflow_transaction SET state = state")
    assert not refused(pg, "DELETE FROM workflow_transaction WHERE uid = 'none'")


def test_tables_the_owner_creates_later_are_granted_by_default(pg):
    pg.execute("SET ROLE sirecords_owner")
    pg.execute("CREATE TABLE roles_later (id integer PRIMARY KEY)")
    pg.execute("SET ROLE sirecords_app")
    assert not refused(pg, "INSERT INTO roles_later VALUES (1)")
    assert pg.execute("SELECT id FROM roles_later").fetchall() == [(1,)]
    owners = pg.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert owners == [("sirecords_owner",)]

"""ledger.bulk: the one set-based insert (COPY on PostgreSQL, executemany batches on SQLite)."""

import pytest
from django.db import connection

from sirecords.ledger import bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bulk_probe (n integer, label text)")
    yield "bulk_probe"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bulk_probe")


def _rows(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n, label FROM {name} ORDER BY n")
        return [tuple(row) for row in cursor.fetchall()]


def test_insert_rows_in_batches_keeps_every_row_and_awkward_text(table):
    rows = [(n, f"row {n}\t\\ \"quoted\" 中文") for n in range(1, 26)]
    with connection.cursor() as cursor:
        bulk.insert_rows(cursor, table, ("n", "label"), iter(rows), batch_size=7)
    assert _rows(table) == rows


def test_writer_row_by_row_and_copy_text(table):
    with connection.cursor() as cursor, bulk.writer(cursor, table, ("n", "label"), batch_size=2) as out:
        for n in range(1, 6):
            out.write_row((n, "one"))
        assert out.copy_text == (connection.vendor == "postgresql")
        if out.copy_text:
            out.write_lines([f"{n}\tline" for n in range(6, 9)])
            out.write_lines([])
        else:
            with pytest.raises(TypeError):
                out.write_lines(["6\tline"])
            out.write_rows((n, "line") for n in range(6, 9))
    assert _rows(table) == [(n, "one") for n in range(1, 6)] + [(n, "line") for n in range(6, 9)]


def test_nothing_to_insert(table):
    with connection.cursor() as cursor:
        bulk.insert_rows(cursor, table, ("n", "label"), [])
    assert _rows(table) == []

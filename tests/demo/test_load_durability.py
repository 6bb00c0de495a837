"""The demo load's commits are not each waited for on disk (demo/load.py): SQLite synchronous=NORMAL while it runs, the
durable setting back (and the write-ahead log checkpointed) when it ends, also when it fails."""

import pytest
from django.db import connection

from sirecords.demo.load import commits_without_waiting_for_the_disk

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")  # committed, outside any transaction


def _setting():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
        else:
            cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_relaxed_during_the_load_and_durable_again_after_it_even_when_it_fails():
    before = _setting()
    assert before in ("2", "on")  # settings: synchronous=FULL (SQLite), synchronous_commit on (PostgreSQL)
    with pytest.raises(RuntimeError), commits_without_waiting_for_the_disk():
        assert _setting() in ("1", "off")
        raise RuntimeError("the load failed")
    assert _setting() == before
    with commits_without_waiting_for_the_disk():
        pass
    assert _setting() == before

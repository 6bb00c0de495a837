"""The look-up rate counters (records/counters.py): the cache django-ratelimit counts in, in this database, with the
atomic increment the library needs. Django's database cache, used before, lost counts when workers counted the same
caller at once (a caller got past the look-up limit by sending requests in parallel)."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import caches
from django.db import connection, connections
from django.test import RequestFactory
from django_ratelimit.checks import check_caches
from django_ratelimit.core import get_usage

from sirecords.records.counters import CounterCache
from sirecords.records.models import RateCounter


@pytest.fixture
def counters():
    cache = caches["reads"]
    assert isinstance(cache, CounterCache)
    return cache


def test_django_ratelimit_finds_nothing_broken_in_the_reads_cache():
    errors = [problem for problem in check_caches(None) if problem.is_serious()]
    assert errors == []


@pytest.mark.django_db
def test_add_sets_a_counter_only_when_none_is_live(counters):
    assert counters.add("k", 1, 60) is True
    assert counters.add("k", 5, 60) is False
    assert counters.get("k") == 1
    assert counters.add("gone", 7, 0) is True  # timeout 0: expired at once
    assert counters.get("gone", "absent") == "absent"
    assert counters.add("gone", 2, 60) is True  # an expired counter is replaced
    assert counters.get("gone") == 2


@pytest.mark.django_db
def test_incr_counts_a_live_counter_and_refuses_an_absent_one(counters):
    counters.set("k", 3, 60)
    assert counters.incr("k") == 4
    assert counters.incr("k", 10) == 14
    with pytest.raises(ValueError):
        counters.incr("never-set")
    counters.set("old", 3, 0)
    with pytest.raises(ValueError):
        counters.incr("old")


@pytest.mark.django_db
def test_only_counters_are_held(counters):
    for value in ("3", 2.5, True, {"count": 1}):
        with pytest.raises(TypeError):
            counters.set("k", value, 60)
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_touch_delete_clear_and_prune(counters):
    counters.set("a", 1, 60)
    counters.set("b", 1, 0)
    assert counters.touch("a", 120) is True and counters.touch("b", 120) is False
    assert counters.prune() == 1  # b had expired
    assert counters.delete("a") is True and counters.delete("a") is False
    counters.set("c", 1, None)  # never expires
    assert counters.get("c") == 1
    counters.clear()
    assert not RateCounter.objects.exists()


@pytest.mark.usefixtures("ledger_transactional_db")
def test_parallel_look_ups_are_each_counted():
    """Eight workers count the same caller 25 times each at once: 200, not fewer (each increment is one statement)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the in-memory test database cannot be shared by threads")
    request = RequestFactory().post("/api/persons/record")
    errors, start = [], threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(25):
                get_usage(request, group="test.parallel", key=lambda _g, _r: "token:abc", rate="1000/h", increment=True)
        except Exception as error:  # reported in the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    usage = get_usage(request, group="test.parallel", key=lambda _g, _r: "token:abc", rate="1000/h", increment=False)
    assert usage["count"] == 200


@pytest.mark.django_db
def test_the_counter_table_is_unlogged_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("UNLOGGED is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'records_rate_counter'")
        assert cursor.fetchone() == ("u",)


def test_a_cache_that_loses_counts_is_refused_at_start_up(settings):
    settings.CACHES = {**settings.CACHES, "reads": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                                    "LOCATION": "sirecords_rate_cache"}}
    assert "django_ratelimit.E003" in {problem.id for problem in check_caches(None)}

"""The request-rate counters of the read limits: django-ratelimit's cache (settings.CACHES["reads"]), kept in the
project's own database with the atomic increment the library requires.

django-ratelimit needs a cache shared by every worker whose increment is atomic. Django's database cache is shared but
not atomic: its incr reads the value and writes it back, so two workers counting the same caller at once lose a count
and a caller gets past the look-up limit by sending requests in parallel (the library's own check, E003, names that
backend as broken for it). It is also slow: every add counts the whole table (its culling) and, for a key that exists,
fails an INSERT on purpose. Here each operation is one statement on the table records_rate_counter (RateCounter):
add inserts, or replaces only an expired row (INSERT … ON CONFLICT … DO UPDATE … WHERE); incr is UPDATE … RETURNING.
The values are counters, nothing else (any other value is refused).

On PostgreSQL the table is UNLOGGED (migration 0006): a counter is worth a minute or an hour, a crash or a fail-over may
forget it, and its commits need not wait for the disk. The access log, which records every read, is the durable
record; the counters only pace the callers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connections, router

FOREVER = datetime(9999, 12, 31, tzinfo=UTC)  # a counter set with timeout None
PRUNE_EVERY = 500  # counters this process inserts between two deletions of the expired ones


class CounterCache(BaseCache):
    """A Django cache of integer counters (add, get, set, incr, touch, delete, clear) in records_rate_counter.
    Configured as {"BACKEND": "sirecords.records.counters.CounterCache"}; LOCATION is not used."""

    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)
        self._inserted = 0

    # --- what the statements need ----------------------------------------------------------------------------------

    @staticmethod
    def _model():
        from sirecords.records.models import RateCounter  # the app registry is ready by the first cache call

        return RateCounter

    def _connection(self, write: bool):
        model = self._model()
        return connections[router.db_for_write(model) if write else router.db_for_read(model)]

    def _stamp(self, connection, moment: datetime):
        return connection.ops.adapt_datetimefield_value(moment)

    def _expires(self, timeout) -> datetime:
        expiry = self.get_backend_timeout(timeout)  # seconds since the epoch, or None for never
        return FOREVER if expiry is None else datetime.fromtimestamp(expiry, UTC)

    @staticmethod
    def _count(value) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"the rate-counter cache holds integer counters only, not {type(value).__name__}")
        return value

    def _key(self, key, version) -> str:
        return self.make_and_validate_key(key, version=version)

    # --- the cache interface ---------------------------------------------------------------------------------------

    def _upsert(self, key, value, timeout, version, *, live_too: bool) -> bool:
        """Insert the counter, or replace one that is there: any (`live_too`) or only an expired one. Whether it was
        written. One statement either way."""
        count, key = self._count(value), self._key(key, version)
        connection = self._connection(write=True)
        table = connection.ops.quote_name(self._model()._meta.db_table)
        replace = "" if live_too else f" WHERE {table}.expires < %s"
        params = [key, count, self._stamp(connection, self._expires(timeout))]
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (cache_key, count, expires) VALUES (%s, %s, %s) ON CONFLICT (cache_key) "  # nosec B608 # quoted _meta names; values bound
                           f"DO UPDATE SET count = excluded.count, expires = excluded.expires{replace}",
                           params if live_too else [*params, self._stamp(connection, datetime.now(UTC))])
            return cursor.rowcount == 1

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        """Set the counter unless a live one exists (an expired one is replaced); True when it was set."""
        added = self._upsert(key, value, timeout, version, live_too=False)
        if added:
            self._inserted += 1
            if self._inserted % PRUNE_EVERY == 0:
                self.prune()
        return added

    def get(self, key, default=None, version=None):
        key = self._key(key, version)
        connection = self._connection(write=False)
        table = connection.ops.quote_name(self._model()._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count FROM {table} WHERE cache_key = %s AND expires >= %s",  # nosec B608 # quoted _meta names; values bound
                           [key, self._stamp(connection, datetime.now(UTC))])
            row = cursor.fetchone()
        return default if row is None else row[0]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._upsert(key, value, timeout, version, live_too=True)

    def incr(self, key, delta=1, version=None) -> int:
        """Add `delta` to a live counter in one statement and return the new value; ValueError when there is none."""
        delta, key = self._count(delta), self._key(key, version)
        connection = self._connection(write=True)
        table = connection.ops.quote_name(self._model()._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET count = count + %s WHERE cache_key = %s AND expires >= %s RETURNING count",  # nosec B608 # quoted _meta names; values bound
                           [delta, key, self._stamp(connection, datetime.now(UTC))])
            row = cursor.fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self._key(key, version)
        connection = self._connection(write=True)
        table = connection.ops.quote_name(self._model()._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET expires = %s WHERE cache_key = %s AND expires >= %s",  # nosec B608 # quoted _meta names; values bound
                           [self._stamp(connection, self._expires(timeout)), key,
                            self._stamp(connection, datetime.now(UTC))])
            return cursor.rowcount == 1

    def delete(self, key, version=None) -> bool:
        key = self._key(key, version)
        return self._model().objects.filter(cache_key=key).delete()[0] > 0

    def clear(self) -> None:
        self._model().objects.all().delete()

    def prune(self) -> int:
        """Delete the expired counters; how many. Run by add every PRUNE_EVERY insertions of this process."""
        return self._model().objects.filter(expires__lt=datetime.fromtimestamp(time.time(), UTC)).delete()[0]

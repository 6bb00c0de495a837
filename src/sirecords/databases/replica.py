"""Reads that may be a moment old, from a standby (issue #20; docs/operations.md, "High availability": read replicas).

`DATABASE_REPLICA_URL` (the same forms as DATABASE_URL, typically the cluster's hosts with
`target_session_attrs=prefer-standby`) configures a second alias, `replica` (settings/base.py). Nothing is sent there
by default: the router below sends nothing anywhere on its own. Only the call sites that read what needs no write and
may be a moment old ask for it, explicitly:

- `replica_alias()`: the alias to read from — `replica` when one is configured, else `default` (no second connection,
  no change of behaviour) — for a raw cursor (`connections[replica_alias()]`) or a queryset (`.using(replica_alias())`);
- `reading_from_replica()`: a block whose ORM reads (the queries the router is asked about) go to that alias, for a
  read spread over many functions (a person's record for an annual statement). Keep the block to reads: a write in it
  still goes to `default`, but a read followed by a write of what it read belongs on `default` whole.

Every write, and every access-log record of a read of personal data, stays on `default`; so does every read of the
other call sites. Migrations never run on `replica` (allow_migrate).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

__all__ = ["REPLICA", "ReplicaRouter", "reading_from_replica", "replica_alias", "replica_configured"]

REPLICA = "replica"

# Set inside reading_from_replica(): per thread and per asyncio task, so one request's block never reroutes another's.
_reading: ContextVar[bool] = ContextVar("sirecords_reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_alias() -> str:
    """`replica` when DATABASE_REPLICA_URL configured it, else `default`."""
    return REPLICA if replica_configured() else DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading_from_replica() -> Iterator[str]:
    """Within the block, the ORM's reads go to replica_alias() (yielded); writes still go to `default`."""
    token = _reading.set(True)
    try:
        yield replica_alias()
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """settings.DATABASE_ROUTERS. Reads: the replica inside reading_from_replica(), else Django's choice (`default`, or
    the alias of the instance a related object is read through). Writes: never the replica — an object read from it
    is saved on `default`. Objects of the two aliases may be related (one database). Migrations: never the replica."""

    def db_for_read(self, model, **hints):
        return replica_alias() if _reading.get() else None

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and getattr(instance._state, "db", None) == REPLICA:
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(self, obj1, obj2, **hints):
        both = {obj1._state.db or DEFAULT_DB_ALIAS, obj2._state.db or DEFAULT_DB_ALIAS}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None

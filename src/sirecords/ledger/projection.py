"""Projections: current-state tables derived from the ledger.

A projector is a function (entry, store) registered for one entry kind. It reads and writes rows
through a Store, never the ORM directly, so the same code updates the live tables when a
transaction posts and replays the whole ledger into a scratch store when `verify` checks them.

Rows are plain dicts keyed by the model's column attnames, with JSON values (dates as ISO text).
Personal data is sealed in the entry payload and copied as sealed text, so comparing rows never
needs the data key.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.db.models.signals import pre_delete, pre_save

from sirecords.ledger import fieldcheck
from sirecords.ledger.append import PostedEntry

Row = dict[str, Any]


class Store(Protocol):
    def get(self, table: str, pk: str) -> Row | None: ...
    def put(self, table: str, pk: str, row: Row) -> None: ...
    def insert(self, table: str, pk: str, row: Row) -> None:
        """put() of a row the projector knows is new: a store may write it later, with others, in one statement."""
    def delete(self, table: str, pk: str) -> None:
        """Remove the row `pk` (nothing if there is none): what a later entry replaced, e.g. the months of a transfer
        that a supplementary package no longer holds."""


Projector = Callable[[PostedEntry, Store], None]

_projectors: dict[str, Projector] = {}
_tables: dict[str, type[models.Model]] = {}


def projects(*kinds: str):
    """Decorator: register a projector for these entry kinds."""

    def register(function: Projector) -> Projector:
        for kind in kinds:
            if kind in _projectors:
                raise ValueError(f"entry kind {kind} already has a projector")
            _projectors[kind] = function
        return function

    return register


_projecting: contextvars.ContextVar[bool] = contextvars.ContextVar("projecting", default=False)


class DirectWriteRefused(RuntimeError):
    """A projection row was about to be written other than by posting a transaction (第六条)."""


def _refuse_direct_write(sender, instance, **kwargs) -> None:
    if not _projecting.get():
        raise DirectWriteRefused(f"{sender._meta.db_table} is a projection of the ledger: it changes only when a "
                                 f"reviewed transaction is posted, never directly")


def projected_table(model: type[models.Model]) -> type[models.Model]:
    """Class decorator: this model is a projection, compared by `verify`, and writable only by the projector."""
    _tables[model._meta.db_table] = model
    pre_save.connect(_refuse_direct_write, sender=model, dispatch_uid=f"projection-guard-{model._meta.db_table}")
    pre_delete.connect(_refuse_direct_write, sender=model, dispatch_uid=f"projection-guard-del-{model._meta.db_table}")
    return model


def projected_tables() -> dict[str, type[models.Model]]:
    return dict(_tables)


def has_projector(kind: str) -> bool:
    return kind in _projectors


def projector_kinds() -> frozenset[str]:
    """The entry kinds that change projections (the others need no replay)."""
    return frozenset(_projectors)


def existing(store: Store, table: str, pk: str, entry: PostedEntry) -> Row:
    """The row `pk` of `table` an entry changes; LookupError naming the entry when it is not there (a replay that
    finds it missing is a broken ledger or projection)."""
    row = store.get(table, pk)
    if row is None:
        raise LookupError(f"entry #{entry.seq} ({entry.kind}) refers to {table} {pk}, which does not exist")
    return row


def apply(entry: PostedEntry, store: Store) -> None:
    projector = _projectors.get(entry.kind)
    if projector is not None:
        projector(entry, store)


def _to_json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def row_from_model_values(values: dict[str, Any]) -> Row:
    return {key: _to_json_value(value) for key, value in values.items()}


class LiveStore:
    """The projection tables themselves, through the ORM, inside the posting transaction. Rows inserted (`insert`:
    new, the projector knows) are kept and written together by `flush`, which posting calls before it commits; `get`
    and `put` see them meanwhile. A posting that queues ten thousand discrepancies writes them in ten statements,
    not thirty thousand."""

    BATCH = 1000

    def __init__(self) -> None:
        self._pending: dict[str, dict[str, models.Model]] = {}

    def _model(self, table: str) -> type[models.Model]:
        try:
            return _tables[table]
        except KeyError:
            raise LookupError(f"{table} is not a projected table") from None

    def get(self, table: str, pk: str) -> Row | None:
        pending = self._pending.get(table, {}).get(str(pk))
        if pending is not None:
            return row_from_model_values({f.attname: getattr(pending, f.attname) for f in pending._meta.concrete_fields})
        values = self._model(table).objects.filter(pk=pk).values().first()
        return None if values is None else row_from_model_values(values)

    def _instance(self, table: str, pk: str, row: Row) -> models.Model:
        instance = self._model(table)(**row)
        if str(instance.pk) != str(pk):
            raise ValueError(f"{table}: row key {instance.pk!r} does not match {pk!r}")
        fieldcheck.full_clean(instance)  # full_clean(validate_unique=False, validate_constraints=False), fast
        return instance

    def insert(self, table: str, pk: str, row: Row) -> None:
        self._pending.setdefault(table, {})[str(pk)] = self._instance(table, pk, row)

    def flush(self) -> None:
        """Write the inserted rows (posting calls it before it commits): one COPY per table on PostgreSQL, executemany
        batches on SQLite (ledger/bulk.py), each value as the model's field prepares it for the database."""
        from django.db import connection

        from sirecords.ledger import bulk

        with connection.cursor() as cursor:
            for table, rows in self._pending.items():
                fields = fieldcheck.db_columns(self._model(table))
                names = [connection.ops.quote_name(field.column) for field in fields]
                with bulk.writer(cursor, connection.ops.quote_name(table), names, batch_size=self.BATCH) as out:
                    out.write_rows([fieldcheck.db_values(instance, connection) for instance in rows.values()])
        self._pending.clear()

    def put(self, table: str, pk: str, row: Row) -> None:
        if str(pk) in self._pending.get(table, {}):
            self._pending[table][str(pk)] = self._instance(table, pk, row)
            return
        instance = self._instance(table, pk, row)
        token = _projecting.set(True)
        try:
            instance.save()
        finally:
            _projecting.reset(token)

    def delete(self, table: str, pk: str) -> None:
        if self._pending.get(table, {}).pop(str(pk), None) is not None:
            return
        token = _projecting.set(True)
        try:
            for instance in self._model(table).objects.filter(pk=pk):
                instance.delete()
        finally:
            _projecting.reset(token)


@dataclass
class ScratchStore:
    """A throwaway SQLite file that `verify` replays the ledger into, in constant memory."""

    path: str

    def __post_init__(self) -> None:
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("CREATE TABLE IF NOT EXISTS rows (tbl TEXT, pk TEXT, data TEXT, seen INTEGER DEFAULT 0, PRIMARY KEY (tbl, pk))")

    def get(self, table: str, pk: str) -> Row | None:
        found = self.db.execute("SELECT data FROM rows WHERE tbl = ? AND pk = ?", (table, str(pk))).fetchone()
        return None if found is None else json.loads(found[0])

    def put(self, table: str, pk: str, row: Row) -> None:
        self.db.execute("INSERT OR REPLACE INTO rows (tbl, pk, data) VALUES (?, ?, ?)", (table, str(pk), json.dumps(row)))

    insert = put

    def delete(self, table: str, pk: str) -> None:
        self.db.execute("DELETE FROM rows WHERE tbl = ? AND pk = ?", (table, str(pk)))

    def mark_seen(self, table: str, pk: str) -> None:
        self.db.execute("UPDATE rows SET seen = 1 WHERE tbl = ? AND pk = ?", (table, str(pk)))

    def unseen(self, table: str) -> Iterator[tuple[str, Row]]:
        for pk, data in self.db.execute("SELECT pk, data FROM rows WHERE tbl = ? AND seen = 0 ORDER BY pk", (table,)):
            yield pk, json.loads(data)

    def close(self) -> None:
        self.db.close()

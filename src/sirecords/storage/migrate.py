"""`sirecords migrate-store --to DATABASE_URL`: copy the configured store (SQLite, or another server) to an empty
PostgreSQL database, then prove the copy with the full `verify` run on both sides.

The source is opened read-only (SQLite `mode=ro`; PostgreSQL `default_transaction_read_only`). The target gets the
schema from the Django migrations, so its append-only triggers (ledger/triggers.py) are the migrations' own and are in
place before the first row arrives: the copy only INSERTs, which they allow. Every table of every installed model is
copied generically through the app registry in foreign-key order with its primary keys, in one transaction; the
PostgreSQL sequences are then set past the copied keys. Stored files (documents, collection files) stay where they
are (SIRECORDS_HOME, or the object store) and are shared by both databases, not copied.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import dj_database_url
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, models, transaction

from sirecords.core.database_url import DatabaseUrlError
from sirecords.core.database_url import parse as parse_database_url
from sirecords.crypto.objects import Place
from sirecords.ledger import triggers
from sirecords.ledger.verify import Report, verify

SOURCE = "migrate_store_source"
TARGET = "migrate_store_target"
BATCH = 2000
# Tables that `migrate` itself fills on an empty database (its bookkeeping, content types and permissions, the
# ledger's and the logs' genesis head rows): present in a fresh target; their rows are replaced by the source's.
MIGRATE_WRITES = frozenset({"django_migrations", "django_content_type", "auth_permission", "ledger_head",
                            "ledger_log_head"})


class MigrateError(Exception):
    """The copy cannot start or did not hold; the message says why. Nothing was committed to the target."""


@dataclass
class TableCopy:
    table: str
    rows: int
    source_digest: str
    target_digest: str = ""

    @property
    def same(self) -> bool:
        return self.source_digest == self.target_digest


@dataclass
class Result:
    source: str
    target: str
    tables: list[TableCopy] = field(default_factory=list)
    source_report: Report | None = None
    target_report: Report | None = None

    @property
    def ok(self) -> bool:
        return (self.source_report is not None and self.target_report is not None and self.source_report.ok
                and self.target_report.ok and self.source_report.root == self.target_report.root
                and self.source_report.entries == self.target_report.entries and all(t.same for t in self.tables))

    def as_dict(self) -> dict:
        src, tgt = self.source_report, self.target_report
        return {
            "ok": self.ok, "source": self.source, "target": self.target,
            "source_root": src.root if src else "", "target_root": tgt.root if tgt else "",
            "source_entries": src.entries if src else 0, "target_entries": tgt.entries if tgt else 0,
            "tables": {t.table: {"rows": t.rows, "source_digest": t.source_digest, "target_digest": t.target_digest}
                       for t in self.tables},
            "rows": sum(t.rows for t in self.tables),
            "source_findings": [vars(f) for f in src.findings] if src else [],
            "target_findings": [vars(f) for f in tgt.findings] if tgt else [],
        }


def describe(config: dict) -> str:
    """A database named without its password."""
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:{config['NAME']}"
    return f"{config['ENGINE'].rsplit('.', 1)[-1]}://{config.get('USER') or ''}@{config.get('HOST') or ''}:" \
           f"{config.get('PORT') or ''}/{config['NAME']}"


def source_config() -> dict:
    """The configured database, opened so that nothing can be written through it."""
    config = dict(connections.settings["default"])
    config["OPTIONS"] = dict(config.get("OPTIONS") or {})
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(str(config["NAME"]))
        if not path.is_file():
            raise MigrateError(f"the source SQLite database {path} does not exist")
        config["NAME"] = f"file:{quote(str(path.resolve()))}?mode=ro"  # Django opens SQLite with uri=True
    elif config["ENGINE"].endswith("postgresql"):
        config["OPTIONS"]["options"] = "-c default_transaction_read_only=on"
    return config


def target_config(url: str) -> dict:
    try:
        config = parse_database_url(url, dj_database_url.parse)  # one host, or a failover cluster's list of hosts
    except DatabaseUrlError as error:
        raise MigrateError(f"--to: {error}") from None
    if not config["ENGINE"].endswith("postgresql"):
        raise MigrateError(f"--to must name a PostgreSQL database (postgres://…), not {config['ENGINE']}")
    return config


@contextlib.contextmanager
def _aliases(source: dict, target: dict) -> Iterator[None]:
    configured = connections.configure_settings({"default": connections.settings["default"], SOURCE: source,
                                                 TARGET: target})
    connections.settings[SOURCE], connections.settings[TARGET] = configured[SOURCE], configured[TARGET]
    try:
        yield
    finally:
        for alias in (SOURCE, TARGET):
            if hasattr(connections._connections, alias):
                connections[alias].close()
                delattr(connections._connections, alias)
            connections.settings.pop(alias, None)


def copied_models() -> list[type[models.Model]]:
    """Every concrete, managed model (with the many-to-many tables), each after the models its keys point to."""
    found = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    by_table = {m._meta.db_table: m for m in found}
    ordered: list[type[models.Model]] = []
    done: set[str] = set()

    def visit(model, path=()):
        table = model._meta.db_table
        if table in done or table in path:
            return
        for f in model._meta.local_concrete_fields:
            if f.is_relation and f.related_model is not None:
                parent = by_table.get(f.related_model._meta.concrete_model._meta.db_table)
                if parent is not None and parent is not model:
                    visit(parent, (*path, table))
        done.add(table)
        ordered.append(model)

    for model in sorted(found, key=lambda m: m._meta.db_table):
        visit(model)
    return ordered


def _fields(model) -> list:
    return list(model._meta.local_concrete_fields)


def _rows(model, alias: str) -> Iterator[tuple]:
    names = [f.attname for f in _fields(model)]
    yield from model._base_manager.using(alias).order_by("pk").values_list(*names).iterator(chunk_size=BATCH)


def _digest_rows(rows) -> tuple[int, str]:
    """Count and SHA-256 of the rows in primary-key order, each as its canonical JSON (values as Django reads them)."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(json.dumps(row, default=str, ensure_ascii=False).encode() + b"\n")
        count += 1
    return count, digest.hexdigest()


def _table_has_rows(connection, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # nosec B608 # quoted _meta names; values bound
        return cursor.fetchone() is not None


def refuse_unless_empty(connection) -> None:
    """The target holds nothing but what `migrate` writes on an empty database, and no ledger entry."""
    tables = set(connection.introspection.table_names())
    filled = sorted(t for t in tables if t not in MIGRATE_WRITES and _table_has_rows(connection, t))
    if "ledger_head" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT size FROM ledger_head")
            if any(size for (size,) in cursor.fetchall()):
                filled.insert(0, "ledger_head")
    if filled:
        shown = ", ".join(filled[:8]) + (f" and {len(filled) - 8} more" if len(filled) > 8 else "")
        raise MigrateError(f"the target database is not empty: {shown} hold rows; migrate-store copies only into an "
                           "empty database (create a new one)")


def _copy(model, source, target) -> int:
    fields = _fields(model)
    quote_name = target.ops.quote_name
    sql = (f"INSERT INTO {quote_name(model._meta.db_table)} ({', '.join(quote_name(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")  # nosec B608 # quoted _meta names; values bound
    count, batch = 0, []
    with target.cursor() as cursor:
        for row in _rows(model, source.alias):
            # get_db_prep_save, not save(): no pre_save hook (auto_now) may change a copied value.
            batch.append([f.get_db_prep_save(value, connection=target) for f, value in zip(fields, row)])
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


@contextlib.contextmanager
def _as_default(alias: str) -> Iterator[None]:
    """`verify` reads the default connection: point it at `alias` for the run."""
    original = connections["default"]
    connections["default"] = connections[alias]
    try:
        yield
    finally:
        connections["default"] = original


def verify_on(alias: str, witness: Place | Path | None) -> Report:
    with _as_default(alias):
        return verify(witness)


def _copy_all(result: Result, source, target, progress) -> None:
    ordered = copied_models()
    with transaction.atomic(using=TARGET):
        for model in reversed(ordered):  # what migrate wrote (content types, genesis heads) gives way to the source's
            if _table_has_rows(target, model._meta.db_table):
                with target.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {target.ops.quote_name(model._meta.db_table)}")  # nosec B608 # quoted _meta names; values bound
        for model in ordered:
            count, digest = _digest_rows(_rows(model, SOURCE))
            copied = _copy(model, source, target)
            if copied != count:
                raise MigrateError(f"{model._meta.db_table}: read {count} rows, wrote {copied}")
            result.tables.append(TableCopy(model._meta.db_table, count, digest))
            progress(f"{model._meta.db_table}: {count} rows")
        with target.cursor() as cursor:
            for sql in target.ops.sequence_reset_sql(no_style(), ordered):
                cursor.execute(sql)
        for copy, model in zip(result.tables, ordered):
            copy.target_digest = _digest_rows(_rows(model, TARGET))[1]
            if not copy.same:
                raise MigrateError(f"{copy.table}: the rows read back from the target differ from the source's")


def migrate_store(url: str, witness: Place | Path | None, progress=lambda message: None) -> Result:
    source_cfg, target_cfg = source_config(), target_config(url)
    if describe(source_cfg).replace("?mode=ro", "") == describe(target_cfg):
        raise MigrateError("the target is the configured database itself")
    result = Result(describe(source_cfg), describe(target_cfg))
    with _aliases(source_cfg, target_cfg), _as_default(SOURCE):  # a stray write through the default is refused
        source, target = connections[SOURCE], connections[TARGET]
        try:
            target.ensure_connection()
        except Exception as error:  # noqa: BLE001 — any driver error: say which database and why
            raise MigrateError(f"cannot connect to the target {result.target}: {error}") from None
        refuse_unless_empty(target)
        # One source transaction from its verify to the last row read: what is verified is what is copied
        # (SQLite: the transaction holds the write lock; PostgreSQL: one repeatable-read snapshot).
        with transaction.atomic(using=SOURCE):
            if source.vendor == "postgresql":
                with source.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            progress(f"source {result.source}: verifying")
            result.source_report = verify_on(SOURCE, witness)
            if not result.source_report.ok:
                raise MigrateError(f"the source does not verify ({len(result.source_report.findings)} finding(s)); "
                                   "run `sirecords verify` and fix it before moving the store")
            progress(f"target {result.target}: applying the migrations")
            # Every data migration writes through the connection it is run on (schema_editor.connection.alias:
            # tests/storage/test_migrations_on_another_database.py), so the default stays the source here.
            call_command("migrate", database=TARGET, interactive=False, verbosity=0)
            _copy_all(result, source, target, progress)
        missing = triggers.missing(target)
        if missing:
            raise MigrateError("append-only triggers missing on the target: " + ", ".join(missing))
        progress(f"target {result.target}: verifying")
        result.target_report = verify_on(TARGET, witness)
    return result

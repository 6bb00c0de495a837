"""Database triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on append-only tables.

They prevent accidents and casual edits. Someone with owner rights can drop them; `sirecords verify`
finds what such a person changes (docs/ledger.md). In production the application's database role is
also denied UPDATE/DELETE on these tables (docs/operations.md).
"""

LEDGER_TABLES = ("ledger_entry", "ledger_checkpoint")
# Every append-only table in the project; each app's migration installs the triggers on its own.
APPEND_ONLY_TABLES = (*LEDGER_TABLES, "workflow_action", "audit_access_event")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION sirecords_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql
"""


def _statements(vendor: str, table: str) -> tuple[list[str], list[str]]:
    if vendor == "postgresql":
        install = [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sirecords_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION sirecords_append_only()",
        ]
        drop = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}", f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"]
    elif vendor == "sqlite":
        install = [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            for op in ("UPDATE", "DELETE")
        ]
        drop = [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]
    else:
        raise NotImplementedError(f"append-only triggers are not written for {vendor}")
    return install, drop


def install(connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for table in tables:
            for sql in _statements(connection.vendor, table)[0]:
                cursor.execute(sql)


def drop(connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Remove the triggers: used by reverse migrations and by tamper tests acting as an attacker."""
    with connection.cursor() as cursor:
        for table in tables:
            for sql in _statements(connection.vendor, table)[1]:
                cursor.execute(sql)


def reinstall(connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """After a migration that rebuilt a table (SQLite's ALTER copies the table and loses its triggers)."""
    drop(connection, tables)
    install(connection, tables)


def missing(connection, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> list[str]:
    """Names of expected triggers that are absent: `verify` reports them."""
    expected = {name: table for table in tables for name in _trigger_names(connection.vendor, table)}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return sorted(f"{table}: {name}" for name, table in expected.items() if name not in present)


def _trigger_names(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"{table}_append_only", f"{table}_no_truncate"]
    return [f"{table}_no_update", f"{table}_no_delete"]

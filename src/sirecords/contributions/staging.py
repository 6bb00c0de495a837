"""The rows of the collection file being checked, staged in a temporary table of this database session.

`collection.prepare` reads the file in pieces and writes each checked row here (COPY on PostgreSQL, executemany
on SQLite), so memory stays bounded whatever the file's size; what needs the whole file is then asked of the
database, set-based: rows that repeat a person, employer, month and insurance type; rows already posted; the
reviewers' totals. The posting inserts the rows from here into contributions_contribution with one
INSERT … SELECT. A one-row table names what is staged (file SHA-256, region, rows root), so a later step in the
same session uses the rows only when they are the file's; a temporary table lives as long as the session (or
the transaction that made it, if that is rolled back), never in another process.

Columns: the file's line, a 64-bit key of (person, code, month, insurance type) to find repeats cheaply, the
person (the registry uid, or for an unknown person the blind index of the ID number: no ID number is written
here), the code as written, the row number (0 for a row with a problem, kept only to find repeats), then the row
as stored (rows.COLUMNS), its rule version as a number in a table of its own; then the row's kind and late fee,
"assessment" and 0 unless the row pays a month in arrears (mark_arrears_payments).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import DatabaseError, connection, transaction

from sirecords.contributions import counted, summary
from sirecords.contributions import rows as row_form
from sirecords.contributions.models import RowKind
from sirecords.ledger import bulk

TABLE = "import_rows"
KEY_TABLE = "import_staged"
ROW_COLUMNS = row_form.COLUMNS  # row_number first, rule_version last
# The rule version (some 80 characters) is staged as its number in VERSION_TABLE: narrower rows stage faster.
STAGED_ROW = (*ROW_COLUMNS[:-1], "version_no")
COLUMNS = ("line", "dup_key", "id_key", "uscc", *STAGED_ROW)
VERSION_TABLE = "import_versions"
_SELECTED = ", ".join((*(f"s.{name}" for name in ROW_COLUMNS[:-1]), "v.version"))
_JOINED = f"{TABLE} s JOIN {VERSION_TABLE} v ON v.no = s.version_no"
_TYPES = {"line": "bigint", "dup_key": "bigint", "row_number": "bigint", "version_no": "integer", "wage_fen": "bigint",
          "base_fen": "bigint", "employer_fen": "bigint", "individual_fen": "bigint", "account_credit_fen": "bigint",
          "arrears_fen": "bigint"}
# One COPY text line per staged row (PostgreSQL): every value is plain (checked by the caller, rows.plain_texts).
COPY_LINE = "%d\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t%d"


TEMP_BUFFERS = "256MB"  # PostgreSQL: the session's memory for temporary tables (the server's, bounded; the rest spills)


_marked = False  # whether mark_arrears_payments marked rows since the last reset (in this process)


def reset(cursor) -> None:
    """Empty staging tables in this session (made when missing)."""
    global _marked
    _marked = False
    if connection.vendor == "postgresql":
        cursor.execute(f"SELECT to_regclass('pg_temp.{TABLE}') IS NULL")
        if cursor.fetchone()[0]:
            try:  # allowed only before the session's first temporary table; a session that has one keeps its setting
                with transaction.atomic():
                    cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
            except DatabaseError:
                pass
    columns = ", ".join(f"{name} {_TYPES.get(name, 'text')}" for name in COLUMNS)
    # Not written by the COPY of a block: every row starts as an assessment, mark_arrears_payments marks the others.
    columns += f", kind text NOT NULL DEFAULT '{RowKind.ASSESSMENT.value}', late_fee_fen bigint NOT NULL DEFAULT 0"
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {TABLE} ({columns})")
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {KEY_TABLE} (sha256 text, region text, rows_root text)")
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {VERSION_TABLE} (no integer, version text)")
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {TABLE}, {KEY_TABLE}, {VERSION_TABLE}")
    else:
        for table in (TABLE, KEY_TABLE, VERSION_TABLE):
            cursor.execute(f"DELETE FROM {table}")  # nosec B608 # constant names; values bound


def add_version(cursor, number: int, version: str) -> None:
    cursor.execute(f"INSERT INTO {VERSION_TABLE} (no, version) VALUES (%s, %s)", [number, version])  # nosec B608 # constant names; values bound


def writer(cursor):
    return bulk.writer(cursor, TABLE, COLUMNS)


def finish(cursor, sha256: str, region: str, rows_root: str) -> None:
    """Name what is staged; on PostgreSQL also gather the table's statistics, so the look-ups below plan well."""
    cursor.execute(f"INSERT INTO {KEY_TABLE} (sha256, region, rows_root) VALUES (%s, %s, %s)", [sha256, region, rows_root])  # nosec B608 # constant names; values bound
    if connection.vendor == "postgresql":
        # A small sample (3,000 rows, not 30,000) and the joined columns only: enough for the look-ups' join plans,
        # a tenth of the default ANALYZE's time on a million rows.
        cursor.execute("SET default_statistics_target = 10")
        try:
            cursor.execute(f"ANALYZE {TABLE} (person_id, employer_id, period, insurance_type, row_number, paid_on, kind)")
        finally:
            cursor.execute("RESET default_statistics_target")


def staged() -> tuple[str, str, str] | None:
    """(sha256, region, rows root) of what this session has staged, or None (nothing, or rolled back since)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT to_regclass('pg_temp.{KEY_TABLE}') IS NOT NULL")
        else:
            cursor.execute("SELECT COUNT(*) FROM sqlite_temp_master WHERE type = 'table' AND name = %s", [KEY_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT sha256, region, rows_root FROM {KEY_TABLE}")  # nosec B608 # constant names; values bound
        found = cursor.fetchall()
    return tuple(found[0]) if len(found) == 1 else None


def repeats(limit: int) -> list[tuple[int, int]]:
    """(line, first line) of each row repeating an earlier one's person, code, month and insurance type. First by the
    rows' 64-bit key (a hash of those four, grouped as integers: cheap), then exactly, among the candidates only."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT dup_key FROM {TABLE} GROUP BY dup_key HAVING COUNT(*) > 1 LIMIT 1")  # nosec B608 # constant names; values bound
        if cursor.fetchone() is None:
            return []
        candidates = f"SELECT dup_key FROM {TABLE} GROUP BY dup_key HAVING COUNT(*) > 1"  # nosec B608 # constant names; values bound
        cursor.execute(f"SELECT s.line, d.first FROM {TABLE} s JOIN (SELECT id_key, uscc, period, insurance_type, MIN(line) "
                       f"AS first FROM {TABLE} WHERE dup_key IN ({candidates}) GROUP BY id_key, uscc, period, insurance_type "
                       "HAVING COUNT(*) > 1) d ON s.id_key = d.id_key AND s.uscc = d.uscc AND s.period = d.period "
                       f"AND s.insurance_type = d.insurance_type WHERE s.dup_key IN ({candidates}) AND s.line > d.first "
                       "ORDER BY s.line LIMIT %s", [limit])  # nosec B608 # constant names; values bound
        return cursor.fetchall()


def already_posted(limit: int) -> list[tuple[int, str, str]]:
    """(line, period, insurance type) of each staged assessment that contributions_contribution already holds (the same
    person, employer, month, insurance type and kind: what contribution_month_once makes unique). A staged row that
    pays a month in arrears (marked by mark_arrears_payments) is not one."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.line, s.period, s.insurance_type FROM {TABLE} s JOIN contributions_contribution c "  # nosec B608 # constant names; values bound
                       "ON c.person_id = s.person_id AND c.period = s.period AND c.insurance_type = s.insurance_type "
                       "AND c.employer_id = s.employer_id AND c.kind = %s WHERE s.row_number > 0 AND s.kind = %s "
                       "ORDER BY s.line LIMIT %s", [RowKind.ASSESSMENT.value, RowKind.ASSESSMENT.value, limit])
        return cursor.fetchall()


_SAME_MONTH = ("c.person_id = s.person_id AND c.period = s.period AND c.insurance_type = s.insurance_type "
               "AND c.employer_id = s.employer_id")


def any_posted_month() -> bool:
    """Whether a staged row (to post) shares its person, employer, month and insurance type with any posted row: when
    none does (a new month's file, the usual case), the three look-ups of collection.posted_problems find nothing, and
    one join answers for them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLE} s JOIN contributions_contribution c ON {_SAME_MONTH} WHERE s.row_number > 0 "
                       "LIMIT 1")  # nosec B608 # constant names; values bound
        return cursor.fetchone() is not None


def marked() -> bool:
    """Whether this process marked staged rows as arrears payments since the staging was reset."""
    return _marked


def arrears_matches() -> list[tuple]:
    """Each staged paid row whose month is in arrears in the record (counted.in_arrears), with what it must match:
    (line, row_number, period, insurance_type, paid_on, (base, employer, individual, account credit, rule version) as
    staged, the same as posted). Reset first: every staged row is an assessment again."""
    with connection.cursor() as cursor:
        # Only the rows marked before (an UPDATE of every row would write the whole table again, each time), and only
        # when this process marked any since the staging was reset (else there is none: a scan saved).
        if _marked:
            cursor.execute(f"UPDATE {TABLE} SET kind = %s, late_fee_fen = 0 WHERE kind <> %s OR late_fee_fen <> 0",  # nosec B608 # constant names; values bound
                           [RowKind.ASSESSMENT.value, RowKind.ASSESSMENT.value])
        cursor.execute(f"SELECT s.line, s.row_number, s.period, s.insurance_type, s.paid_on, s.base_fen, s.employer_fen, "  # nosec B608 # constant names; values bound
                       f"s.individual_fen, s.account_credit_fen, v.version, c.base_fen, c.employer_fen, c.individual_fen, "
                       f"c.account_credit_fen, c.rule_version FROM {_JOINED} JOIN contributions_contribution c ON {_SAME_MONTH} "
                       f"WHERE s.row_number > 0 AND s.paid_on <> '' AND {counted.in_arrears('c')} ORDER BY s.line")
        return [(line, number, period, kind, paid_on, tuple(values[:5]), tuple(values[5:]))
                for line, number, period, kind, paid_on, *values in cursor.fetchall()]


def mark_arrears_payments(fees: list[tuple[int, int]]) -> None:
    """Mark the staged rows numbered as arrears payments with their late fees: (row_number, late fee in fen)."""
    global _marked
    if fees:
        _marked = True
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one statement (the staged rows have no index on row_number)
                cursor.execute(f"UPDATE {TABLE} s SET kind = %s, late_fee_fen = v.fee FROM (SELECT unnest(%s::bigint[]) "  # nosec B608 # constant names; values bound
                               "AS number, unnest(%s::bigint[]) AS fee) v WHERE s.row_number = v.number",
                               [RowKind.ARREARS_PAYMENT.value, [n for n, _fee in fees], [fee for _n, fee in fees]])
            else:
                cursor.executemany(f"UPDATE {TABLE} SET kind = %s, late_fee_fen = %s WHERE row_number = %s",  # nosec B608 # constant names; values bound
                                   [(RowKind.ARREARS_PAYMENT.value, fee, number) for number, fee in fees])


def paid_already(limit: int) -> list[tuple[int, str, str, str]]:
    """(line, period, insurance type, paid on) of each staged paid assessment whose month was paid late already (a
    counted arrears payment of the same person, employer, month and insurance type)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.line, s.period, s.insurance_type, c.paid_on FROM {TABLE} s JOIN contributions_contribution c "  # nosec B608 # constant names; values bound
                       f"ON {_SAME_MONTH} AND c.kind = %s WHERE s.row_number > 0 AND s.kind = %s AND {counted.counted('c')} "
                       "ORDER BY s.line LIMIT %s", [RowKind.ARREARS_PAYMENT.value, RowKind.ASSESSMENT.value, limit])
        return cursor.fetchall()


def kinded_rows() -> Iterator[tuple[tuple, str, int]]:
    """The staged rows in row order as (rows.COLUMNS tuple, kind, late fee)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {_SELECTED}, s.kind, s.late_fee_fen FROM {_JOINED} WHERE s.row_number > 0 ORDER BY s.row_number")  # nosec B608 # constant names; values bound
        while chunk := cursor.fetchmany(20_000):
            yield from ((tuple(row[:-2]), row[-2], row[-1]) for row in chunk)


def set_root(rows_root: str) -> None:
    """The staged rows' root changed (arrears payments marked): name it, if the staging is named already."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {KEY_TABLE} SET rows_root = %s", [rows_root])  # nosec B608 # constant names; values bound


def distinct_persons_and_employers() -> tuple[int, int]:
    """How many persons and employers the staged rows name (for the reviewers' totals; the rest is counted as staged)."""
    with connection.cursor() as cursor:
        # Grouped (a hash aggregate on PostgreSQL) rather than COUNT(DISTINCT …), which sorts every row.
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT person_id FROM {TABLE} WHERE row_number > 0 GROUP BY person_id) AS p")  # nosec B608 # constant names; values bound
        persons = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT employer_id FROM {TABLE} WHERE row_number > 0 AND employer_id <> '' "
                       "GROUP BY employer_id) AS e")  # nosec B608 # constant names; values bound
        employers = cursor.fetchone()[0]
    return persons, employers


def rows() -> Iterator[tuple]:
    """The staged rows in row order, as rows.COLUMNS tuples (a server-side cursor on PostgreSQL)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {_SELECTED} FROM {_JOINED} WHERE s.row_number > 0 ORDER BY s.row_number")  # nosec B608 # constant names; values bound
        while chunk := cursor.fetchmany(20_000):
            yield from (tuple(row) for row in chunk)


def insert_into_contributions(batch: str) -> int:
    """The staged rows into contributions_contribution as the rows of `batch`, in one INSERT … SELECT."""
    names = ", ".join(ROW_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO contributions_contribution (batch_id, kind, late_fee_fen, {names}) SELECT %s, s.kind, "  # nosec B608 # constant names; values bound
                       f"s.late_fee_fen, {_SELECTED} FROM {_JOINED} WHERE s.row_number > 0", [batch])
        return cursor.rowcount


# What the staged rows add to the per person-year credit summary, on both crediting bases (summary.py).
PENSION_CREDITS = summary.credits_select(TABLE, summary.STAGED_COUNTED)

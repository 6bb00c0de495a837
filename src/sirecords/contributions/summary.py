"""The per person-year pension credit summary (`contributions_pension_credit`, models.PensionCredit).

The annual crediting run reads ONE row per account from it instead of twelve (or more) contribution rows. A
credit is credited under a calendar year and month, its crediting position (engine.crediting.crediting_position),
which depends on the region's ``[crediting] interest_from``:

* ``arrival`` (the default, 记账月份): the year and month the money arrived (``paid_on``), so a December
  contribution paid in January belongs to the next year's credits and earns interest from January;
* ``period``: the year and month of the contribution period, whenever it was paid.

So the summary is keyed by (person, basis, year) with basis ∈ BASES and BOTH bases are kept at every posting:
a region that switches its basis needs no rebuild, and the run still reads one row per account (``WHERE basis =
%s AND year = %s``). Each row holds the credits of the year on that basis and their credit-months
Σ credit × (13 − month) (the monthly interest method's weights). A pension row that counts (COUNTED: paid and
not reversed, counted.py) adds ``account_credit_fen`` to one row of each basis when its batch posts, and a
reversal (reversals.py) takes it out again, in the posting's database transaction. An account received from another
region with a transfer adds its amount in the transfer year (TRANSFERRED_SELECT). `verify` (integrity.py) recomputes it
from the rows with one aggregate query and names each person-basis-year that differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from sirecords.contributions.counted import counted
from sirecords.ledger import bulk

TABLE = "contributions_pension_credit"
BASES = ("arrival", "period")  # engine.crediting.INTEREST_FROM
COLUMNS = ("person_id", "basis", "year", "credits_fen", "credit_months_fen")

# The rows that count toward the account: pension rows that count (counted.py: paid, not reversed).
COUNTED = f"insurance_type = 'pension' AND {counted()}"
# Rows staged for a batch's posting are new: none is reversed yet, so those that are paid count.
STAGED_COUNTED = "row_number > 0 AND insurance_type = 'pension' AND paid_on <> ''"

# Where each basis places a row: the text column whose first 4 characters are the year and characters 6–7 the month.
_POSITION = {"arrival": "paid_on", "period": "period"}


def credits_select(table: str = "contributions_contribution", condition: str = COUNTED) -> str:
    """SQL giving (person_id, basis, year, credits, credit-months) of the rows of `table` that match `condition` (the
    rows that count), both bases: what the summary holds (verify) or what a batch adds to it (staging)."""
    parts = [f"SELECT person_id, '{basis}', CAST(SUBSTR({column}, 1, 4) AS INTEGER), SUM(account_credit_fen), "
             f"SUM(account_credit_fen * (13 - CAST(SUBSTR({column}, 6, 2) AS INTEGER))) "  # nosec B608 # constant names; values bound
             f"FROM {table} WHERE {condition} GROUP BY person_id, SUBSTR({column}, 1, 4)"
             for basis, column in _POSITION.items()]
    return "\nUNION ALL\n".join(parts)


# An account received with a transfer (models.AccountTransfer, direction in): ④ credited in the transfer year on
# both bases, earning the whole year's interest (credit-months ④ × 12, as if credited in January).
TRANSFERRED_SELECT = ("SELECT person_id, b.basis, year, amount_fen, amount_fen * 12 FROM contributions_account_transfer "
                      "CROSS JOIN (SELECT 'arrival' AS basis UNION ALL SELECT 'period') b WHERE direction = 'in'")

# The same aggregate over all the rows and the received accounts, for verify.
AGGREGATE_SQL = credits_select() + "\nUNION ALL\n" + TRANSFERRED_SELECT


def pension_credits(rows: Iterable[tuple]) -> dict[tuple[str, str, int], list[int]]:
    """(person, basis, year) → [credits, credit-months] of rows given in rows.COLUMNS order."""
    out: dict[tuple[str, str, int], list[int]] = {}
    for row in rows:
        if row[4] == "pension" and row[11]:
            credit = row[10]
            for basis, text in (("arrival", row[11]), ("period", row[3])):
                key = (row[1], basis, int(text[:4]))
                weighted = credit * (13 - int(text[5:7]))
                found = out.get(key)
                if found is None:
                    out[key] = [credit, weighted]
                else:
                    found[0] += credit
                    found[1] += weighted
    return out


def _upsert(select: str) -> str:
    return (f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT * FROM ({select}) AS added WHERE true "
            f"ON CONFLICT (basis, year, person_id) DO UPDATE SET "  # nosec B608 # constant names; values bound
            f"credits_fen = {TABLE}.credits_fen + excluded.credits_fen, "
            f"credit_months_fen = {TABLE}.credit_months_fen + excluded.credit_months_fen")


def add_pension_credits(credits: dict[tuple[str, str, int], list[int]]) -> None:
    """Add to the summary, set-based: the additions go into a temporary table (ledger.bulk: COPY on
    PostgreSQL, executemany on SQLite), then one upsert adds them to the summary."""
    if not credits:
        return
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS pension_credit_add (person_id text, basis text, year integer, "
                       "credits_fen bigint, credit_months_fen bigint)" + (" ON COMMIT DROP" if postgresql else ""))
        cursor.execute("TRUNCATE pension_credit_add" if postgresql else "DELETE FROM pension_credit_add")
        with bulk.writer(cursor, "pension_credit_add", COLUMNS) as out:
            if out.copy_text:
                lines = [f"{person}\t{basis}\t{year}\t{total}\t{weighted}"
                         for (person, basis, year), (total, weighted) in credits.items()]
                for start in range(0, len(lines), 50_000):
                    out.write_lines(lines[start:start + 50_000])
            else:
                out.write_rows((person, basis, year, total, weighted)
                               for (person, basis, year), (total, weighted) in credits.items())
        cursor.execute(_upsert(f"SELECT {', '.join(COLUMNS)} FROM pension_credit_add"))  # nosec B608 # constant names; values bound


def add_pension_credits_from(select: str) -> None:
    """Add to the summary what `select` gives — (person_id, basis, year, credits, credit-months) rows, e.g. the
    staged rows' aggregate (staging.PENSION_CREDITS, made by credits_select) — in one upsert on the database."""
    with connection.cursor() as cursor:
        cursor.execute(_upsert(select))


def differences(limit: int = 20) -> tuple[int, list[str]]:
    """Person-basis-years whose summary differs from the rows' aggregate: (count, descriptions of the first `limit`)."""
    with connection.cursor() as cursor:
        cursor.execute(AGGREGATE_SQL)
        expected: dict[tuple[str, str, int], tuple[int, int]] = {}
        for person, basis, year, total, weighted in cursor.fetchall():  # a person-year may have rows and a transfer
            before = expected.get((person, basis, int(year)), (0, 0))
            expected[(person, basis, int(year))] = (before[0] + int(total), before[1] + int(weighted))
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}")  # nosec B608 # constant names; values bound
        stored = {(person, basis, year): (total, weighted) for person, basis, year, total, weighted in cursor.fetchall()}
    found = []
    for key in sorted(expected.keys() | stored.keys()):
        want, have = expected.get(key, (0, 0)), stored.get(key)
        if have is None and want == (0, 0):
            continue
        if have != want:
            found.append(f"person {key[0]} year {key[2]} by {key[1]}: summary {have or 'missing'}, rows give {want} "
                         "(credits, credit-months in fen)")
    return len(found), found[:limit]

"""The per person-year pension credit summary (`contributions_pension_credit`, models.PensionCredit).

A paid pension row (``insurance_type = 'pension'`` and ``paid_on`` set) adds its ``account_credit_fen``
to its person's year, and ``account_credit_fen × (13 − month)`` to the year's credit-months (the
monthly interest method's Σ credit_n × (13 − n)). Rows are only ever added, in batches, so the summary
is only ever added to: `add_pension_credits` runs in the batch's posting transaction. `verify`
(checks.py) recomputes it from the rows with one aggregate query and names each person-year that
differs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from sirecords.contributions.counted import counted
from sirecords.ledger import bulk

TABLE = "contributions_pension_credit"

# The same aggregate over the rows that count (counted.py), for verify.
AGGREGATE_SQL = f"""
SELECT person_id, CAST(SUBSTR(period, 1, 4) AS INTEGER), SUM(account_credit_fen),
       SUM(account_credit_fen * (13 - CAST(SUBSTR(period, 6, 2) AS INTEGER)))
FROM contributions_contribution
WHERE insurance_type = 'pension' AND {counted()}
GROUP BY person_id, SUBSTR(period, 1, 4)
"""


def pension_credits(rows: Iterable[tuple]) -> dict[tuple[str, int], list[int]]:
    """(person, year) → [credits, credit-months] of rows given in rows.COLUMNS order."""
    out: dict[tuple[str, int], list[int]] = {}
    for row in rows:
        if row[4] == "pension" and row[11]:
            period, credit = row[3], row[10]
            key = (row[1], int(period[:4]))
            found = out.get(key)
            if found is None:
                out[key] = [credit, credit * (13 - int(period[5:7]))]
            else:
                found[0] += credit
                found[1] += credit * (13 - int(period[5:7]))
    return out


def add_pension_credits(credits: dict[tuple[str, int], list[int]]) -> None:
    """Add to the summary, set-based: the additions go into a temporary table (ledger.bulk: COPY on
    PostgreSQL, executemany on SQLite), then one upsert adds them to the summary."""
    if not credits:
        return
    columns = ("person_id", "year", "credits_fen", "credit_months_fen")
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS pension_credit_add (person_id text, year integer, "
                       "credits_fen bigint, credit_months_fen bigint)" + (" ON COMMIT DROP" if postgresql else ""))
        cursor.execute("TRUNCATE pension_credit_add" if postgresql else "DELETE FROM pension_credit_add")
        with bulk.writer(cursor, "pension_credit_add", columns) as out:
            if out.copy_text:
                lines = [f"{person}\t{year}\t{total}\t{weighted}" for (person, year), (total, weighted) in credits.items()]
                for start in range(0, len(lines), 50_000):
                    out.write_lines(lines[start:start + 50_000])
            else:
                out.write_rows((person, year, total, weighted) for (person, year), (total, weighted) in credits.items())
        cursor.execute(f"INSERT INTO {TABLE} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM pension_credit_add "
                       f"WHERE true ON CONFLICT (year, person_id) DO UPDATE SET "
                       f"credits_fen = {TABLE}.credits_fen + excluded.credits_fen, "
                       f"credit_months_fen = {TABLE}.credit_months_fen + excluded.credit_months_fen")


def add_pension_credits_from(select: str) -> None:
    """Add to the summary what `select` gives — (person_id, year, credits, credit-months) rows, e.g. the staged rows'
    aggregate (staging.PENSION_CREDITS) — in one upsert on the database."""
    columns = ("person_id", "year", "credits_fen", "credit_months_fen")
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} ({', '.join(columns)}) SELECT * FROM ({select}) AS added WHERE true "
                       f"ON CONFLICT (year, person_id) DO UPDATE SET "
                       f"credits_fen = {TABLE}.credits_fen + excluded.credits_fen, "
                       f"credit_months_fen = {TABLE}.credit_months_fen + excluded.credit_months_fen")


def differences(limit: int = 20) -> tuple[int, list[str]]:
    """Person-years whose summary differs from the rows' aggregate: (count, descriptions of the first `limit`)."""
    with connection.cursor() as cursor:
        cursor.execute(AGGREGATE_SQL)
        expected = {(person, year): (int(total), int(weighted)) for person, year, total, weighted in cursor.fetchall()}
        cursor.execute(f"SELECT person_id, year, credits_fen, credit_months_fen FROM {TABLE}")
        stored = {(person, year): (total, weighted) for person, year, total, weighted in cursor.fetchall()}
    found = []
    for key in sorted(expected.keys() | stored.keys()):
        want, have = expected.get(key, (0, 0)), stored.get(key)
        if have is None and want == (0, 0):
            continue
        if have != want:
            found.append(f"person {key[0]} year {key[1]}: summary {have or 'missing'}, rows give {want} "
                         "(credits, credit-months in fen)")
    return len(found), found[:limit]

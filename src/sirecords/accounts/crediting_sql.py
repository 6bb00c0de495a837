"""The annual crediting run's plan and rows computed in PostgreSQL: a few set-based statements a year.

`crediting._plan` (the Python path, and SQLite's) reads the summary and the account rows into Python, does the
integer arithmetic, hashes the leaves and, at posting, COPYs the rows back. On PostgreSQL the same plan is ONE
statement (`PLAN_SQL`, built by `_plan_cte`): the year's summary `contributions_pension_credit` (the region's
basis) FULL JOIN the current closing of Y − 1, minus the closed accounts (retired or dead: `closures.closed_by`),
the kernel's exact integer interest (`compute.Kernel`: numerator × fraction, rounded half-up away from zero with
integer division, then 见分进角 if the region rounds so), the closing, the comparison with the current row of Y
(only new or changed accounts are planned), the row numbers in person order (code point order: COLLATE "C", as
Python's sorted()) and each planned row's leaf hash, sha256(0x00 ‖ canonical bytes), the canonical bytes being
built by concatenation from the same template as the Python path's (`crediting._leaf_template`: byte-identical to
`canonical_row()`, tests compare them). What comes back to Python is small: the counts, the totals, the 64-row
engine sample and the leaves (32 bytes a row) in row order, from which Python computes the RFC 6962 root.

Nothing is written by planning. At posting, the entry's projector runs the same CTE as ONE
``INSERT … SELECT`` into `accounts_account_year` (`insert_rows`): the rows go from the summary into the table
without a round trip through Python, and the statement returns the count, the totals and the leaves of the rows
it inserted, which must equal the reviewed plan's byte for byte (so the rows posted have the reviewed root), or
the posting is refused and rolled back.

Cases the SQL does not cover fall back to the Python path (`crediting._plan`), which gives the same rows: a person
id that is not plain ASCII (`[0-9A-Za-z_.:-]`, whose JSON text the concatenation would not escape as canonical_json
does). Both rounding modes and negative amounts ARE covered (sign × the rounded magnitude, as
`core.money.round_fen`); the products are computed in `bigint` while they cannot overflow, in `numeric` beyond.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from math import gcd

from django.db import DatabaseError, connection, transaction

__all__ = ["SQL_VENDORS", "insert_rows", "plan_figures"]

SQL_VENDORS = ("postgresql",)
PLAIN_ID_SQL = "^[0-9A-Za-z_.:-]*$"  # crediting._PLAIN_ID


# For the few big statements of a run: sorts and hashes in memory (a year of a province is a few hundred MB), and hash
# joins whatever the statistics say (a table just filled has none: the planner would pick nested loops over 1M rows).
STATEMENT_SETTINGS = {"work_mem": "512MB", "enable_nestloop": "off", "enable_mergejoin": "off"}


@contextmanager
def _settings(cursor) -> Iterator[None]:
    """STATEMENT_SETTINGS for the statements run inside, put back after (set_config(…, true) lasts until the end of the
    transaction, which may be the posting's)."""
    with transaction.atomic():
        cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in STATEMENT_SETTINGS))
        before = cursor.fetchone()
        cursor.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _ in STATEMENT_SETTINGS),
                       [item for pair in STATEMENT_SETTINGS.items() for item in pair])
        try:
            yield
        finally:
            cursor.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _ in STATEMENT_SETTINGS),
                           [item for pair in zip(STATEMENT_SETTINGS, before) for item in pair])


def _reduced(num: int, den: int) -> tuple[int, int]:
    common = gcd(num, den) or 1
    return num // common, den // common


def _rounded(expr: str, num: int, den: int, rounding: str) -> str:
    """SQL giving core.money.round_fen(expr × num, den, rounding): half-up away from zero on the magnitude (integer
    division of 2 × |x| × num + den by 2 × den), then (jiao_up) any fen left raises the magnitude to the next jiao; the
    sign put back. Exact: in bigint while 2 × |x| × num + den cannot overflow, else in numeric."""
    num, den = _reduced(int(num), int(den))
    bound = (2**62 - den) // (2 * num) if num else 2**62  # |x| below it: the bigint products stay below 2**62
    fast = f"((2 * abs({expr}) * {num} + {den}) / {2 * den})"
    exact = f"div(2 * abs({expr})::numeric * {num} + {den}, {2 * den})::bigint"
    magnitude = f"(CASE WHEN abs({expr}) < {bound} THEN {fast} ELSE {exact} END)"
    if rounding == "jiao_up":
        magnitude = f"(({magnitude} + 9) / 10 * 10)"
    elif rounding != "half_up":
        raise ValueError(f"unknown rounding mode {rounding!r}")
    return f"(CASE WHEN {expr} < 0 THEN -{magnitude} ELSE {magnitude} END)"


def template_pieces(template: str) -> list[str]:
    """crediting._leaf_template's %-template cut at its six placeholders (%d, %s; %% is a %): the seven texts the
    leaf's canonical bytes concatenate around the row's values (LEAF_SQL)."""
    pieces = [""]
    for text, mark in re.findall(r"([^%]*)(%%|%d|%s|$)", template):
        pieces[-1] += text
        if mark == "%%":
            pieces[-1] += "%"
        elif mark:
            pieces.append("")
    if len(pieces) != len(LEAF_COLUMNS) + 1:
        raise ValueError(f"a leaf template has {len(LEAF_COLUMNS)} placeholders, got {len(pieces) - 1}")
    return pieces


# The accounts of a year as the summary and the prior year give them (parameters basis, year, prev): one row a person
# with credits in the year or a closing of Y − 1. The plan and the totals check (another arithmetic) both start here.
ACCOUNTS_CTE = """WITH credits AS (
    SELECT person_id, credits_fen, credit_months_fen FROM contributions_pension_credit
    WHERE basis = %(basis)s AND year = %(year)s
), prior AS (
    SELECT DISTINCT ON (person_id COLLATE "C") person_id, closing_fen FROM accounts_account_year
    WHERE year = %(prev)s ORDER BY person_id COLLATE "C", run_seq DESC
), accounts AS (
    SELECT COALESCE(c.person_id, p.person_id) AS person_id, COALESCE(p.closing_fen, 0) AS opening,
           COALESCE(c.credits_fen, 0) AS credits, COALESCE(c.credit_months_fen, 0) AS weighted
    FROM credits c FULL JOIN prior p ON p.person_id = c.person_id
)"""


def _plan_cte(kernel, rounding: str) -> str:
    """The plan as CTEs; the last, `numbered`, has one row per account computed: its figures, whether it is new,
    whether it is unchanged (equal to its current row), whether it has a later year credited, and for the planned rows
    (new or changed) their row number `rn` in person order (code point order).

    Parameters (named): basis, year, prev, closed (text[]), months, rate, rate_status, method, interest_from."""
    monthly = kernel.method == "monthly"
    on_prior = _rounded("a.opening", kernel.prior_num, kernel.prior_den, rounding)
    on_credits = _rounded("a.weighted" if monthly else "a.credits", kernel.credits_num, kernel.credits_den, rounding)
    return f"""
{ACCOUNTS_CTE}, interest AS (
    SELECT a.person_id, a.opening, a.credits, {on_prior} AS on_prior, {on_credits} AS on_credits
    FROM accounts a
    WHERE NOT EXISTS (SELECT 1 FROM unnest(%(closed)s::text[]) AS closed(person_id) WHERE closed.person_id = a.person_id)
), figured AS MATERIALIZED (
    SELECT person_id, opening, credits, on_prior, on_credits, opening + on_prior + credits + on_credits AS closing
    FROM interest
), current_rows AS (
    SELECT DISTINCT ON (person_id COLLATE "C") person_id, opening_fen, credits_fen, interest_on_prior_fen,
           interest_on_credits_fen, closing_fen, months, rate, rate_status, method, interest_from
    FROM accounts_account_year WHERE year = %(year)s ORDER BY person_id COLLATE "C", run_seq DESC
), later AS (
    SELECT DISTINCT person_id FROM accounts_account_year WHERE year > %(year)s
), judged AS MATERIALIZED (
    SELECT f.person_id, f.opening, f.credits, f.on_prior, f.on_credits, f.closing, cur.person_id IS NULL AS new,
           cur.person_id IS NOT NULL AND (cur.opening_fen, cur.credits_fen, cur.interest_on_prior_fen,
               cur.interest_on_credits_fen, cur.closing_fen, cur.months, cur.rate, cur.rate_status, cur.method,
               cur.interest_from)
             = (f.opening, f.credits, f.on_prior, f.on_credits, f.closing,
                %(months)s, %(rate)s, %(rate_status)s, %(method)s, %(interest_from)s) AS unchanged,
           lt.person_id IS NOT NULL AS later
    FROM figured f LEFT JOIN current_rows cur ON cur.person_id = f.person_id
                   LEFT JOIN later lt ON lt.person_id = f.person_id
), numbered AS (
    SELECT j.*, row_number() OVER (ORDER BY j.unchanged, j.person_id COLLATE "C") AS rn FROM judged j
)"""  # nosec B608 # constants and int()s; values bound


# The leaf: sha256(0x00 ‖ canonical bytes), the canonical bytes the template's texts around the row's values in the
# template's order (concatenation costs less CPU than format(): about 1 s a million rows here).
LEAF_COLUMNS = ("closing", "credits", "on_credits", "on_prior", "opening", "person_id")
LEAF_SQL = ("sha256('\\x00'::bytea || convert_to("
            + " || ".join(f"%(leaf{index})s::text || {column}" for index, column in enumerate(LEAF_COLUMNS))
            + f" || %(leaf{len(LEAF_COLUMNS)})s::text, 'UTF8'))")


def _params(plan, closed: set[str], template: str) -> dict:
    return {"basis": plan.interest_from, "year": plan.year, "prev": plan.year - 1, "closed": sorted(closed),
            "months": plan.months, "rate": plan.rate, "rate_status": plan.rate_status, "method": plan.method,
            "interest_from": plan.interest_from,
            **{f"leaf{index}": piece for index, piece in enumerate(template_pieces(template))}}


STAGE_COLUMNS = ("row_number", "person_id", "opening", "credits", "on_prior", "on_credits", "closing", "leaf")


def _plan_statement_text(plan, kernel, stage: str) -> str:
    """Statement 1 of a plan: stage the planned rows (with their row numbers and leaves) in the session's temporary
    table `stage`, and count every account computed (new, changed, unchanged with their current rows' totals, planned
    with a later year credited, whether every person id is plain)."""
    return _plan_cte(kernel, plan.rounding) + f"""
, staged AS (
    INSERT INTO pg_temp.{stage} ({", ".join(STAGE_COLUMNS)})
    SELECT rn, person_id, opening, credits, on_prior, on_credits, closing, {LEAF_SQL}
    FROM numbered WHERE NOT unchanged
)
SELECT count(*), count(*) FILTER (WHERE new), count(*) FILTER (WHERE NOT new AND NOT unchanged),
       count(*) FILTER (WHERE unchanged), COALESCE(bool_and(person_id ~ '{PLAIN_ID_SQL}'), true),
       COALESCE(sum(opening) FILTER (WHERE unchanged), 0), COALESCE(sum(credits) FILTER (WHERE unchanged), 0),
       COALESCE(sum(on_prior + on_credits) FILTER (WHERE unchanged), 0), COALESCE(sum(closing) FILTER (WHERE unchanged), 0),
       count(*) FILTER (WHERE NOT unchanged AND later)
FROM judged"""  # nosec B608 # stage: a uuid4 name made here


def plan_statement(plan, kernel, closed: set[str], template: str, stage: str = "credit_plan") -> tuple[str, dict]:
    """The plan's first statement and its parameters (plan_figures runs it)."""
    return _plan_statement_text(plan, kernel, stage), _params(plan, closed, template)


TEMP_BUFFERS = "512MB"  # the staged rows of a province's year in memory (the default 8MB writes them to a file)


def _new_stage(cursor) -> str:
    try:
        with transaction.atomic():  # only before the session's first temporary table: later it is refused, and kept
            cursor.execute("SET temp_buffers = %s", [TEMP_BUFFERS])
    except DatabaseError:
        pass
    stage = f"credit_plan_{uuid.uuid4().hex}"
    cursor.execute(f"CREATE TEMPORARY TABLE {stage} (row_number bigint NOT NULL, person_id varchar(32) NOT NULL, "
                   "opening bigint NOT NULL, credits bigint NOT NULL, on_prior bigint NOT NULL, on_credits bigint NOT NULL, "
                   "closing bigint NOT NULL, leaf bytea NOT NULL)")
    return stage


def drop_stage(stage: str) -> None:
    if stage:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}")


def stage_exists(stage: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"pg_temp.{stage}"])
        return cursor.fetchone()[0]


READ_TABLES = ("contributions_pension_credit", "accounts_account_year")


def _analyze_if_never(cursor) -> None:
    """ANALYZE the tables the plan reads if they were never analyzed (a database just filled, before autovacuum came
    by): without statistics the planner takes a million rows for a few hundred and hashes the wrong side."""
    cursor.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r' AND reltuples < 0",
                   [list(READ_TABLES)])
    for (table,) in cursor.fetchall():
        cursor.execute(f"ANALYZE {table}")


def _sample_numbers(count: int, sample: int) -> list[int]:
    """The row numbers crediting.check_against_engine picks from planned rows: a spread of `sample`, and the last."""
    if not count:
        return []
    step = max(1, count // sample)
    return sorted({*(index + 1 for index in range(0, count, step)[:sample]), count})


def plan_figures(plan, kernel, closed: set[str], template: str, sample: int) -> dict | None:
    """Compute the plan in the database, staging its rows in a temporary table of this session (what the posting
    inserts). Returns None when the SQL does not cover the year (a person id that is not plain): the caller plans in
    Python. Otherwise a dict: accounts, new, replaced, unchanged, row_count, totals (of the planned rows),
    unchanged_totals (of the current rows of the unchanged accounts), later_years, the sample rows (person, opening,
    credits, on_prior, on_credits, closing) picked as crediting.check_against_engine picks them from the rows, leaves
    (the planned rows' leaf hashes concatenated, in row order) and stage (the temporary table's name)."""
    with connection.cursor() as cursor, _settings(cursor):
        _analyze_if_never(cursor)
        stage = _new_stage(cursor)
        sql, params = plan_statement(plan, kernel, closed, template, stage)
        cursor.execute(sql, params)
        (accounts, new, replaced, unchanged, plain, u_opening, u_credits, u_interest, u_closing,
         later) = cursor.fetchone()
        if not plain:
            cursor.execute(f"DROP TABLE pg_temp.{stage}")
            return None
        cursor.execute(f"SELECT count(*), COALESCE(sum(opening), 0), COALESCE(sum(credits), 0), "
                       f"COALESCE(sum(on_prior + on_credits), 0), COALESCE(sum(closing), 0), "  # nosec B608 # stage: a uuid4 name made here
                       f"string_agg(leaf, ''::bytea ORDER BY row_number) FROM pg_temp.{stage}")
        n, opening, credits, interest, closing, leaves = cursor.fetchone()
        cursor.execute(f"SELECT person_id, opening, credits, on_prior, on_credits, closing FROM pg_temp.{stage} "  # nosec B608 # stage: a uuid4 name made here
                       "WHERE row_number = ANY(%s) ORDER BY row_number", [_sample_numbers(n, sample)])
        sample_rows = [tuple(row) for row in cursor.fetchall()]
    return {"accounts": accounts, "new": new, "replaced": replaced, "unchanged": unchanged, "row_count": n,
            "totals": {"opening_fen": int(opening), "credits_fen": int(credits), "interest_fen": int(interest),
                       "closing_fen": int(closing)},
            "unchanged_totals": {"opening_fen": int(u_opening), "credits_fen": int(u_credits),
                                 "interest_fen": int(u_interest), "closing_fen": int(u_closing)},
            "later_years": later, "sample": sample_rows, "leaves": bytes(leaves or b""), "stage": stage}


def independent_totals(plan, closed: set[str]) -> dict:
    """What the summary and the prior year give for every account of the year, computed apart from the plan: the
    count, Σ opening (the current closings of Y − 1), Σ credits (the summary's), Σ interest with PostgreSQL's numeric
    round() (half away from zero) of opening × rate × months / 12 and of credit-months × rate / 12 (or credits × rate
    × 1.083 / 2 by the annual method) — another formulation than the kernel's integer fractions — and Σ closing."""
    months = int(plan.months)
    if plan.method == "monthly":
        prior_exact = f"(opening::numeric * %(rate)s::numeric * {months} / 12)"
        credits_exact = "(weighted::numeric * %(rate)s::numeric / 12)"
    else:
        prior_exact = "(opening::numeric * %(rate)s::numeric)"
        credits_exact = "(credits::numeric * %(rate)s::numeric * 1.083 / 2)"

    def rounded(exact: str) -> str:
        if plan.rounding == "jiao_up":
            return f"(sign(round({exact})) * ceil(abs(round({exact})) / 10) * 10)"
        return f"round({exact})"

    sql = f"""
{ACCOUNTS_CTE}, interest AS (
    SELECT opening, credits, {rounded(prior_exact)} + {rounded(credits_exact)} AS interest FROM accounts
    WHERE person_id <> ALL(%(closed)s::text[])
)
SELECT count(*), COALESCE(sum(opening), 0), COALESCE(sum(credits), 0), COALESCE(sum(interest), 0) FROM interest"""  # nosec B608 # constants and int()s; values bound
    with connection.cursor() as cursor, _settings(cursor):
        cursor.execute(sql, {"basis": plan.interest_from, "year": plan.year, "prev": plan.year - 1,
                             "closed": sorted(closed), "rate": plan.rate})
        count, opening, credits, interest = cursor.fetchone()
    opening, credits, interest = int(opening), int(credits), int(interest)
    return {"accounts": count, "opening_fen": opening, "credits_fen": credits, "interest_fen": interest,
            "closing_fen": opening + credits + interest}


def insert_rows(plan, run_uid: str, run_seq: int) -> tuple[int, dict, bytes]:
    """INSERT … SELECT the plan's staged rows (its temporary table) into accounts_account_year, row hashes = leaves.
    Returns what was inserted: (count, totals, leaves in row order), for the caller to compare with the reviewed plan."""
    sql = f"""
WITH inserted AS (
    INSERT INTO accounts_account_year (run_id, run_seq, row_number, person_id, year, opening_fen, credits_fen,
        interest_on_prior_fen, interest_on_credits_fen, closing_fen, months, rate, rate_status, method, interest_from,
        rule_version, row_hash)
    SELECT %(run)s, %(run_seq)s, row_number, person_id, %(year)s, opening, credits, on_prior, on_credits, closing,
           %(months)s, %(rate)s, %(rate_status)s, %(method)s, %(interest_from)s, %(rule_version)s, encode(leaf, 'hex')
    FROM pg_temp.{plan.stage} ORDER BY row_number
    RETURNING row_number, opening_fen, credits_fen, interest_on_prior_fen + interest_on_credits_fen AS interest,
              closing_fen, row_hash
)
SELECT count(*), COALESCE(sum(opening_fen), 0), COALESCE(sum(credits_fen), 0), COALESCE(sum(interest), 0),
       COALESCE(sum(closing_fen), 0), string_agg(decode(row_hash, 'hex'), ''::bytea ORDER BY row_number)
FROM inserted"""  # nosec B608 # stage: a uuid4 name made here
    params = {"run": run_uid, "run_seq": run_seq, "year": plan.year, "months": plan.months, "rate": plan.rate,
              "rate_status": plan.rate_status, "method": plan.method, "interest_from": plan.interest_from,
              "rule_version": plan.rule_version}
    with connection.cursor() as cursor, _settings(cursor):
        cursor.execute(sql, params)
        count, opening, credits, interest, closing, leaves = cursor.fetchone()
    totals = {"opening_fen": int(opening), "credits_fen": int(credits), "interest_fen": int(interest),
              "closing_fen": int(closing)}
    return count, totals, bytes(leaves or b"")

"""The annual crediting run (个人账户年度记账): every account of a year, set-based.

For year Y and region R (the instance's pooling region; one agency runs one instance):

* credits: the pension rows of ``contributions_contribution`` for Y-01…Y-12 that are paid
  (``paid_on`` set; months in arrears are credited when paid), summed per person by ONE aggregate
  query that also gives the credit-months Σ credit × (13 − month), so a person with several
  employers in a month has the month's credits summed;
* opening: the person's current closing of Y − 1 (the row of the latest run), 0 if none;
* interest: the region's method (``crediting.method`` in the parameter files, monthly accumulation
  by default) and interest rounding, at Y's crediting rate (provisional until the official rate is
  set), every interest amount rounded separately; closing = opening + its interest + credits + theirs.

The run compares each account's figures with its current row for Y and keeps only the accounts that
are new or whose figures (amounts, rate, rate status, method) differ: that is the plan, committed by
its row count and the RFC 6962 root of its rows' canonical bytes in person order. A second run with
nothing changed plans no row, and no transaction is opened (nothing is posted). After the official
rate replaces the provisional one, the plan holds the accounts whose figures change (usually all).

Later years are not rewritten by a run of Y: a changed closing of Y changes the opening of Y + 1, so
the run reports how many accounts have later years credited, and `sirecords credit --year Y+1`
(then Y+2, …) posts their differences in turn, each one reviewed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from sirecords.ledger.canonical import canonical_json
from sirecords.ledger.merkle import CompactRange
from sirecords.rules.crediting import credit_year_values
from sirecords.rules.money import from_fen, to_fen
from sirecords.rules.params import ParamSet, load_params

from .compute import kernel_for

__all__ = ["CANONICAL_FIELDS", "FIGURES", "Plan", "canonical_row", "crediting_method", "plan_year", "write_plan"]

# The row's canonical bytes (what its Merkle leaf hashes): run-independent, so a plan's root can be
# reviewed before the run posts and is the root the ledger entry commits to.
CANONICAL_FIELDS = ("person_id", "year", "opening_fen", "credits_fen", "interest_on_prior_fen", "interest_on_credits_fen",
                    "closing_fen", "months", "rate", "rate_status", "method", "rule_version")
# What makes an account's year different from its current row (rule_version alone does not: it
# changes with any value of the year's parameter set).
FIGURES = ("opening_fen", "credits_fen", "interest_on_prior_fen", "interest_on_credits_fen", "closing_fen", "months",
           "rate", "rate_status", "method")
ROW_COLUMNS = ("run_id", "run_seq", "row_number", *CANONICAL_FIELDS, "row_hash")
ENGINE_SAMPLE = 64  # accounts per run checked against rules.crediting.credit_year_values
_PLAIN_ID = re.compile(r"[0-9A-Za-z_.:-]*\Z")


def crediting_method(params: ParamSet) -> str:
    """The region's crediting method: ``[crediting] method`` when the parameter files give one, else monthly."""
    return params.get("crediting.method", "monthly")


def canonical_row(row: dict) -> bytes:
    return canonical_json({name: row[name] for name in CANONICAL_FIELDS}).encode()


def row_leaf(row: dict) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_row(row)).digest()


@dataclass
class Plan:
    region: str
    year: int
    rule_version: str
    rate: str
    rate_status: str
    method: str
    rounding: str
    months: int = 12
    accounts: int = 0  # accounts computed
    new: int = 0  # without a row for the year yet
    replaced: int = 0  # whose current row's figures differ
    unchanged: int = 0
    later_years: int = 0  # planned accounts that already have a later year credited (to rerun in turn)
    # the rows to post, in person order: (person_id, opening, credits, on_prior, on_credits, closing)
    rows: list[tuple[str, int, int, int, int, int]] = field(default_factory=list)
    leaves: list[bytes] = field(default_factory=list)
    root: str = ""
    plain_ids: bool = True  # every person id is plain ASCII (the fast leaf template and COPY text apply)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def summary(self) -> dict:
        """The reviewed figures: what the transaction payload holds and the entry repeats."""
        return {"year": self.year, "region": self.region, "rule_version": self.rule_version, "rate": self.rate,
                "rate_status": self.rate_status, "method": self.method, "rounding": self.rounding, "months": self.months,
                "accounts": self.accounts, "new": self.new, "replaced": self.replaced, "unchanged": self.unchanged,
                "row_count": self.row_count, "rows_root": self.root, "totals": dict(self.totals)}

    def row_dicts(self) -> Iterator[dict]:
        constant = {"year": self.year, "months": self.months, "rate": self.rate, "rate_status": self.rate_status,
                    "method": self.method, "rule_version": self.rule_version}
        for person, opening, credits, on_prior, on_credits, closing in self.rows:
            yield {"person_id": person, "opening_fen": opening, "credits_fen": credits, "interest_on_prior_fen": on_prior,
                   "interest_on_credits_fen": on_credits, "closing_fen": closing, **constant}


# --- reading, set-based -------------------------------------------------------------------------------

def _fetch(sql: str, params: Iterable) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


CREDITS_SQL = """
SELECT person_id, SUM(account_credit_fen), SUM(account_credit_fen * (13 - CAST(SUBSTR(period, 6, 2) AS INTEGER)))
FROM contributions_contribution
WHERE insurance_type = 'pension' AND paid_on <> '' AND period >= %s AND period <= %s
GROUP BY person_id
"""

MONTHLY_SQL = """
SELECT person_id, period, SUM(account_credit_fen)
FROM contributions_contribution
WHERE insurance_type = 'pension' AND paid_on <> '' AND period >= %s AND period <= %s AND person_id IN ({marks})
GROUP BY person_id, period
"""

# The current row of each account for a year is the row of the latest run: rows are read in run
# order and a later one replaces an earlier one (one index range scan, no self-join).
CURRENT_SQL = "SELECT person_id, {columns} FROM accounts_account_year WHERE year = %s ORDER BY run_seq"


def year_credits(year: int) -> dict[str, tuple[int, int]]:
    """person → (credits, credit-months Σ credit × (13 − month)) in fen, by one aggregate query."""
    return {person: (int(total), int(weighted))
            for person, total, weighted in _fetch(CREDITS_SQL, (f"{year:04d}-01", f"{year:04d}-12"))}


def monthly_credits(year: int, persons: list[str]) -> dict[str, list[int]]:
    """person → the twelve monthly credits in fen (for the engine check and statements)."""
    out = {person: [0] * 12 for person in persons}
    if persons:
        sql = MONTHLY_SQL.format(marks=", ".join(["%s"] * len(persons)))
        for person, period, total in _fetch(sql, (f"{year:04d}-01", f"{year:04d}-12", *persons)):
            out[person][int(period[5:7]) - 1] += int(total)
    return out


def current_rows(year: int, columns: tuple[str, ...] = FIGURES) -> dict[str, tuple]:
    sql = CURRENT_SQL.format(columns=", ".join(columns))
    return {person: tuple(rest) for person, *rest in _fetch(sql, (year,))}


def later_years(year: int, persons: set[str]) -> int:
    if not persons:
        return 0
    later = {person for (person,) in _fetch("SELECT DISTINCT person_id FROM accounts_account_year WHERE year > %s", (year,))}
    return len(later & persons)


# --- planning ---------------------------------------------------------------------------------------

_memo: dict[tuple, Plan] = {}


def _data_state() -> tuple:
    """What a plan was computed from: every contribution and account-year row is added together with a
    ledger entry (the head moves), and rows are only ever added (the highest ids move)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT size FROM ledger_head WHERE id = 1), (SELECT last_hash FROM ledger_head WHERE id = 1), "
                       "(SELECT MAX(id) FROM contributions_contribution), (SELECT MAX(id) FROM accounts_account_year)")
        return tuple(cursor.fetchone())


def forget_plans() -> None:
    _memo.clear()


def plan_year(region: str, year: int) -> Plan:
    """Compute every account of `year` and keep the ones to post (new or different).

    Within one process a plan is reused while the data it was computed from is unchanged (same
    parameter version, ledger head and highest row ids): `sirecords credit` plans once for its
    summary and for the submit's validation. The posting, usually in another process, plans again.
    """
    params = load_params(region, year)
    key = (region, year, params.version, _data_state())
    if key in _memo:
        return _memo[key]
    plan = _plan(params, region, year)
    _memo.clear()  # one plan kept: a province's year is large
    _memo[key] = plan
    return plan


def _plan(params: ParamSet, region: str, year: int) -> Plan:
    rate = params.crediting_rate
    method = crediting_method(params)
    rounding = params.rounding("interest")
    plan = Plan(region, year, params.version, str(rate), params.crediting_rate_status, method, rounding)
    kernel = kernel_for(rate, method=method, months=12, rounding=rounding)
    credits = year_credits(year)
    prior = {person: figures[0] for person, figures in current_rows(year - 1, ("closing_fen",)).items()}
    current = current_rows(year)
    persons = sorted(credits.keys() | prior.keys())
    plan.accounts = len(persons)

    template, plain = _leaf_template(plan)
    constant = (12, plan.rate, plan.rate_status, plan.method)
    rows, leaves = plan.rows, plan.leaves
    interest = kernel.interest
    sha256 = hashlib.sha256
    no_credits = (0, 0)
    total_credits = total_interest = total_closing = 0
    for person in persons:
        opening = prior.get(person, 0)
        year_total, weighted = credits.get(person, no_credits)
        on_prior, on_credits = interest(opening, year_total, weighted)
        closing = opening + on_prior + year_total + on_credits
        figures = (opening, year_total, on_prior, on_credits, closing, *constant)
        now = current.get(person)
        if now is not None and now == figures:
            plan.unchanged += 1
            continue
        if now is None:
            plan.new += 1
        else:
            plan.replaced += 1
        rows.append((person, opening, year_total, on_prior, on_credits, closing))
        if plain(person):
            data = (template % (closing, year_total, on_credits, on_prior, opening, person)).encode()
        else:
            plan.plain_ids = False
            data = canonical_row(dict(zip(CANONICAL_FIELDS, (person, year, opening, year_total, on_prior, on_credits,
                                                             closing, *constant, plan.rule_version))))
        leaves.append(sha256(b"\x00" + data).digest())
        total_credits += year_total
        total_interest += on_prior + on_credits
        total_closing += closing
    tree = CompactRange()
    tree.extend(leaves)
    plan.root = tree.root().hex()
    plan.totals = {"credits_fen": total_credits, "interest_fen": total_interest, "closing_fen": total_closing}
    check_against_engine(plan)
    plan.later_years = later_years(year, {row[0] for row in rows}) if rows else 0
    return plan


def _leaf_template(plan: Plan):
    """A %-template giving exactly canonical_row()'s bytes for a plain person id (tests compare them)."""

    def text(value) -> str:
        return json.dumps(value, ensure_ascii=False).replace("%", "%%")

    template = ('{"closing_fen":%d,"credits_fen":%d,"interest_on_credits_fen":%d,"interest_on_prior_fen":%d,'
                f'"method":{text(plan.method)},"months":{plan.months},"opening_fen":%d,"person_id":"%s",'
                f'"rate":{text(plan.rate)},"rate_status":{text(plan.rate_status)},"rule_version":{text(plan.rule_version)},'
                f'"year":{plan.year}}}')
    return template, _PLAIN_ID.match


class EngineMismatch(RuntimeError):
    """The bulk arithmetic disagrees with the rules engine: nothing is posted."""


def check_against_engine(plan: Plan, sample: int = ENGINE_SAMPLE) -> int:
    """Recompute a spread sample of the planned rows with rules.crediting.credit_year_values (the
    authority) from the monthly credits; raise EngineMismatch on any difference. Returns the count checked."""
    if not plan.rows:
        return 0
    step = max(1, len(plan.rows) // sample)
    picked = plan.rows[::step][:sample] + [plan.rows[-1]]
    monthly = monthly_credits(plan.year, sorted({row[0] for row in picked}))
    rate = Decimal(plan.rate)
    for person, opening, year_total, on_prior, on_credits, closing in picked:
        value = credit_year_values(from_fen(opening), [from_fen(c) for c in monthly[person]], rate, method=plan.method,
                                   months=plan.months, rounding=plan.rounding)
        engine = (to_fen(value.prior), to_fen(value.credits), to_fen(value.interest_on_prior),
                  to_fen(value.interest_on_credits), to_fen(value.year_end))
        if engine != (opening, year_total, on_prior, on_credits, closing):
            bulk = (opening, year_total, on_prior, on_credits, closing)
            raise EngineMismatch(f"account {person} year {plan.year}: bulk arithmetic gives {bulk}, the rules engine {engine}")
    return len(picked)


# --- writing, set-based -----------------------------------------------------------------------------

def write_plan(plan: Plan, run_uid: str, run_seq: int) -> None:
    """Insert the run and its rows: COPY on PostgreSQL, executemany on SQLite; never one ORM save per row."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_crediting_run (uid, region, year, rule_version, rate, rate_status, method, "
                       "row_count, rows_root, entry_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                       [run_uid, plan.region, plan.year, plan.rule_version, plan.rate, plan.rate_status, plan.method,
                        plan.row_count, plan.root, run_seq])
        constant = (plan.year,)
        tail = (plan.months, plan.rate, plan.rate_status, plan.method, plan.rule_version)

        def records():
            for number, ((person, opening, credits, on_prior, on_credits, closing), leaf) in enumerate(
                    zip(plan.rows, plan.leaves), start=1):
                yield (run_uid, run_seq, number, person, *constant, opening, credits, on_prior, on_credits, closing, *tail,
                       leaf.hex())

        columns = ", ".join(ROW_COLUMNS)
        text_safe = plan.plain_ids and not any(ch in plan.rule_version for ch in "\t\n\r\\")
        if connection.vendor == "postgresql" and not text_safe:
            with cursor.copy(f"COPY accounts_account_year ({columns}) FROM STDIN") as copy:
                for record in records():
                    copy.write_row(record)
        elif connection.vendor == "postgresql":
            # Every value is an int, a hex id or a fixed text without tabs, newlines or backslashes.
            with cursor.copy(f"COPY accounts_account_year ({columns}) FROM STDIN") as copy:
                lines: list[str] = []
                for record in records():
                    lines.append("\t".join(map(str, record)))
                    if len(lines) >= 50_000:
                        copy.write("\n".join(lines) + "\n")
                        lines.clear()
                if lines:
                    copy.write("\n".join(lines) + "\n")
        else:
            sql = f"INSERT INTO accounts_account_year ({columns}) VALUES ({', '.join(['%s'] * len(ROW_COLUMNS))})"
            batch: list[tuple] = []
            for record in records():
                batch.append(record)
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)

"""The annual crediting run (个人账户年度记账): every account of a year, set-based.

For year Y and region R (the instance's pooling region; one agency runs one instance):

* credits: the paid pension rows of ``contributions_contribution`` whose crediting position
  (engine.crediting.crediting_position) falls in Y, by the region's ``[crediting] interest_from``:
  ``arrival`` (the default) places a credit in the year and month it was paid (``paid_on``: a December
  contribution paid in January is credited in the next year, from January), ``period`` in its contribution
  period's. Months in arrears are credited when paid. They are read from the per person-year summary
  (contributions/summary.py, one row an account and basis) with their credit-months Σ credit × (13 − month);
  a person with several employers in a month has the month's credits summed;
* opening: the person's current closing of Y − 1 (the row of the latest run), 0 if none;
* interest: the region's method (``crediting.method`` in the parameter files, monthly accumulation
  by default) and interest rounding, at Y's crediting rate (provisional until the official rate is
  set), every interest amount rounded separately; closing = opening + its interest + credits + theirs.

The run compares each account's figures with its current row for Y and keeps only the accounts that
are new or whose figures (amounts, rate, rate status, method, crediting basis) differ: that is the plan, committed by
its row count and the RFC 6962 root of its rows' canonical bytes in person order. A second run with
nothing changed plans no row, and no transaction is opened (nothing is posted). After the official
rate replaces the provisional one, the plan holds the accounts whose figures change (usually all).

A payment for a closed year Y: by arrival it is credited in the year it arrived (that year's run takes it);
by period it changes Y's credits, so the next run of Y plans the account and posts the difference.

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

from sirecords.accounts import closures, crediting_sql
from sirecords.accounts.compute import Kernel, kernel_for
from sirecords.contributions.counted import counted
from sirecords.core.canonical import canonical_json
from sirecords.core.money import from_fen, round_money, to_fen
from sirecords.engine.crediting import AccountCredit, credit_account_credits, crediting_position
from sirecords.engine.params import ParamSet, load_params
from sirecords.ledger import bulk, merkle
from sirecords.parameters.queries import require_loaded

__all__ = ["CANONICAL_FIELDS", "FIGURES", "Plan", "TotalsMismatch", "canonical_row", "crediting_basis", "crediting_method",
           "plan_person", "plan_year", "write_plan"]

# The row's canonical bytes (what its Merkle leaf hashes): run-independent, so a plan's root can be
# reviewed before the run posts and is the root the ledger entry commits to.
CANONICAL_FIELDS = ("person_id", "year", "opening_fen", "credits_fen", "interest_on_prior_fen", "interest_on_credits_fen",
                    "closing_fen", "months", "rate", "rate_status", "method", "interest_from", "rule_version")
# The canonical bytes of rows posted before the crediting basis was recorded (their entry's payload has no
# "interest_from"; they were credited by period): verify hashes those rows without it.
LEGACY_FIELDS = tuple(name for name in CANONICAL_FIELDS if name != "interest_from")
# What makes an account's year different from its current row (rule_version alone does not: it
# changes with any value of the year's parameter set).
FIGURES = ("opening_fen", "credits_fen", "interest_on_prior_fen", "interest_on_credits_fen", "closing_fen", "months",
           "rate", "rate_status", "method", "interest_from")
ROW_COLUMNS = ("run_id", "run_seq", "row_number", *CANONICAL_FIELDS, "row_hash")
ENGINE_SAMPLE = 64  # accounts per run checked against the rules engine

_PLAIN_ID = re.compile(r"[0-9A-Za-z_.:-]*\Z")


def crediting_method(params: ParamSet) -> str:
    """The region's crediting method: ``[crediting] method`` (monthly by default)."""
    return params.crediting_method


def crediting_basis(params: ParamSet) -> str:
    """The region's crediting basis: ``[crediting] interest_from`` (arrival by default)."""
    return params.crediting_interest_from


def canonical_row(row: dict, *, legacy: bool = False) -> bytes:
    return canonical_json({name: row[name] for name in (LEGACY_FIELDS if legacy else CANONICAL_FIELDS)}).encode()


def row_leaf(row: dict, *, legacy: bool = False) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_row(row, legacy=legacy)).digest()


@dataclass
class Plan:
    region: str
    year: int
    rule_version: str
    rate: str
    rate_status: str
    method: str
    rounding: str
    interest_from: str = "arrival"
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
    totals: dict[str, int] = field(default_factory=dict)  # of the planned rows
    unchanged_totals: dict[str, int] = field(default_factory=dict)  # of the current rows of the unchanged accounts
    # Planned in the database (crediting_sql): `rows` and `leaves` stay empty; the rows are counted in `planned`, their
    # leaves concatenated in `leaf_bytes`, the engine sample is `sample`, and the posting INSERTs … SELECTs them.
    sql: bool = False
    planned: int = 0
    leaf_bytes: bytes = b""
    sample: list[tuple[str, int, int, int, int, int]] = field(default_factory=list)
    closed: frozenset[str] = frozenset()  # the accounts left out (retired, dead) when planned in the database
    stage: str = ""  # the temporary table of this database session holding the rows planned in the database

    @property
    def row_count(self) -> int:
        return self.planned if self.sql else len(self.rows)

    def summary(self) -> dict:
        """The reviewed figures: what the transaction payload holds and the entry repeats."""
        return {"year": self.year, "region": self.region, "rule_version": self.rule_version, "rate": self.rate,
                "rate_status": self.rate_status, "method": self.method, "interest_from": self.interest_from,
                "rounding": self.rounding, "months": self.months,
                "accounts": self.accounts, "new": self.new, "replaced": self.replaced, "unchanged": self.unchanged,
                "row_count": self.row_count, "rows_root": self.root, "totals": dict(self.totals)}

    def row_dicts(self) -> Iterator[dict]:
        constant = {"year": self.year, "months": self.months, "rate": self.rate, "rate_status": self.rate_status,
                    "method": self.method, "interest_from": self.interest_from, "rule_version": self.rule_version}
        for person, opening, credits, on_prior, on_credits, closing in self.rows:
            yield {"person_id": person, "opening_fen": opening, "credits_fen": credits, "interest_on_prior_fen": on_prior,
                   "interest_on_credits_fen": on_credits, "closing_fen": closing, **constant}


# --- reading, set-based -------------------------------------------------------------------------------

def _fetch(sql: str, params: Iterable) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


# The per person-year summary the contribution batches keep (contributions/summary.py; verify checks it
# against the rows): one row an account instead of twelve, on the region's crediting basis.
CREDITS_SQL = "SELECT person_id, credits_fen, credit_months_fen FROM contributions_pension_credit WHERE basis = %s AND year = %s"

# The counted rows that may be credited in a year on either basis (period or payment in the year), for the engine
# check: the engine's crediting_position picks the year's.
ROWS_SQL = f"""
SELECT person_id, period, paid_on, account_credit_fen
FROM contributions_contribution
WHERE insurance_type = 'pension' AND {counted()} AND person_id IN ({{marks}})
  AND ((period >= %s AND period <= %s) OR (paid_on >= %s AND paid_on <= %s))
ORDER BY person_id, period, paid_on
"""  # nosec B608 # counted.py's constant SQL; {marks} is %s placeholders

# The current row of each account for a year is the row of the latest run: rows are read in run
# order and a later one replaces an earlier one (one index range scan, no self-join).
CURRENT_SQL = "SELECT person_id, {columns} FROM accounts_account_year WHERE year = %s ORDER BY run_seq"


def year_credits(year: int, basis: str = "arrival", person: str | None = None) -> dict[str, tuple[int, int]]:
    """person → (credits, credit-months Σ credit × (13 − month)) in fen credited in `year` on `basis`, from the
    per person-year summary (one person's when `person` is given)."""
    if person is None:
        return {found: (total, weighted) for found, total, weighted in _fetch(CREDITS_SQL, (basis, year))}
    return {found: (total, weighted)
            for found, total, weighted in _fetch(CREDITS_SQL + " AND person_id = %s", (basis, year, person))}


def candidate_credits(year: int, persons: list[str]) -> dict[str, list[tuple[str, int, str]]]:
    """person → the counted rows (period, credit fen, paid_on) paid in `year` or for a period of `year`: every
    row that either basis may credit in `year` (for the engine check)."""
    out: dict[str, list[tuple[str, int, str]]] = {person: [] for person in persons}
    if persons:
        sql = ROWS_SQL.format(marks=", ".join(["%s"] * len(persons)))
        for person, period, paid_on, credit in _fetch(sql, (*persons, f"{year:04d}-01", f"{year:04d}-12",
                                                            f"{year:04d}-01-01", f"{year:04d}-12-31")):
            out[person].append((period, int(credit), paid_on))
    return out


def current_rows(year: int, columns: tuple[str, ...] = FIGURES, person: str | None = None) -> dict[str, tuple]:
    sql = CURRENT_SQL.format(columns=", ".join(columns))
    if person is not None:
        sql = sql.replace(" ORDER BY", " AND person_id = %s ORDER BY")
    return {found: tuple(rest) for found, *rest in _fetch(sql, (year,) if person is None else (year, person))}


def later_years(year: int, persons: set[str]) -> int:
    if not persons:
        return 0
    later = {person for (person,) in _fetch("SELECT DISTINCT person_id FROM accounts_account_year WHERE year > %s", (year,))}
    return len(later & persons)


# --- planning ---------------------------------------------------------------------------------------

_memo: dict[tuple, Plan] = {}


def _data_state() -> tuple:
    """What a plan is computed from, cheaply: contribution rows (and their summary) change only when a
    contribution batch posts, account-year rows only when a crediting run posts, and rows are only ever
    added. So the latest batch and run entries and the highest row ids identify the inputs; any posting
    of either kind (or a row added behind the ledger's back) changes them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT MAX(entry_seq) FROM contributions_batch), (SELECT COUNT(*) FROM contributions_batch), "
                       "(SELECT MAX(id) FROM contributions_contribution), (SELECT MAX(id) FROM contributions_pension_credit), "
                       "(SELECT MAX(entry_seq) FROM accounts_crediting_run), (SELECT MAX(id) FROM accounts_account_year)")
        state = tuple(cursor.fetchone())
    return (*state, closures.state())


def retired_by(year: int) -> set[str]:
    """Persons whose pension started in `year` or before, or whose account was closed (death before
    retirement) in `year` or before: that year is credited as a part year when the award is approved or the
    death recorded (benefits.compute.account_part_year), so the annual run credits neither that year nor
    any later one."""
    return closures.closed_by(year)


def forget_plans() -> None:
    for plan in _memo.values():
        crediting_sql.drop_stage(plan.stage)
    _memo.clear()


def plan_year(region: str, year: int) -> Plan:
    """Compute every account of `year` and keep the ones to post (new or different).

    Within one process a plan is reused while the data it was computed from is unchanged (same
    parameter version, latest contribution batch and crediting run, highest row ids; `_data_state`):
    `sirecords credit` plans once for its summary, the submit's validation and, when the approvals
    come through the same process, the posting. A posting in another process (the web pages) plans
    again and compares the figures and root with the reviewed ones.
    """
    params = require_loaded(load_params(region, year))
    key = (region, year, params.version, _data_state())
    if key in _memo:
        return _memo[key]
    plan = _plan(params, region, year)
    forget_plans()  # one plan kept: a province's year is large
    _memo[key] = plan
    return plan


# Plan in the database where the engine allows it (crediting_sql); tests set it off to compare the two paths.
PLAN_IN_DATABASE = True


def _plan(params: ParamSet, region: str, year: int, *, in_database: bool | None = None) -> Plan:
    return compute_plan(_empty_plan(params, region, year), in_database=in_database)


def compute_plan(plan: Plan, *, in_database: bool | None = None) -> Plan:
    """Fill `plan` (its year, rate, method, rounding, basis and rule version set): in the database when the engine
    allows it and `in_database` (default PLAN_IN_DATABASE), else in Python; both give the same rows, leaves and root
    (tests/accounts/test_crediting_sql.py)."""
    year = plan.year
    kernel = kernel_for(Decimal(plan.rate), method=plan.method, months=12, rounding=plan.rounding)
    if PLAN_IN_DATABASE if in_database is None else in_database:
        if connection.vendor in crediting_sql.SQL_VENDORS and _plan_in_database(plan, kernel):
            return plan
    credits = year_credits(year, plan.interest_from)
    prior = {person: figures[0] for person, figures in current_rows(year - 1, ("closing_fen",)).items()}
    current = current_rows(year)
    persons = sorted((credits.keys() | prior.keys()) - retired_by(year))
    plan.accounts = len(persons)

    template, plain = _leaf_template(plan)
    leaf_text = "\x00" + template  # the leaf hashes 0x00 ‖ canonical bytes; NUL encodes to the 0x00 byte
    all_plain = plain("".join(persons)) is not None  # a concatenation of plain ids is plain iff each is
    constant = (12, plan.rate, plan.rate_status, plan.method, plan.interest_from)
    rows, leaves = plan.rows, plan.leaves
    add_row, add_leaf = rows.append, leaves.append
    interest = kernel.interest
    sha256 = hashlib.sha256
    no_credits = (0, 0)
    prior_get, credits_get, current_get = prior.get, credits.get, current.get
    # core.money.half_up_fen inlined for the common case (half-up, non-negative amounts), this loop being
    # the benchmarked one: kernel.interest gives the same (tests/accounts/test_compute.py), and is used
    # for every other case.
    fast = plan.rounding == "half_up"
    monthly = plan.method == "monthly"
    prior_num2, prior_den, prior_den2 = 2 * kernel.prior_num, kernel.prior_den, 2 * kernel.prior_den
    credits_num2, credits_den, credits_den2 = 2 * kernel.credits_num, kernel.credits_den, 2 * kernel.credits_den
    new = replaced = 0
    same_opening = same_credits = same_interest = same_closing = 0
    for person in persons:
        opening = prior_get(person, 0)
        year_total, weighted = credits_get(person, no_credits)
        base = weighted if monthly else year_total
        if fast and opening >= 0 and base >= 0:
            on_prior = (opening * prior_num2 + prior_den) // prior_den2
            on_credits = (base * credits_num2 + credits_den) // credits_den2
        else:
            on_prior, on_credits = interest(opening, year_total, weighted)
        closing = opening + on_prior + year_total + on_credits
        if current:
            now = current_get(person)
            if now is None:
                new += 1
            elif now == (opening, year_total, on_prior, on_credits, closing, *constant):
                plan.unchanged += 1
                same_opening += opening
                same_credits += year_total
                same_interest += on_prior + on_credits
                same_closing += closing
                continue
            else:
                replaced += 1
        else:
            new += 1
        add_row((person, opening, year_total, on_prior, on_credits, closing))
        if all_plain or plain(person):
            add_leaf(sha256((leaf_text % (closing, year_total, on_credits, on_prior, opening, person)).encode()).digest())
        else:
            plan.plain_ids = False
            add_leaf(_leaf(plan, (person, opening, year_total, on_prior, on_credits, closing)))
    plan.new, plan.replaced = new, replaced
    plan.unchanged_totals = {"opening_fen": same_opening, "credits_fen": same_credits, "interest_fen": same_interest,
                             "closing_fen": same_closing}
    _finish(plan)
    check_totals(plan, _independent_totals(plan, persons, prior, credits))
    plan.later_years = later_years(year, {row[0] for row in rows}) if rows else 0
    return plan


def _plan_in_database(plan: Plan, kernel: Kernel) -> bool:
    """Plan the year in the database (crediting_sql). False when the SQL does not cover it (the caller plans in
    Python)."""
    closed = frozenset(retired_by(plan.year))
    template, _ = _leaf_template(plan)
    figures = crediting_sql.plan_figures(plan, kernel, closed, template, ENGINE_SAMPLE)
    if figures is None:
        return False
    plan.sql, plan.closed = True, closed
    plan.accounts, plan.new, plan.replaced, plan.unchanged = (figures[name] for name in ("accounts", "new", "replaced",
                                                                                        "unchanged"))
    plan.planned, plan.leaf_bytes, plan.sample = figures["row_count"], figures["leaves"], figures["sample"]
    plan.stage = figures["stage"]
    plan.totals, plan.unchanged_totals = figures["totals"], figures["unchanged_totals"]
    try:
        if len(plan.leaf_bytes) != 32 * plan.planned:
            raise EngineMismatch(f"year {plan.year}: {plan.planned} rows planned but {len(plan.leaf_bytes) // 32} leaves")
        plan.root = merkle_root_of_leaf_bytes(plan.leaf_bytes).hex()
        check_against_engine(plan)
        check_totals(plan, crediting_sql.independent_totals(plan, closed))
    except EngineMismatch:
        crediting_sql.drop_stage(plan.stage)  # refused: its staged rows are of no use
        raise
    plan.later_years = figures["later_years"]
    return True


def merkle_root_of_leaf_bytes(leaves: bytes) -> bytes:
    """merkle.root_of_list over 32-byte leaf hashes given concatenated (as the database returns them): the same root
    (an odd last node moves up a level unchanged), each level one bytes object."""
    if not leaves:
        return merkle.EMPTY_ROOT
    sha256, node = hashlib.sha256, b"\x01"
    level = leaves
    while len(level) > 32:
        end = len(level) - len(level) % 64
        paired = b"".join([sha256(node + level[i:i + 64]).digest() for i in range(0, end, 64)])
        level = paired + level[end:]
    return level


def _empty_plan(params: ParamSet, region: str, year: int) -> Plan:
    return Plan(region, year, params.version, str(params.crediting_rate), params.crediting_rate_status,
                crediting_method(params), params.rounding("interest"), crediting_basis(params))


def _leaf(plan: Plan, row: tuple[str, int, int, int, int, int]) -> bytes:
    person, opening, year_total, on_prior, on_credits, closing = row
    data = canonical_row(dict(zip(CANONICAL_FIELDS, (person, plan.year, opening, year_total, on_prior, on_credits, closing,
                                                     plan.months, plan.rate, plan.rate_status, plan.method,
                                                     plan.interest_from, plan.rule_version))))
    return hashlib.sha256(b"\x00" + data).digest()


def _finish(plan: Plan) -> None:
    rows = plan.rows
    plan.root = merkle.root_of_list(plan.leaves).hex()
    plan.totals = {"opening_fen": sum(row[1] for row in rows), "credits_fen": sum(row[2] for row in rows),
                   "interest_fen": sum(row[3] + row[4] for row in rows), "closing_fen": sum(row[5] for row in rows)}
    check_against_engine(plan)


TOTALS = ("opening_fen", "credits_fen", "interest_fen", "closing_fen")


def check_totals(plan: Plan, independent: dict) -> None:
    """The planned rows plus the unchanged accounts' current rows must give, in count and in every total (Σ opening,
    Σ credits, Σ interest, Σ closing), what the summary and the prior year give computed apart from the plan
    (`independent`). Raises TotalsMismatch naming each difference."""
    differing = []
    if plan.accounts != independent["accounts"]:
        differing.append(f"accounts {plan.accounts} ≠ {independent['accounts']}")
    for name in TOTALS:
        planned = plan.totals.get(name, 0) + plan.unchanged_totals.get(name, 0)
        if planned != independent[name]:
            differing.append(f"{name} {planned} ≠ {independent[name]}")
    if differing:
        raise TotalsMismatch(f"year {plan.year}: the planned rows and the unchanged accounts do not give what the "
                             f"summary and the prior year give: {'; '.join(differing)}")


def _independent_totals(plan: Plan, persons: list[str], prior: dict[str, int], credits: dict[str, tuple[int, int]]) -> dict:
    """What the summary and the prior year give for the accounts of the year, apart from the kernel: each interest
    amount computed in Decimal yuan and rounded by core.money.round_money (the engine's rounding)."""
    rate, mode, months = Decimal(plan.rate), plan.rounding, Decimal(plan.months)
    monthly = plan.method == "monthly"
    opening_total = credits_total = interest_total = 0
    no_credits = (0, 0)
    for person in persons:
        opening = prior.get(person, 0)
        total, weighted = credits.get(person, no_credits)
        if monthly:
            on_prior = round_money(from_fen(opening) * rate * months / 12, mode)
            on_credits = round_money(from_fen(weighted) * rate / 12, mode)
        else:
            on_prior = round_money(from_fen(opening) * rate, mode)
            on_credits = round_money(from_fen(total) * rate * Decimal("1.083") / 2, mode)
        opening_total += opening
        credits_total += total
        interest_total += to_fen(on_prior + on_credits)
    return {"accounts": len(persons), "opening_fen": opening_total, "credits_fen": credits_total,
            "interest_fen": interest_total, "closing_fen": opening_total + credits_total + interest_total}


@dataclass
class PersonYear:
    """One year of one account recomputed from the record: its plan (one row when it differs from the current
    row, none when it agrees), the figures now current (None if the year was never credited) and recomputed."""

    plan: Plan
    before: tuple | None  # FIGURES of the current row
    after: tuple  # FIGURES recomputed


def plan_person(region: str, person: str, first_year: int) -> list[PersonYear]:
    """One account's years from `first_year` through its latest credited year, recomputed from the record as the
    annual run would credit them, each year's opening being the recomputed closing of the year before (so a
    changed year carries forward at once). For a reviewed correction of account years (corrections.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(year) FROM accounts_account_year WHERE person_id = %s", [person])
        last = cursor.fetchone()[0]
    if last is None or last < first_year:
        return []
    opening = current_rows(first_year - 1, ("closing_fen",), person).get(person, (0,))[0]
    years = []
    for year in range(first_year, last + 1):
        params = require_loaded(load_params(region, year))
        plan = _empty_plan(params, region, year)
        kernel = kernel_for(Decimal(plan.rate), method=plan.method, months=12, rounding=plan.rounding)
        total, weighted = year_credits(year, plan.interest_from, person).get(person, (0, 0))
        on_prior, on_credits = kernel.interest(opening, total, weighted)
        closing = opening + on_prior + total + on_credits
        row = (person, opening, total, on_prior, on_credits, closing)
        after = (*row[1:], plan.months, plan.rate, plan.rate_status, plan.method, plan.interest_from)
        before = current_rows(year, FIGURES, person).get(person)
        plan.accounts = 1
        if before == after:
            plan.unchanged = 1
        else:
            plan.rows.append(row)
            plan.leaves.append(_leaf(plan, row))
            plan.new, plan.replaced = (1, 0) if before is None else (0, 1)
        _finish(plan)
        years.append(PersonYear(plan, before, after))
        opening = closing
    return years


def _leaf_template(plan: Plan):
    """A %-template giving exactly canonical_row()'s bytes for a plain person id (tests compare them)."""

    def text(value) -> str:
        return json.dumps(value, ensure_ascii=False).replace("%", "%%")

    template = ('{"closing_fen":%d,"credits_fen":%d,'
                f'"interest_from":{text(plan.interest_from)},'
                '"interest_on_credits_fen":%d,"interest_on_prior_fen":%d,'
                f'"method":{text(plan.method)},"months":{plan.months},"opening_fen":%d,"person_id":"%s",'
                f'"rate":{text(plan.rate)},"rate_status":{text(plan.rate_status)},"rule_version":{text(plan.rule_version)},'
                f'"year":{plan.year}}}')
    return template, _PLAIN_ID.match


class EngineMismatch(RuntimeError):
    """The bulk arithmetic disagrees with the rules engine: nothing is posted."""


class TotalsMismatch(EngineMismatch):
    """The planned rows' totals differ from what the summary and the prior year give: nothing is posted."""


def check_against_engine(plan: Plan, sample: int = ENGINE_SAMPLE) -> int:
    """Recompute a spread sample of the planned rows with engine.crediting.credit_account_credits from the person's
    contribution rows (not the summary): the engine places each paid credit by crediting_position on the plan's basis
    and computes the interest. Raises EngineMismatch on any difference. Returns the count checked."""
    if not plan.row_count:
        return 0
    if plan.sql:  # picked by the database as below (crediting_sql.plan_figures)
        picked = plan.sample
    else:
        step = max(1, len(plan.rows) // sample)
        picked = plan.rows[::step][:sample] + [plan.rows[-1]]
    candidates = candidate_credits(plan.year, sorted({row[0] for row in picked}))
    for person, opening, year_total, on_prior, on_credits, closing in picked:
        # a credit placed in an earlier year belongs to that year's crediting (the engine refuses it); later: deferred
        credits = [AccountCredit(period, from_fen(credit), paid_on) for period, credit, paid_on in candidates[person]
                   if crediting_position(period, paid_on, plan.interest_from)[0] >= plan.year]
        value = credit_account_credits(from_fen(opening), credits, plan.year, Decimal(plan.rate),
                                       interest_from=plan.interest_from, method=plan.method, months=plan.months,
                                       rounding=plan.rounding).value.crediting
        engine = (to_fen(value.prior), to_fen(value.credits), to_fen(value.interest_on_prior),
                  to_fen(value.interest_on_credits), to_fen(value.year_end))
        if engine != (opening, year_total, on_prior, on_credits, closing):
            bulk = (opening, year_total, on_prior, on_credits, closing)
            raise EngineMismatch(f"account {person} year {plan.year}: bulk arithmetic gives {bulk}, the rules engine {engine}")
    return len(picked)


# --- writing, set-based -----------------------------------------------------------------------------

class PostingMismatch(RuntimeError):
    """The rows the posting inserted are not the reviewed plan's: the posting is refused (rolled back)."""


def write_plan(plan: Plan, run_uid: str, run_seq: int) -> None:
    """Insert the run and its rows: planned in the database, one INSERT … SELECT that must insert the reviewed rows
    (count, totals and every leaf); else COPY on PostgreSQL, executemany on SQLite; never one ORM save per row."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO accounts_crediting_run (uid, region, year, rule_version, rate, rate_status, method, "
                       "interest_from, row_count, rows_root, entry_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                       [run_uid, plan.region, plan.year, plan.rule_version, plan.rate, plan.rate_status, plan.method,
                        plan.interest_from, plan.row_count, plan.root, run_seq])
        if plan.sql:
            _insert_planned(plan, run_uid, run_seq)
            return
        constant = (plan.year,)
        tail = (plan.months, plan.rate, plan.rate_status, plan.method, plan.interest_from, plan.rule_version)

        def records():
            for number, ((person, opening, credits, on_prior, on_credits, closing), leaf) in enumerate(
                    zip(plan.rows, plan.leaves), start=1):
                yield (run_uid, run_seq, number, person, *constant, opening, credits, on_prior, on_credits, closing, *tail,
                       leaf.hex())

        text_safe = plan.plain_ids and not any(ch in plan.rule_version for ch in "\t\n\r\\")
        with bulk.writer(cursor, "accounts_account_year", ROW_COLUMNS) as out:
            if out.copy_text and text_safe:
                # Every value is an int, a plain id or a fixed text without tabs, newlines or backslashes:
                # one %-template a row (the run's constants are written into it once).
                head = f"{run_uid}\t{run_seq}\t".replace("%", "%%")
                middle = f"\t{plan.year}\t".replace("%", "%%")
                tail_text = ("\t" + "\t".join(map(str, tail)) + "\t").replace("%", "%%")
                line = head + "%d\t%s" + middle + "%d\t%d\t%d\t%d\t%d" + tail_text + "%s"
                rows, leaves = plan.rows, plan.leaves
                for start in range(0, len(rows), 50_000):
                    out.write_lines([line % (number, person, opening, credits, on_prior, on_credits, closing, leaf.hex())
                                     for number, (person, opening, credits, on_prior, on_credits, closing), leaf
                                     in zip(range(start + 1, start + 50_001), rows[start:start + 50_000],
                                            leaves[start:start + 50_000])])
            else:
                out.write_rows(records())


def _insert_planned(plan: Plan, run_uid: str, run_seq: int) -> None:
    """INSERT … SELECT the rows the database planned (its staging table in this session) and check what was inserted.
    When the staging table is gone (the plan was computed in a transaction rolled back since, or in another session),
    the plan is computed again, in the posting's transaction, and must give the reviewed rows (count, totals, leaves)."""
    if not crediting_sql.stage_exists(plan.stage):
        again = compute_plan(Plan(plan.region, plan.year, plan.rule_version, plan.rate, plan.rate_status, plan.method,
                                  plan.rounding, plan.interest_from, plan.months), in_database=True)
        if not again.sql or (again.row_count, again.totals, again.leaf_bytes) != (plan.row_count, plan.totals,
                                                                                   plan.leaf_bytes):
            crediting_sql.drop_stage(again.stage)
            raise PostingMismatch(f"crediting run {run_uid}: planned again at posting, the rows ({again.row_count}, "
                                  f"totals {again.totals}, root {again.root}) are not the reviewed plan's "
                                  f"({plan.row_count}, totals {plan.totals}, root {plan.root})")
        plan.stage = again.stage
    count, totals, leaves = crediting_sql.insert_rows(plan, run_uid, run_seq)
    crediting_sql.drop_stage(plan.stage)
    if count != plan.row_count or totals != plan.totals or leaves != plan.leaf_bytes:
        raise PostingMismatch(f"crediting run {run_uid}: the rows inserted ({count}, totals {totals}) are not the "
                              f"reviewed plan's ({plan.row_count}, totals {plan.totals}, root {plan.root})")

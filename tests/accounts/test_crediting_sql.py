"""The plan computed in PostgreSQL (accounts/crediting_sql.py) is the Python plan: same counts, totals, leaves
(hence canonical bytes) and root, and the rows its INSERT … SELECT posts are the Python plan's rows, on random
summaries and account rows with the edge cases: half-fen rounding edges, negative amounts, 见分进角, prior-only
accounts, closed (retired) accounts, reruns with nothing changed, provisional → official, later years credited, both
methods and both bases. On SQLite the database plan is not available and the Python path plans (the tests then check
the Python path's totals and sample checks the same way)."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from sirecords.accounts import crediting
from sirecords.accounts.crediting import Plan, TotalsMismatch, compute_plan
from sirecords.accounts.models import AccountYear
from sirecords.contributions.models import PensionCredit

pytestmark = pytest.mark.django_db

YEAR = 2024
SQL = connection.vendor == "postgresql"


def plan_for(*, rate="0.0262", status="official", method="monthly", rounding="half_up", basis="arrival",
             version="440300/2024@test") -> Plan:
    return Plan("440300", YEAR, version, rate, status, method, rounding, basis)


def person(n: int) -> str:
    return f"p{n:031x}"


def add_summary(rows, basis="arrival", year=YEAR):
    PensionCredit.objects.bulk_create(PensionCredit(person_id=p, basis=basis, year=year, credits_fen=c, credit_months_fen=w)
                                      for p, c, w in rows)


_runs = iter(range(1, 10_000))


def add_account_rows(rows, *, year, status="official", rate="0.0262", method="monthly", basis="arrival"):
    """rows: (person, opening, credits, on_prior, on_credits, closing) as one earlier run of `year` (test set-up)."""
    seq = next(_runs)
    AccountYear.objects.bulk_create(
        AccountYear(run_id=f"testrun{seq:025d}", run_seq=seq, row_number=n, person_id=p, year=year, opening_fen=o,
                    credits_fen=c, interest_on_prior_fen=ip, interest_on_credits_fen=ic, closing_fen=cl, months=12,
                    rate=rate, rate_status=status, method=method, interest_from=basis, rule_version="test", row_hash="0" * 64)
        for n, (p, o, c, ip, ic, cl) in enumerate(rows, start=1))


def both(make_plan, monkeypatch, closed=frozenset(), in_sql=SQL):
    """The plan computed in Python and (on PostgreSQL) in the database; asserts they agree; returns both."""
    monkeypatch.setattr(crediting, "retired_by", lambda year: set(closed))
    # the summaries here are made up (no contribution rows behind them): the engine sample is the other tests' matter
    monkeypatch.setattr(crediting, "check_against_engine", lambda plan, sample=0: 0)
    in_python = compute_plan(make_plan(), in_database=False)
    in_database = compute_plan(make_plan(), in_database=True)
    assert in_database.sql == in_sql
    assert not in_python.sql
    for name in ("accounts", "new", "replaced", "unchanged", "later_years", "row_count", "root", "totals",
                 "unchanged_totals"):
        assert getattr(in_database, name) == getattr(in_python, name), name
    leaves = b"".join(in_python.leaves)
    assert (in_database.leaf_bytes if in_database.sql else b"".join(in_database.leaves)) == leaves
    # the leaves hash canonical_row(): byte-identical canonical bytes
    assert in_python.leaves == [crediting.row_leaf(row) for row in in_python.row_dicts()]
    if in_database.sql and in_python.rows:  # the engine sample is picked as from the rows (the last row once)
        step = max(1, len(in_python.rows) // crediting.ENGINE_SAMPLE)
        picked = in_python.rows[::step][:crediting.ENGINE_SAMPLE] + [in_python.rows[-1]]
        assert in_database.sample == list(dict.fromkeys(picked))
    return in_python, in_database


def random_year(rng: random.Random, count: int = 300):
    """Summary rows of YEAR and prior closings of YEAR − 1, with the edges mixed in."""
    summary, prior = [], []
    for n in range(count):
        p = person(n)
        kind = rng.random()
        credits = rng.randrange(0, 3_000_000)
        weighted = credits * rng.randrange(1, 13) // 2
        if kind < 0.1:
            weighted = 30000 * rng.choice((1, 3, 5, 7)) + rng.choice((-1, 0, 1))  # × 131 / 60000: around a half fen
        elif kind < 0.15:
            credits, weighted = -rng.randrange(1, 100_000), -rng.randrange(1, 1_000_000)  # reversed beyond the credits
        if kind < 0.85:
            summary.append((p, credits, weighted))
        if kind > 0.6:  # with a prior year; > 0.85: prior only
            opening = rng.randrange(0, 20_000_000)
            if rng.random() < 0.2:
                opening = 2500 * rng.choice((1, 3, 5, 7)) + rng.choice((-1, 0, 1))  # × 131 / 5000: a half fen
            if rng.random() < 0.05:
                opening = -opening
            prior.append((p, opening))
    return summary, prior


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("method,rounding,basis", [("monthly", "half_up", "arrival"), ("monthly", "jiao_up", "period"),
                                                   ("annual", "half_up", "period"), ("annual", "jiao_up", "arrival")])
def test_the_database_plan_is_the_python_plan_on_random_years(seed, method, rounding, basis, monkeypatch):
    rng = random.Random(seed)
    summary, prior = random_year(rng)
    add_summary(summary, basis=basis)
    add_summary([(p, c + 1, w + 7) for p, c, w in summary[:50]], basis="period" if basis == "arrival" else "arrival")
    add_summary([(p, 999, 999) for p, _, _ in summary[:20]], basis=basis, year=YEAR + 1)
    # two runs of YEAR − 1: the later one is current
    add_account_rows([(p, 0, 0, 0, 0, o + 5) for p, o in prior], year=YEAR - 1)
    add_account_rows([(p, 0, 0, 0, 0, o) for p, o in prior], year=YEAR - 1)
    closed = {person(n) for n in rng.sample(range(300), 15)}
    python, database = both(lambda: plan_for(method=method, rounding=rounding, basis=basis), monkeypatch, closed)
    assert python.accounts == len(({p for p, *_ in summary} | {p for p, _ in prior}) - closed)
    assert python.row_count == python.accounts and python.new == python.accounts
    assert any(row[1] < 0 or row[2] < 0 for row in python.rows)  # negative amounts were covered


def test_reruns_provisional_to_official_later_years_and_nothing_changed(monkeypatch):
    rng = random.Random(7)
    summary, prior = random_year(rng, 200)
    add_summary(summary)
    add_account_rows([(p, 0, 0, 0, 0, o) for p, o in prior], year=YEAR - 1)
    provisional, _ = both(lambda: plan_for(status="provisional"), monkeypatch)
    rows = list(provisional.rows)
    # the provisional run posted; a few accounts have a later year
    add_account_rows(rows, year=YEAR, status="provisional")
    add_account_rows([(p, 1, 0, 0, 0, 1) for p, *_ in rows[:9]], year=YEAR + 1)
    again, _ = both(lambda: plan_for(status="provisional", version="440300/2024@other"), monkeypatch)
    assert (again.row_count, again.unchanged) == (0, provisional.accounts)  # a new rule version alone: nothing
    official, _ = both(lambda: plan_for(status="official"), monkeypatch)
    assert (official.replaced, official.new, official.later_years) == (provisional.accounts, 0, 9)
    # some accounts changed since: new contributions for 10, a changed opening for 5, one new account
    add_account_rows(official.rows, year=YEAR)
    with_credits = sorted({p for p, *_ in summary} & {row[0] for row in rows})
    PensionCredit.objects.filter(person_id__in=with_credits[:10], basis="arrival").update(credits_fen=123)
    add_account_rows([(p, 0, 0, 0, 0, 777) for p in with_credits[10:15]], year=YEAR - 1)
    add_summary([(person(9999), 5000, 30000)])
    changed, _ = both(lambda: plan_for(status="official"), monkeypatch, closed={with_credits[20]})
    assert (changed.new, changed.replaced, changed.unchanged) == (1, 15, official.accounts - 16)


def test_a_person_id_that_is_not_plain_is_planned_in_python_with_the_same_figures(monkeypatch):
    add_summary([(person(1), 100_000, 300_000), ("人员-\"quoted\"", 200_000, 600_000)])
    _, database = both(plan_for, monkeypatch, in_sql=False)
    assert not database.sql and database.row_count == 2


def test_an_empty_year_plans_nothing(monkeypatch):
    python, database = both(plan_for, monkeypatch)
    assert python.row_count == database.row_count == 0 and database.root == python.root


def test_the_rows_the_insert_posts_are_the_python_plans(monkeypatch):
    rng = random.Random(11)
    summary, prior = random_year(rng, 150)
    add_summary(summary)
    add_account_rows([(p, 0, 0, 0, 0, o) for p, o in prior], year=YEAR - 1)
    python, database = both(plan_for, monkeypatch, closed={summary[0][0]})
    crediting.write_plan(database, "r" * 32, 424242)
    stored = list(AccountYear.objects.filter(run_id="r" * 32).order_by("row_number").values(
        "row_number", *crediting.CANONICAL_FIELDS, "row_hash"))
    expected = list(python.row_dicts())
    assert [{name: row[name] for name in crediting.CANONICAL_FIELDS} for row in stored] == expected
    assert [row["row_number"] for row in stored] == list(range(1, len(expected) + 1))
    assert [row["row_hash"] for row in stored] == [leaf.hex() for leaf in python.leaves]


def test_a_posting_without_its_staged_rows_plans_again_and_must_find_the_reviewed_rows(monkeypatch):
    from sirecords.accounts import crediting_sql

    add_summary([(person(n), 100_000 + n, 300_000 + n) for n in range(20)])
    python, database = both(plan_for, monkeypatch)
    if not database.sql:
        pytest.skip("the database plan is PostgreSQL's")
    crediting_sql.drop_stage(database.stage)  # as when the plan was made in a transaction rolled back since
    crediting.write_plan(database, "s" * 32, 434343)  # planned again: the same rows
    assert list(AccountYear.objects.filter(run_id="s" * 32).order_by("row_number").values_list("row_hash", flat=True)) == [
        leaf.hex() for leaf in python.leaves]
    assert not crediting_sql.stage_exists(database.stage)

    _, changed = both(plan_for, monkeypatch)
    crediting_sql.drop_stage(changed.stage)
    add_summary([(person(99), 5, 5)])  # data changed after the plan (the memo would have planned again)
    with pytest.raises(crediting.PostingMismatch, match="planned again at posting"):
        crediting.write_plan(changed, "t" * 32, 434344)


def test_totals_that_do_not_add_up_refuse_the_plan(monkeypatch):
    from sirecords.accounts import crediting_sql

    add_summary([(person(n), 100_000 + n, 300_000 + n) for n in range(20)])
    monkeypatch.setattr(crediting, "check_against_engine", lambda plan, sample=0: 0)

    def shifted(totals):
        def wrapper(*args):
            out = dict(totals(*args))
            out["interest_fen"] += 1
            out["closing_fen"] += 1
            return out
        return wrapper

    monkeypatch.setattr(crediting_sql, "independent_totals", shifted(crediting_sql.independent_totals))
    monkeypatch.setattr(crediting, "_independent_totals", shifted(crediting._independent_totals))
    for in_database in (False, True):
        with pytest.raises(TotalsMismatch, match="interest_fen"):
            compute_plan(plan_for(), in_database=in_database)


def test_the_totals_catch_wrong_sql_arithmetic_that_the_sample_misses(monkeypatch):
    from sirecords.accounts import crediting_sql

    if not SQL:
        pytest.skip("the database plan is PostgreSQL's")
    # every account's credit-months × 131 / 60000 ends in exactly half a fen: rounding down is wrong for each
    add_summary([(person(n), 100_000, 30000 * (2 * n + 1)) for n in range(200)])
    monkeypatch.setattr(crediting, "check_against_engine", lambda plan, sample=0: 0)  # the sample is not looking
    real = crediting_sql._rounded
    monkeypatch.setattr(crediting_sql, "_rounded", lambda expr, num, den, rounding: (
        f"(floor({expr}::numeric * {num} / {den}))::bigint" if "weighted" in expr else real(expr, num, den, rounding)))
    with pytest.raises(TotalsMismatch, match="interest_fen"):
        compute_plan(plan_for(), in_database=True)


def test_amounts_too_big_for_the_bigint_products_are_computed_exactly(monkeypatch):
    add_summary([(person(1), 2**61, 2**61 + 30000), (person(2), -(2**60), -(2**61) - 30000), (person(3), 10, 30000)])
    add_account_rows([(person(1), 0, 0, 0, 0, 2**60 + 2500), (person(4), 0, 0, 0, 0, -(2**60) - 2500)], year=YEAR - 1)
    for rounding in ("half_up", "jiao_up"):
        python, _ = both(lambda rounding=rounding: plan_for(rounding=rounding), monkeypatch)
        assert python.row_count == 4


def _contributions(count: int):
    """Real contribution rows for `count` persons (some paid late, one reversed beyond nothing), as the run reads them."""
    rows = []
    for n in range(count):
        for month in range(1, 13):
            paid = f"{YEAR}-{month:02d}-15" if (n + month) % 7 else f"{YEAR + (month == 12)}-{(month % 12) + 1:02d}-03"
            rows.append((person(n), "e1", f"{YEAR}-{month:02d}", 40_000 + 37 * n + month, paid))
    return rows


@pytest.mark.parametrize("replan", [False, True])
def test_the_reviewed_run_posts_the_python_plans_rows(add_contributions, run_year, replan, monkeypatch):
    """The whole reviewed flow (prepare, the submit's validation, two approvals, the posting) with the engine sample on
    real contribution rows: on PostgreSQL planned in the database; with `replan` the posting plans again (as in the web
    process), in its own transaction. The rows posted are the Python plan's."""
    from .test_crediting import verify

    add_contributions(_contributions(90))
    params = crediting.require_loaded(crediting.load_params("440300", YEAR))
    expected = crediting._plan(params, "440300", YEAR, in_database=False)
    if replan:
        from sirecords.accounts import services

        real_approve = services.approve

        def approve_elsewhere(txn, reviewers, *args):
            crediting.forget_plans()  # the approver acts in another process: no plan, no staged rows at hand
            return real_approve(txn, reviewers, *args)

        monkeypatch.setattr(services, "approve", approve_elsewhere)
    prepared = run_year(YEAR)
    assert prepared.plan.sql == SQL and prepared.txn.state == "posted"
    assert (prepared.plan.row_count, prepared.plan.root, prepared.plan.totals) == (expected.row_count, expected.root,
                                                                                   expected.totals)
    stored = AccountYear.objects.filter(year=YEAR).order_by("row_number").values(*crediting.CANONICAL_FIELDS, "row_hash")
    assert [{name: row[name] for name in crediting.CANONICAL_FIELDS} for row in stored] == list(expected.row_dicts())
    assert [row["row_hash"] for row in stored] == [leaf.hex() for leaf in expected.leaves]
    assert verify().ok
    assert run_year(YEAR).txn is None  # a rerun with nothing changed plans nothing


def test_texts_with_quotes_percent_signs_and_chinese_give_the_same_leaves(monkeypatch):
    add_summary([(person(n), 100_000 + n, 300_000 + n) for n in range(5)])
    python, database = both(lambda: plan_for(version='440300/2024@"规则%s%%\\版本"', rate="0.0310"), monkeypatch)
    assert python.row_count == 5 and database.root == python.root

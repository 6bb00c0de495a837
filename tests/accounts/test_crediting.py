"""The annual crediting run: figures from the engine, opening carried over, idempotent reruns,
recrediting at the official rate posts the differences only, and reviewed as a business transaction."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from sirecords.accounts import crediting
from sirecords.accounts.kinds import ACCOUNT_YEARS_CREDITED
from sirecords.accounts.models import AccountYear, CreditingRun
from sirecords.core.money import from_fen, to_fen
from sirecords.engine import params as rule_params
from sirecords.engine.crediting import credit_year_values
from sirecords.ledger.append import read_head
from sirecords.ledger.models import Entry
from sirecords.ledger.verify import verify as verify_all
from sirecords.workflow.models import State
from sirecords.workflow.services import Refused

pytestmark = pytest.mark.django_db

A, B, C = "a" * 32, "b" * 32, "c" * 32


class AccountFindings:
    def __init__(self, findings):
        self.findings = findings
        self.ok = not findings


def verify():
    """The ledger's verify, keeping the account checks' findings (the contribution rows here are test set-up)."""
    return AccountFindings([f for f in verify_all().findings if f.check == "accounts"])


def credits_of(monthly: dict[int, int]) -> list[int]:
    return [monthly.get(m, 0) for m in range(1, 13)]


@pytest.fixture
def two_years(add_contributions):
    """A: two employers in 2024 (months 3–5 overlap) and one in 2025; B: 2024 only; C: 2025 only, from June."""
    rows = [(A, "e1", f"2024-{m:02d}", 80000 + m) for m in range(1, 13)]
    rows += [(A, "e2", f"2024-{m:02d}", 33333) for m in (3, 4, 5)]
    rows += [(B, "e1", f"2024-{m:02d}", 64001) for m in range(1, 13)]
    rows += [(A, "e1", f"2025-{m:02d}", 91237) for m in range(1, 13)]
    rows += [(C, "e3", f"2025-{m:02d}", 45555) for m in range(6, 13)]
    add_contributions(rows)
    add_contributions([(A, "e1", "2025-01", 123456)], insurance_type="medical")  # not the pension account
    monthly = {A: {2024: {m: 80000 + m + (33333 if m in (3, 4, 5) else 0) for m in range(1, 13)},
                   2025: dict.fromkeys(range(1, 13), 91237)},
               B: {2024: dict.fromkeys(range(1, 13), 64001), 2025: {}},
               C: {2024: {}, 2025: dict.fromkeys(range(6, 13), 45555)}}
    return monthly


def engine(params, opening_fen, monthly):
    value = credit_year_values(from_fen(opening_fen), [from_fen(c) for c in credits_of(monthly)], params.crediting_rate,
                               method="monthly", rounding=params.rounding("interest"))
    return tuple(to_fen(v) for v in (value.prior, value.credits, value.interest_on_prior, value.interest_on_credits,
                                     value.year_end))


def current(person, year):
    row = AccountYear.objects.filter(person_id=person, year=year).order_by("-run_seq").first()
    return None if row is None else (row.opening_fen, row.credits_fen, row.interest_on_prior_fen,
                                     row.interest_on_credits_fen, row.closing_fen)


def test_figures_are_the_engines_and_the_opening_carries_over(two_years, run_year):
    first = run_year(2024)
    assert first.txn.state == State.POSTED
    p24 = rule_params.load_params("440300", 2024)
    expected_a24 = engine(p24, 0, two_years[A][2024])
    assert current(A, 2024) == expected_a24
    assert current(B, 2024) == engine(p24, 0, two_years[B][2024])
    assert current(C, 2024) is None

    second = run_year(2025)
    p25 = rule_params.load_params("440300", 2025)
    assert second.plan.accounts == 3 and second.plan.new == 3
    expected_a25 = engine(p25, expected_a24[4], two_years[A][2025])
    assert expected_a25[0] == expected_a24[4]  # opening = previous closing
    assert current(A, 2025) == expected_a25
    b25 = engine(p25, current(B, 2024)[4], {})  # no credits: interest on the opening only
    assert current(B, 2025) == b25 and b25[1] == 0 and b25[3] == 0
    assert current(C, 2025) == engine(p25, 0, two_years[C][2025])

    row = AccountYear.objects.get(person_id=A, year=2025)
    assert (row.rate, row.rate_status, row.method, row.months) == (str(p25.crediting_rate), "provisional", "monthly", 12)
    assert row.rule_version == p25.version
    entry = Entry.objects.get(kind=ACCOUNT_YEARS_CREDITED, txn=second.txn.uid)
    payload = json.loads(entry.payload)
    assert payload["row_count"] == 3 and payload["rows_root"] == second.plan.root
    run = CreditingRun.objects.get(pk=second.txn.uid)
    assert run.entry_seq == entry.seq and run.rows_root == second.plan.root
    assert verify().ok


def test_second_run_with_nothing_changed_posts_nothing(two_years, run_year):
    run_year(2024)
    size = read_head()[0]
    again = run_year(2024)
    assert again.txn is None and again.plan.row_count == 0 and again.plan.unchanged == 2
    assert read_head()[0] == size


def test_late_contribution_posts_only_that_account(two_years, run_year, add_contributions):
    run_year(2024)
    add_contributions([(B, "e9", "2024-12", 1000)])
    rerun = run_year(2024)
    assert (rerun.plan.row_count, rerun.plan.replaced, rerun.plan.unchanged) == (1, 1, 1)
    assert [r.person_id for r in AccountYear.objects.filter(run_id=rerun.txn.uid)] == [B]
    assert current(B, 2024)[1] == 64001 * 12 + 1000


def official_rate(monkeypatch, year, rate):
    """The year's parameter files with the official rate set (as the rules maintainer would)."""
    files = dict(rule_params.read_data_dir())
    name = f"national/{year}.toml"
    text = files[name]
    start = text.index("crediting_rate =")
    end = text.index("\n", text.index("crediting_rate_status"))
    files[name] = text[:start] + f'crediting_rate = "{rate}"\ncrediting_rate_status = "official"' + text[end:]
    real = rule_params.load_params
    monkeypatch.setattr(crediting, "load_params", lambda region, year: real(region, year, files=files))
    # The maintainer loads the corrected set through a reviewed transaction, as in real work.
    from sirecords.ledger.context import WriteContext
    from sirecords.parameters.transactions import parameter_payload
    from sirecords.transactions.posting import Transaction, post

    post(Transaction("load_rule_parameters", parameter_payload(real("440300", year, files=files)),
                     WriteContext(actor="maint.t", reason="official rate published", channel="cli")))


def test_official_rate_posts_the_differences_only(two_years, run_year, monkeypatch):
    run_year(2024)
    run_year(2025)
    provisional = {p: current(p, 2025) for p in (A, B, C)}
    first_2024_rows = AccountYear.objects.filter(year=2024).count()
    official_rate(monkeypatch, 2025, "0.0300")
    rerun = run_year(2025)
    assert rerun.txn.state == State.POSTED
    assert (rerun.plan.row_count, rerun.plan.replaced, rerun.plan.new) == (3, 3, 0)
    assert rerun.plan.rate_status == "official"
    assert AccountYear.objects.filter(year=2024).count() == first_2024_rows  # the year before is untouched
    p25 = rule_params.load_params("440300", 2025, files={**rule_params.read_data_dir()})
    for person in (A, B, C):
        opening, credits, *_ = provisional[person]
        new = current(person, 2025)
        value = credit_year_values(from_fen(opening), [from_fen(c) for c in credits_of(two_years[person][2025])],
                                   Decimal("0.0300"), rounding=p25.rounding("interest"))
        assert new == tuple(to_fen(v) for v in (value.prior, value.credits, value.interest_on_prior,
                                                 value.interest_on_credits, value.year_end))
        assert new[4] > provisional[person][4]
    # both rows are kept: the provisional one and the official one that supersedes it
    assert AccountYear.objects.filter(person_id=A, year=2025).count() == 2
    assert run_year(2025).txn is None  # and now it is idempotent again
    assert verify().ok


def test_a_changed_year_reports_later_years_to_rerun(two_years, run_year, add_contributions):
    run_year(2024)
    run_year(2025)
    add_contributions([(A, "e9", "2024-11", 500)])
    rerun = run_year(2024)
    assert rerun.plan.row_count == 1 and rerun.plan.later_years == 1
    nxt = run_year(2025)  # the opening of 2025 follows the new closing of 2024
    assert nxt.plan.row_count == 1 and current(A, 2025)[0] == current(A, 2024)[4]


def test_the_run_is_a_reviewed_transaction(two_years, crew, staff):
    from sirecords.accounts.services import approve, prepare

    clerk = staff("clerk.t", "clerk")
    with pytest.raises(Refused, match="maintainer"):
        prepare(clerk, 2024, region="440300", reason="x")
    prepared = prepare(crew["maintainer"], 2024, region="440300", reason="annual crediting")
    assert prepared.txn.state == State.SUBMITTED and not AccountYear.objects.exists()
    with pytest.raises(Refused):
        approve(prepared.txn, [crew["maintainer"]])  # the opener may not review
    approve(prepared.txn, crew["reviewers"])
    assert AccountYear.objects.count() == 2


def test_figures_changed_after_review_are_refused(two_years, crew, add_contributions):
    from sirecords.accounts.services import approve, prepare
    from sirecords.transactions.posting import InvalidTransaction

    prepared = prepare(crew["maintainer"], 2024, region="440300", reason="annual crediting")
    add_contributions([(B, "e9", "2024-12", 1000)])
    with pytest.raises(InvalidTransaction, match="changed since it was prepared"):
        approve(prepared.txn, crew["reviewers"])
    assert not AccountYear.objects.exists()


def test_command_opens_and_submits_and_says_when_nothing_changed(two_years, crew, capsys):
    call_command("credit", "--year", "2024", "--actor", "maint.t", "--reason", "annual crediting", "--region", "440300")
    out = capsys.readouterr().out
    assert "rows to post: 2" in out and "awaiting review1" in out
    from sirecords.accounts.services import approve
    from sirecords.workflow.models import BusinessTransaction

    approve(BusinessTransaction.objects.get(type="credit_accounts"), crew["reviewers"])
    call_command("credit", "--year", "2024", "--actor", "maint.t", "--reason", "again", "--region", "440300")
    assert "nothing to credit" in capsys.readouterr().out


def entry_seq(run):
    return Entry.objects.get(kind=ACCOUNT_YEARS_CREDITED, txn=run).seq


def tamper(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_names_a_changed_added_or_missing_row(two_years, run_year):
    run = run_year(2024).txn.uid
    assert verify().ok
    tamper("UPDATE accounts_account_year SET closing_fen = closing_fen + 100 WHERE person_id = %s", [B])
    found = [f"{f.where}: {f.message}" for f in verify().findings]
    assert f"person {B}, year 2024" in found[0] and "row changed" in found[0]
    assert found[1:] == [f"accounts_crediting_run pk={run}: rows do not give the Merkle root entry #{entry_seq(run)} commits to"]
    tamper("UPDATE accounts_account_year SET closing_fen = closing_fen - 100 WHERE person_id = %s", [B])
    assert verify().ok

    row = AccountYear.objects.get(person_id=A)
    columns = [f.column for f in AccountYear._meta.fields if f.column != "id"]
    values = [getattr(row, f.attname) for f in AccountYear._meta.fields if f.column != "id"]
    values[columns.index("row_number")] = 3
    values[columns.index("person_id")] = C
    tamper(f"INSERT INTO accounts_account_year ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})", values)
    found = [f"{f.where}: {f.message}" for f in verify().findings]
    assert any(f"person {C}, year 2024" in f and "row added" in f for f in found)
    tamper("DELETE FROM accounts_account_year WHERE person_id = %s", [C])

    tamper("DELETE FROM accounts_account_year WHERE person_id = %s", [A])
    found = [f"{f.where}: {f.message}" for f in verify().findings]
    assert found and all("missing" in f for f in found) and f"run {run} row 1 (year 2024)" in found[0]


def test_verify_finds_a_row_changed_with_its_leaf_hash(two_years, run_year):
    run_year(2024)
    row = AccountYear.objects.get(person_id=B)
    forged = {**{name: getattr(row, name) for name in crediting.CANONICAL_FIELDS}, "interest_on_prior_fen": 1,
              "closing_fen": row.closing_fen + 1}
    tamper("UPDATE accounts_account_year SET interest_on_prior_fen = 1, closing_fen = %s, row_hash = %s WHERE id = %s",
           [forged["closing_fen"], crediting.row_leaf(forged).hex(), row.id])
    found = [f"{f.where}: {f.message}" for f in verify().findings]
    assert any("Merkle root" in f for f in found)


def test_posting_in_another_process_plans_again_and_posts_the_reviewed_root(two_years, crew):
    from sirecords.accounts.services import approve, prepare
    from sirecords.ledger.models import Entry

    prepared = prepare(crew["maintainer"], 2024, region="440300", reason="annual crediting")
    assert not AccountYear.objects.exists()  # the submit's validation wrote nothing
    crediting.forget_plans()  # as in the web process where the approver acts: no plan at hand
    calls = []
    original = crediting._plan
    try:
        crediting._plan = lambda *args: calls.append(args) or original(*args)
        approve(prepared.txn, crew["reviewers"])
    finally:
        crediting._plan = original
    assert len(calls) == 1  # planned again at posting
    entry = Entry.objects.get(kind=ACCOUNT_YEARS_CREDITED)
    payload = json.loads(entry.payload)
    assert payload["rows_root"] == prepared.plan.root and payload["run_seq"] == entry.seq
    assert AccountYear.objects.filter(run_seq=entry.seq).count() == prepared.plan.row_count == 2

"""Account-year test set-up. Contribution rows are inserted with the ORM as TEST SET-UP ONLY (the
contribution import is built separately); they are batch rows, not projections."""

from __future__ import annotations

import itertools

import pytest

from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.contributions.summary import add_pension_credits, pension_credits

from ..conftest import module_params

REGION = "440300"
_batches = itertools.count(1)


def _add_contributions(rows, *, insurance_type="pension", paid_on=None):
    """rows: (person_id, employer_id, "YYYY-MM", account_credit_fen[, paid_on]). Returns the batch (test set-up).
    A row is paid on `paid_on` ("" for a month in arrears), or on its own date, or else on time (the 15th of its
    period: by arrival and by period it is then credited in the same month)."""
    rows = [(*row[:4], row[4] if len(row) > 4 else (f"{row[2]}-15" if paid_on is None else paid_on)) for row in rows]
    number = next(_batches)
    # bulk_create: test rows stand in for a posted batch (the import's checks would flag them in `verify`,
    # so the account tests look at the "accounts" findings only).
    [batch] = ContributionBatch.objects.bulk_create([ContributionBatch(
        uid=f"testbatch{number:023d}", source="test", row_count=len(rows), rows_root="0" * 64, rule_versions="test",
        entry_seq=0, txn="test")])
    Contribution.objects.bulk_create(
        Contribution(batch=batch, row_number=n, person_id=person, employer_id=employer, period=period,
                     insurance_type=insurance_type, wage_fen=credit * 12, base_fen=credit * 12, employer_fen=credit * 2,
                     individual_fen=credit, account_credit_fen=credit, paid_on=paid, rule_version="test")
        for n, (person, employer, period, credit, paid) in enumerate(rows, start=1))
    # …and adds them to the per person-year credit summary as a batch's posting does.
    add_pension_credits(pension_credits((n, person, employer, period, insurance_type, "employee", 0, 0, 0, 0, credit,
                                         paid, 0, "test") for n, (person, employer, period, credit, paid) in enumerate(rows, 1)))
    return batch


# The whole-year parameter sets the runs use, loaded through reviewed transactions as in real work.
# Loaded once per test module (each test runs in a savepoint rolled back after it), not once per test.
_parameters = module_params(range(2020, 2027))


@pytest.fixture
def add_contributions(db):
    """add_contributions([(person, employer, "YYYY-MM", account_credit_fen), …]) inserts a test batch."""
    return _add_contributions


@pytest.fixture
def crew(staff):
    """A maintainer who runs the crediting and the two reviewers of credit_accounts."""
    return {"maintainer": staff("maint.t", "maintainer"), "reviewers": [staff("rev1.t", "reviewer1"), staff("appr.t", "approver")]}


@pytest.fixture
def run_year(crew):
    """run_year(year) -> Prepared: prepare as the maintainer, then approve (posts)."""
    from sirecords.accounts.services import approve, prepare

    def run(year, region=REGION):
        prepared = prepare(crew["maintainer"], year, region=region, reason="annual crediting (test)")
        if prepared.txn is not None:
            prepared.txn = approve(prepared.txn, crew["reviewers"])
        return prepared

    return run


@pytest.fixture
def crediting_params(monkeypatch):
    """crediting_params(year, interest_from=…, method=…): the region's parameter file of `year` with a [crediting]
    table, loaded through a reviewed transaction as the rules maintainer would; the run reads the changed files."""
    from sirecords.accounts import crediting
    from sirecords.engine import params as rule_params
    from sirecords.ledger.context import WriteContext
    from sirecords.parameters import queries
    from sirecords.parameters.transactions import parameter_payload
    from sirecords.transactions.posting import Transaction, post

    files = dict(rule_params.read_data_dir())
    real = rule_params.load_params
    monkeypatch.setattr(crediting, "load_params", lambda region, year: real(region, year, files=files))
    monkeypatch.setattr(queries, "load_params", lambda region, year=None: real(region, year, files=files))  # the part year

    def set_crediting(year: int, **values: str) -> None:
        name = f"{REGION}/{year}.toml"
        files[name] += "\n[crediting]\n" + "".join(f'{key} = "{value}"\n' for key, value in values.items())
        post(Transaction("load_rule_parameters", parameter_payload(real(REGION, year, files=files)),
                         WriteContext(actor="maint.t", reason="crediting rule of the region", channel="cli")))

    return set_crediting

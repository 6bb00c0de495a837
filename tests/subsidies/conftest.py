"""Subsidy test set-up: persons registered and parameter sets loaded through posted transactions; contribution
rows (batch rows, not projections) inserted with amounts from the engine's Calculator, as TEST SET-UP ONLY."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from sirecords.contributions.calc import Calculator
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.core.identifiers import make_id_number
from sirecords.core.periods import Month
from sirecords.parameters.models import RuleParameterSet
from sirecords.parameters.queries import params_for_month
from sirecords.parameters.transactions import parameter_payload

from ..conftest import module_params

REGION = "440300"
_numbers = itertools.count(1)


# The schemes are read from the latest set.
# Loaded once per test module (each test runs in a savepoint rolled back after it), not once per test.
_parameters = module_params([2026])


@pytest.fixture
def insured(post_fresh):
    """insured(first, last, wage_fen=300000, types=("pension", "medical", "unemployment"), paid=True) -> person uid,
    with one paid contribution row per month and type (employee), amounts by the engine."""

    def make(first: str, last: str, *, wage_fen: int = 300_000, types=("pension", "medical", "unemployment"),
             paid: bool = True) -> str:
        n = next(_numbers)
        number = make_id_number("440305", date(1980, 3, 1), 200 + 2 * n + 1)
        uid = post_fresh("register_person", {"id_number": number, "name": f"补贴{n}", "region": "440305"})[0].payload["person"]
        start, end = Month.parse(first), Month.parse(last)
        rows = []
        for k in range(end - start + 1):
            month = start + k
            params = params_for_month(REGION, month.year, month.month)
            if not RuleParameterSet.objects.filter(pk=params.version).exists():
                post_fresh("load_rule_parameters", parameter_payload(params))
            for kind in types:
                a = Calculator(params, kind, "employee").amounts(wage_fen)
                rows.append((str(month), kind, a, params.version))
        [batch] = ContributionBatch.objects.bulk_create([ContributionBatch(
            uid=f"subsidybatch{n:020d}", source="test", row_count=len(rows), rows_root="0" * 64, rule_versions="test",
            entry_seq=0, txn="test")])
        Contribution.objects.bulk_create(
            Contribution(batch=batch, row_number=i, person_id=uid, employer_id="", period=period, insurance_type=kind,
                         wage_fen=wage_fen, base_fen=a.base_fen, employer_fen=a.employer_fen, individual_fen=a.individual_fen,
                         account_credit_fen=a.account_credit_fen, paid_on=f"{period}-20" if paid else "",
                         arrears_fen=0 if paid else a.employer_fen + a.individual_fen, rule_version=version)
            for i, (period, kind, a, version) in enumerate(rows, start=1))
        return uid

    return make

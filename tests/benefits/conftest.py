"""Benefit test set-up. Contribution rows and account years are inserted with the ORM as TEST SET-UP ONLY
(they are batch rows, not projections), as tests/accounts does."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from django.apps import apps

from sirecords.accounts.models import AccountYear, CreditingRun
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.core.identifiers import make_id_number
from sirecords.core.periods import Month

from ..conftest import module_params

_numbers = itertools.count(1)

# Until "sirecords.benefits" is in INSTALLED_APPS (run with a settings module that adds it), there is nothing to test.
collect_ignore = [] if apps.is_installed("sirecords.benefits") else ["test_benefits.py"]


# The region's parameter sets of the years the tests' months and awards fall in, loaded as in real work.
# Loaded once per test module (each test runs in a savepoint rolled back after it), not once per test.
_parameters = module_params(range(2000, 2027))


@pytest.fixture
def person_with_months(post_fresh):
    """person_with_months(months, birth=date(1964, 6, 15), sex="M", base_fen=900000, balance_fen=12_000_000) -> uid.

    The person has `months` paid pension months ending the month before the statutory retirement month 2024-06
    (for a man born 1964-06; or ending `last`), and one credited account year (`credited`, 2023) with the given
    closing balance."""

    def make(months: int, *, birth: date = date(1964, 6, 15), male: bool = True, base_fen: int = 900_000,
             balance_fen: int = 12_000_000, last: str = "2024-05", credited: int = 2023) -> str:
        n = next(_numbers)
        number = make_id_number("440305", birth, 100 + 2 * n + (1 if male else 0))
        uid = post_fresh("register_person", {"id_number": number, "name": f"退休{n}", "region": "440305"})[0].payload["person"]
        end = Month.parse(last)
        periods = [str(end - k) for k in range(months)][::-1]
        [batch] = ContributionBatch.objects.bulk_create([ContributionBatch(
            uid=f"benefitbatch{n:020d}", source="test", row_count=len(periods), rows_root="0" * 64, rule_versions="test",
            entry_seq=0, txn="test")])
        Contribution.objects.bulk_create(
            Contribution(batch=batch, row_number=k, person_id=uid, employer_id="", period=period, insurance_type="pension",
                         wage_fen=base_fen, base_fen=base_fen, employer_fen=base_fen // 8, individual_fen=base_fen // 12,
                         account_credit_fen=base_fen // 12, paid_on=f"{period}-15", rule_version="test")
            for k, period in enumerate(periods, start=1))
        if balance_fen:
            [run] = CreditingRun.objects.bulk_create([CreditingRun(
                uid=f"benefitrun{n:022d}", region="440300", year=credited, rule_version="test", rate="0.0250",
                rate_status="official", method="monthly", interest_from="arrival", row_count=1, rows_root="0" * 64, entry_seq=0)])
            AccountYear.objects.bulk_create([AccountYear(
                run=run, run_seq=0, row_number=1, person_id=uid, year=credited, opening_fen=0, credits_fen=balance_fen,
                interest_on_prior_fen=0, interest_on_credits_fen=0, closing_fen=balance_fen, months=12, rate="0.0250",
                rate_status="official", method="monthly", interest_from="arrival", rule_version="test",
                row_hash="0" * 64)])
        return uid

    return make

"""A small population for the statistics tests, built once per module: persons registered through the ledger in two
pooling regions; contribution rows, account years and pension payments inserted with the ORM as TEST SET-UP ONLY
(they are batch rows, not projections), as tests/benefits does.

440300: 12 men born 1984 (contributing 2023 and 2024), 11 women born 1984 and one woman born 1966 (2024 only) — the
only person of her region, sex and age band; 440400: 6 men born 1990 (2024). Pensions: 12 payments in 440300, one
with a large back pay.
"""

from __future__ import annotations

from datetime import date

import pytest

from sirecords.accounts.models import AccountYear, CreditingRun
from sirecords.benefits.models import Payment
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.core.identifiers import make_id_number
from sirecords.ledger.context import WriteContext

from ..conftest import REGION, outer_transaction, post_entries

OTHER = "440400"
BASE = 500_000  # fen: employer 1/8, individual 1/12 of it per month


def _register(n: int, birth: date, male: bool, region: str) -> str:
    ctx = WriteContext(actor="clerk.test", reason="test registration", channel="counter", region=region)
    number = make_id_number("440305", birth, 100 + 2 * n + (1 if male else 0))
    return post_entries("register_person", {"id_number": number, "name": f"统计{n}", "region": "440305"}, ctx)[0].payload["person"]


def _build() -> dict:
    people = ([(date(1984, 3, 1), True, REGION, ("2023", "2024"))] * 12 + [(date(1984, 7, 1), False, REGION, ("2024",))] * 11
              + [(date(1966, 5, 1), False, REGION, ("2024",))] + [(date(1990, 1, 1), True, OTHER, ("2024",))] * 6)
    uids, rows = [], []
    for n, (birth, male, region, years) in enumerate(people, start=1):
        uid = _register(n, birth, male, region)
        uids.append(uid)
        rows += [(uid, f"{year}-{month:02d}") for year in years for month in (1, 2, 3)]
    [batch] = ContributionBatch.objects.bulk_create([ContributionBatch(
        uid="statsbatch", source="test", row_count=len(rows), rows_root="0" * 64, rule_versions="test", entry_seq=0, txn="test")])
    Contribution.objects.bulk_create(
        Contribution(batch=batch, row_number=k, person_id=uid, employer_id="", period=period, insurance_type="pension",
                     wage_fen=BASE, base_fen=BASE, employer_fen=BASE // 8, individual_fen=BASE // 12,
                     account_credit_fen=BASE // 12, paid_on=f"{period}-15", rule_version="test")
        for k, (uid, period) in enumerate(rows, start=1))
    men = uids[:12]
    runs = CreditingRun.objects.bulk_create([CreditingRun(
        uid=f"statsrun{k}", region=REGION, year=2023, rule_version="test", rate="0.0250", rate_status="official",
        method="monthly", interest_from="arrival", row_count=12, rows_root="0" * 64, entry_seq=k) for k in (1, 2)])
    # The first run credits every man 1 000 yuan; the second replaces the first man's figure with 2 000 yuan.
    AccountYear.objects.bulk_create([AccountYear(
        run=run, run_seq=run.entry_seq, row_number=k, person_id=uid, year=2023, opening_fen=0, credits_fen=closing,
        interest_on_prior_fen=0, interest_on_credits_fen=0, closing_fen=closing, months=12, rate="0.0250",
        rate_status="official", method="monthly", interest_from="arrival", rule_version="test", row_hash="0" * 64)
        for run, k, uid, closing in [(runs[0], k, uid, 100_000) for k, uid in enumerate(men, start=1)]
        + [(runs[1], 1, men[0], 200_000)]])
    Payment.objects.bulk_create([Payment(month="2024-01", row_number=k, person_id=uid, award_id=f"award{k}",
                                         amount_fen=300_000, back_pay_fen=50_000_000 if k == 1 else 0, run="statsrun")
                                 for k, uid in enumerate(men, start=1)])
    return {"uids": uids, "rows": rows}


@pytest.fixture(scope="module")
def population(django_db_setup, django_db_blocker):
    with outer_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            yield _build()

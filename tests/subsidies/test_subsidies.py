"""grant_subsidy: amounts computed by the engine from the paid contributions; every refusal names the month."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sirecords.contributions.calc import Calculator
from sirecords.core.money import from_fen, to_fen
from sirecords.engine.params import load_params
from sirecords.engine.subsidies import subsidy_for_month
from sirecords.ledger.verify import verify
from sirecords.parameters.queries import params_for_month
from sirecords.subsidies.compute import explain
from sirecords.subsidies.models import Subsidy
from sirecords.transactions.posting import InvalidTransaction

from .conftest import REGION


def _findings():
    return [f"{f.where}: {f.message}" for f in verify().findings if "contributions_batch" not in f.where
            and f.check != "contributions"]


def test_a_grant_posts_one_row_per_month_and_type_with_the_engines_amount(insured, post_fresh):
    person = insured("2024-01", "2024-06")
    [entry] = [e for e in post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty",
                                                       "start": "2024-01", "end": "2024-06"}) if e.kind == "subsidy.granted"]
    rows = Subsidy.objects.filter(person_id=person).order_by("period", "insurance_type")
    assert rows.count() == 6 * 3 == entry.payload["row_count"]
    params = params_for_month(REGION, 2024, 3)
    scheme = load_params(REGION).subsidy_scheme("employment_difficulty")
    march = rows.get(period="2024-03", insurance_type="pension")
    expected = subsidy_for_month(params, scheme, insurance_type="pension", employer_paid=from_fen(march.employer_paid_fen),
                                 individual_paid=from_fen(march.individual_paid_fen)).value
    # A wage of 3000 is below the 2024 floor: the base is the floor, and the scheme pays the employer's share in full.
    assert march.amount_fen == to_fen(expected) == march.employer_paid_fen > 0
    assert entry.payload["total_fen"] == sum(r.amount_fen for r in rows)
    assert explain(march).steps[-1].value == expected  # "why this amount", recomputed from what the ledger holds
    assert _findings() == []


def test_a_high_wage_is_subsidised_only_up_to_the_contribution_at_the_floor(insured, post_fresh):
    person = insured("2024-01", "2024-01", wage_fen=2_000_000, types=("pension",))
    post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2024-01", "end": "2024-01"})
    [entry] = [e for e in post_fresh.posted if e.kind == "subsidy.granted"]
    assert entry.payload["not_insured"] == ["2024-01 medical", "2024-01 unemployment"]  # shown to the reviewers
    row = Subsidy.objects.get(person_id=person)
    params = params_for_month(REGION, 2024, 1)
    calculator = Calculator(params, "pension", "employee")
    floor_employer = calculator.amounts(calculator.floor_fen).employer_fen
    assert row.amount_fen == floor_employer < row.employer_paid_fen


def test_the_flexible_scheme_pays_a_share_of_the_individuals_part(insured, post_fresh):
    person = insured("2024-01", "2024-02", types=("pension", "medical"))
    post_fresh("grant_subsidy", {"person": person, "scheme": "flexible_employment", "start": "2024-01", "end": "2024-02"})
    row = Subsidy.objects.get(person_id=person, period="2024-01", insurance_type="pension")
    assert row.amount_fen == to_fen((from_fen(row.individual_paid_fen) * Decimal("0.6667")).quantize(Decimal("0.01")))


@pytest.mark.parametrize(("payload", "message"), [
    ({"scheme": "no_such_scheme"}, "no such subsidy scheme"),
    ({"start": "2024-13"}, "start: must be a month"),
    ({"end": "2023-12"}, "before the start"),
    ({"end": "2024-08"}, r"2024-07: no paid contribution of a covered type \(pension, medical, unemployment\)"),
])
def test_bad_grants_are_refused_with_the_reason(insured, post_fresh, payload, message):
    person = insured("2024-01", "2024-06")
    good = {"person": person, "scheme": "employment_difficulty", "start": "2024-01", "end": "2024-06"}
    with pytest.raises(InvalidTransaction, match=message):
        post_fresh("grant_subsidy", {**good, **payload})
    assert not Subsidy.objects.exists()


def test_months_in_arrears_and_months_already_subsidised_are_refused(insured, post_fresh):
    owing = insured("2024-01", "2024-02", paid=False)
    with pytest.raises(InvalidTransaction, match="2024-01: no paid contribution of a covered type"):
        post_fresh("grant_subsidy", {"person": owing, "scheme": "employment_difficulty", "start": "2024-01", "end": "2024-02"})
    person = insured("2024-01", "2024-06")
    post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2024-01", "end": "2024-03"})
    with pytest.raises(InvalidTransaction, match=r"2024-03 pension: already subsidised \(employment_difficulty\)"):
        post_fresh("grant_subsidy", {"person": person, "scheme": "flexible_employment", "start": "2024-03", "end": "2024-04"})
    assert Subsidy.objects.filter(person_id=person).count() == 9


def test_the_schemes_maximum_months_per_person_holds_across_grants(insured, post_fresh):
    person = insured("2021-01", "2024-02", types=("pension", "medical", "unemployment"))
    post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2021-01", "end": "2023-10"})
    with pytest.raises(InvalidTransaction, match=r"at most 36 months per person; this grant would make 37 \(34 already granted\)"):
        post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2023-11", "end": "2024-01"})
    post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2023-11", "end": "2023-12"})


def test_a_changed_subsidy_row_is_found_by_verify(insured, post_fresh):
    from django.db import connection

    person = insured("2024-01", "2024-01", types=("pension",))
    post_fresh("grant_subsidy", {"person": person, "scheme": "employment_difficulty", "start": "2024-01", "end": "2024-01"})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE subsidies_subsidy SET amount_fen = amount_fen + 100")
    assert any("subsidies_subsidy" in finding for finding in _findings())

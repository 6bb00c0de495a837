"""Deemed service (视同缴费年限), the part-year account at retirement, yearly adjustments, and the pensions command."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from sirecords.accounts.models import DeemedService
from sirecords.accounts.years import contribution_years
from sirecords.benefits.models import Adjustment, Award, Payment
from sirecords.core.money import from_fen, to_fen
from sirecords.engine.params import load_params
from sirecords.engine.pension import adjust_for
from sirecords.transactions.posting import InvalidTransaction

from .test_benefits import RETIRE, benefit_findings

ARCHIVE = {"work_unit": "深圳市国营电子厂"}


def test_deemed_service_counts_towards_the_minimum_years(person_with_months, post_fresh):
    person = person_with_months(120)
    with pytest.raises(InvalidTransaction, match="120 contribution months held, 180 needed"):
        post_fresh("approve_retirement", {"person": person, **RETIRE})
    [entry] = post_fresh("recognise_deemed_service", {"person": person, "start": "1986-07", "end": "1992-07", **ARCHIVE})[:1]
    assert entry.kind == "deemed_service.recognised" and entry.payload["months"] == 73
    years = contribution_years(person).value
    assert (years.actual_months, years.deemed_months, years.contribution_months) == (120, 73, 193)
    post_fresh("approve_retirement", {"person": person, **RETIRE})
    award = Award.objects.get(person_id=person)
    assert award.contribution_months == 193
    trace = json.loads(award.trace)
    assert trace["pension"]["trace"]["inputs"]["deemed_months"] == 73  # the transitional part sees the deemed months
    assert award.transitional_fen > 0  # the demo region has a transitional coefficient
    assert benefit_findings(("benefits", "projection", "chain")) == []


@pytest.mark.parametrize(("period", "message"), [
    (("1992-01", "1992-08"), "1992-08 is not before 1992-08, when 440300's individual-contribution system began"),
    (("1979-01", "1985-12"), r"1979-01 is before the person reached 16 \(1980-06\)"),
    (("1990-05", "1990-01"), "before the start"),
])
def test_deemed_periods_outside_the_rules_are_refused(person_with_months, post_fresh, period, message):
    person = person_with_months(120)
    with pytest.raises(InvalidTransaction, match=message):
        post_fresh("recognise_deemed_service", {"person": person, "start": period[0], "end": period[1], **ARCHIVE})
    assert not DeemedService.objects.exists()


def test_overlapping_deemed_periods_are_refused(person_with_months, post_fresh):
    # (service recognised after the award is accepted, and the award recomputed: tests/benefits/test_recompute.py)
    person = person_with_months(200)
    post_fresh("recognise_deemed_service", {"person": person, "start": "1988-01", "end": "1989-12", **ARCHIVE})
    with pytest.raises(InvalidTransaction, match="overlaps the recognised period 1988-01–1989-12"):
        post_fresh("recognise_deemed_service", {"person": person, "start": "1989-06", "end": "1990-06", **ARCHIVE})
    with pytest.raises(InvalidTransaction, match="work_unit: is required"):
        post_fresh("recognise_deemed_service", {"person": person, "start": "1990-01", "end": "1990-06"})


def test_a_retirement_in_january_uses_the_prior_closing_and_a_later_year_must_be_credited_first(person_with_months,
                                                                                               post_fresh):
    # Born 1963-12: statutory retirement 2023-12, the pension from 2024-01 (次月): no part year; the balance is the
    # 2023 closing.
    person = person_with_months(200, birth=date(1963, 12, 10), last="2023-12", balance_fen=6_000_000)
    post_fresh("approve_retirement", {"person": person, "category": "male", "retirement_month": "2023-12", "flexible": False})
    [entry] = [e for e in post_fresh.posted if e.kind == "pension.awarded"]
    assert entry.payload["balance_fen"] == 6_000_000 and entry.payload["account_year"] is None
    # A man born 1965-06 retires 2025-08 (the reform delays him 2 months); his 2024 contributions are not credited yet.
    late = person_with_months(200, birth=date(1965, 6, 10), last="2025-07", balance_fen=6_000_000)
    with pytest.raises(InvalidTransaction, match=r"not credited up to 2024 \(first year missing: 2024\)"):
        post_fresh("approve_retirement", {"person": late, "category": "male", "retirement_month": "2025-08",
                                          "flexible": False})


def test_the_yearly_adjustment_raises_pensions_from_january_and_payments_follow(person_with_months, post_fresh):
    one, two = person_with_months(200), person_with_months(190)
    for person in (one, two):
        post_fresh("approve_retirement", {"person": person, **RETIRE})
    before = dict(Award.objects.values_list("uid", "total_fen"))
    post_fresh("pay_pensions", {"month": "2024-12"})
    entries = post_fresh("adjust_pensions", {"region": "440300", "year": 2025})
    assert sorted(e.kind for e in entries if e.kind != "transaction.posted") == ["pension.adjusted"] * 2
    params = load_params("440300", 2025)
    for award in Award.objects.all():
        expected = adjust_for(params, from_fen(before[award.uid]), contribution_months=award.contribution_months).value
        assert award.total_fen == to_fen(expected.after) > before[award.uid]
        assert award.awarded_fen == before[award.uid]
        adjustment = Adjustment.objects.get(award_id=award.uid, year=2025)
        assert (adjustment.before_fen, adjustment.after_fen, adjustment.from_month) == (before[award.uid], award.total_fen,
                                                                                        "2025-01")
    assert expected.increase == (from_fen(before[award.uid]) * Decimal("0.02")).quantize(Decimal("0.01"))
    with pytest.raises(InvalidTransaction, match="no pension award of 440300 to adjust for 2025"):
        post_fresh("adjust_pensions", {"region": "440300", "year": 2025})  # once per year
    post_fresh("pay_pensions", {"month": "2025-01"})
    paid_december = dict(Payment.objects.filter(month="2024-12").values_list("award_id", "amount_fen"))
    paid_january = dict(Payment.objects.filter(month="2025-01").values_list("award_id", "amount_fen"))
    assert paid_december == before and paid_january == dict(Award.objects.values_list("uid", "total_fen"))
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_an_adjustment_published_mid_year_is_paid_back_for_the_months_already_paid(person_with_months, post_fresh):
    post_fresh("approve_retirement", {"person": person_with_months(200), **RETIRE})
    award = Award.objects.get()
    old = award.total_fen
    for month in ("2025-01", "2025-02", "2025-03"):
        post_fresh("pay_pensions", {"month": month})
    post_fresh("adjust_pensions", {"region": "440300", "year": 2025})
    award.refresh_from_db()
    adjustment = Adjustment.objects.get()
    assert adjustment.back_pay_fen == 3 * (award.total_fen - old) > 0  # three months paid at the old amount
    post_fresh("pay_pensions", {"month": "2025-04"})
    april = Payment.objects.get(month="2025-04")
    assert (april.amount_fen, april.back_pay_fen) == (award.total_fen, 3 * (award.total_fen - old))
    post_fresh("pay_pensions", {"month": "2025-05"})
    assert Payment.objects.get(month="2025-05").back_pay_fen == 0  # paid back once
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_adjustments_go_year_by_year(person_with_months, post_fresh):
    post_fresh("approve_retirement", {"person": person_with_months(200), **RETIRE})
    post_fresh("pay_pensions", {"month": "2026-01"})
    with pytest.raises(InvalidTransaction, match="the pensions of 2026-01, after 2025, are already paid"):
        post_fresh("adjust_pensions", {"region": "440300", "year": 2025})
    with pytest.raises(InvalidTransaction, match="no pension adjustment for 440300 2000"):
        post_fresh("adjust_pensions", {"region": "440300", "year": 2000})


def test_the_pensions_command_opens_reviewed_runs(person_with_months, post_fresh, staff, capsys):
    from sirecords.workflow.models import BusinessTransaction

    post_fresh("approve_retirement", {"person": person_with_months(200), **RETIRE})
    staff("m.cli", "maintainer")
    call_command("pensions", "adjust", "--year", "2025", "--actor", "m.cli", "--reason", "2025 调整", "--json")
    adjusted = json.loads(capsys.readouterr().out)
    assert adjusted["award_count"] == 1 and adjusted["awaiting"] == "review1"
    call_command("pensions", "pay", "--month", "2024-07", "--actor", "m.cli", "--reason", "7月发放")
    out = capsys.readouterr().out
    assert "1 payments" in out and "awaiting review1" in out
    kinds = set(BusinessTransaction.objects.values_list("type", flat=True))
    assert {"adjust_pensions", "pay_pensions"} <= kinds
    assert not Payment.objects.exists()  # opened and submitted only: the reviewers post it
    with pytest.raises(SystemExit) as exit_info:
        call_command("pensions", "pay", "--month", "2024-13", "--actor", "m.cli", "--reason", "x")
    assert exit_info.value.code == 1 and "month must be between 1 and 12" in capsys.readouterr().err


def test_the_annual_run_leaves_out_the_retirement_year_and_later_years(staff):
    from sirecords.accounts.crediting import plan_year
    from sirecords.demo.sample_benefits import post_sample_award

    person = Award.objects.get(uid=post_sample_award(staff)).person_id  # retired 2024-06, credited up to 2023
    assert plan_year("440300", 2023).accounts == 1  # still an account in 2023 (credited already: nothing to post)
    for year in (2024, 2025):
        plan = plan_year("440300", year)
        assert person not in {row[0] for row in plan.rows} and plan.accounts == 0


def test_a_death_before_retirement_closes_the_account_with_the_part_year(person_with_months, post_fresh):
    from sirecords.accounts.crediting import plan_year
    from sirecords.benefits.models import AccountClosure
    from sirecords.engine.crediting import credit_account_year

    person = person_with_months(120, last="2024-05", balance_fen=5_000_000)  # 2023 closing 50,000.00
    [entry] = [e for e in post_fresh("record_death", {"person": person, "date": "2024-03-20"}) if e.kind != "transaction.posted"]
    assert entry.kind == "account.closed"
    expected = credit_account_year(load_params("440300", 2024), Decimal("50000.00"), [from_fen(900_000 // 12)] * 3,
                                   months=3).value
    closure = AccountClosure.objects.get(person_id=person)
    assert (closure.year, closure.months, closure.balance_fen) == (2024, 3, to_fen(expected.year_end))
    assert entry.payload["account_year"]["credits_fen"] == 3 * (900_000 // 12)  # January to March, the month of death
    assert person not in {row[0] for row in plan_year("440300", 2024).rows}  # the annual run leaves the closed account
    from sirecords.records.personal import account_closure
    from sirecords.registry.models import Person

    assert account_closure(Person.objects.get(uid=person)) == {"reason": "death", "date": "2024-03-20", "year": 2024,
                                                               "months": 3, "balance": f"{expected.year_end:.2f}"}
    with pytest.raises(InvalidTransaction, match="already recorded"):
        post_fresh("record_death", {"person": person, "date": "2024-03-20"})
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_a_death_without_award_or_account_is_refused(post_fresh):
    from sirecords.core.identifiers import make_id_number

    person = post_fresh("register_person", {"id_number": make_id_number("440305", date(1990, 1, 1), 77), "name": "某人",
                                            "region": "440305"})[0].payload["person"]
    with pytest.raises(InvalidTransaction, match="no pension award and no individual account"):
        post_fresh("record_death", {"person": person, "date": "2024-03-20"})

"""Recomputation (重新核定) of an award for each trigger, its settlement month by month (back pay 补发, or an
overpayment 多发 deducted from later payment runs, never a negative payment), and the correction of a wrong award
input (reversal + the right award, in the maintenance log). Old versions stay readable."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from sirecords.benefits.models import Award, Payment, Recomputation
from sirecords.engine import params as params_module
from sirecords.engine.params import load_params
from sirecords.parameters import queries
from sirecords.parameters.transactions import parameter_payload
from sirecords.records.personal import pension
from sirecords.registry.maintenance_log import maintenance_log
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction

from .test_benefits import RETIRE, benefit_findings

ARCHIVE = {"work_unit": "深圳市国营电子厂"}


@pytest.fixture
def published(monkeypatch, tmp_path, post_fresh):
    """published({"national/2025.toml": (old, new)}) → the package's parameter files with those texts replaced, the
    sets of `years` loaded as the ledger holds them; the original files come back after the test."""

    original = params_module.DATA_DIR

    def change(replacements: dict[str, tuple[str, str]], years=(2025,)):
        data = tmp_path / f"data{len(list(tmp_path.iterdir()))}"
        shutil.copytree(original, data)
        for name, (old, new) in replacements.items():
            text = (data / name).read_text(encoding="utf-8")
            assert old in text, (name, old)
            (data / name).write_text(text.replace(old, new), encoding="utf-8")
        monkeypatch.setattr(params_module, "DATA_DIR", data)
        _clear()
        for year in years:
            params = load_params("440300", year)
            if queries.loaded_param_set(params.version) is None:
                post_fresh("load_rule_parameters", parameter_payload(params))

    yield change
    monkeypatch.undo()
    _clear()


def _clear():
    params_module.clear_cache()
    queries.params_for_month.cache_clear()


def _pay(post_fresh, *months):
    for month in months:
        post_fresh("pay_pensions", {"month": month})


def _paid(award, month):
    row = Payment.objects.get(award_id=award, month=month)
    return row.amount_fen, row.back_pay_fen


def test_late_recognition_recomputes_with_back_pay(person_with_months, post_fresh):
    person = person_with_months(200)
    post_fresh("approve_retirement", {"person": person, **RETIRE})
    award = Award.objects.get(person_id=person)
    old = award.total_fen
    _pay(post_fresh, "2024-07", "2024-08", "2024-09")
    with pytest.raises(InvalidTransaction, match="nothing recognised since the award: 200 contribution months"):
        post_fresh("recompute_award", {"person": person, "trigger": "late_recognition"})
    # 24 months of deemed service (1988-01 … 1989-12) recognised after the award: accepted, then the award recomputed
    post_fresh("recognise_deemed_service", {"person": person, "start": "1988-01", "end": "1989-12", **ARCHIVE})
    [entry] = [e for e in post_fresh("recompute_award", {"person": person, "trigger": "late_recognition"})
               if e.kind == "pension.recomputed"]
    p = entry.payload
    award.refresh_from_db()
    new = award.total_fen
    assert (p["version"], award.version, p["contribution_months"], award.contribution_months) == (2, 2, 224, 224)
    assert p["before"]["total_fen"] == old and p["before"]["contribution_months"] == 200 and new == p["after_fen"] > old
    # each month paid (2024-07 … 09) differs by new − old; back pay = 3 × (new − old)
    assert [(m["month"], m["before_fen"], m["after_fen"], m["difference_fen"]) for m in p["months"]] == [
        (month, old, new, new - old) for month in ("2024-07", "2024-08", "2024-09")]
    assert (p["back_pay_fen"], p["overpayment_fen"], p["from_month"]) == (3 * (new - old), 0, "2024-10")
    assert WORKED["late_recognition"] == (old, new, p["back_pay_fen"])
    # the next run pays the new amount and the back pay; the one after, the new amount alone
    _pay(post_fresh, "2024-10", "2024-11")
    assert _paid(award.uid, "2024-10") == (new, 3 * (new - old)) and _paid(award.uid, "2024-11") == (new, 0)
    # the old version stays readable: the recomputation row keeps the amount before, the ledger both versions
    version = Recomputation.objects.get(award_id=award.uid)
    assert (version.before_fen, version.after_fen, version.trigger) == (old, new, "late_recognition")
    shown = pension(Person.objects.get(uid=person))  # the retiree's record
    assert shown["version"] == 2 and shown["versions"] == [{
        "version": 2, "trigger": "late_recognition", "retirement_month": "2024-06", "start_month": "2024-07",
        "from_month": "2024-10", "before": "3113.96", "after": "3694.45", "months_settled": 3, "back_pay": "1741.47",
        "overpayment": "0.00"}]
    # a second late recognition (1990-01 … 1990-12): version 3; the five months paid (07 … 09 settled to version 2,
    # 10 and 11 paid at it) each differ by v3 − v2
    post_fresh("recognise_deemed_service", {"person": person, "start": "1990-01", "end": "1990-12", **ARCHIVE})
    [third] = [e.payload for e in post_fresh("recompute_award", {"person": person, "trigger": "late_recognition"})
               if e.kind == "pension.recomputed"]
    v3 = third["after_fen"]
    assert third["version"] == 3 and third["contribution_months"] == 236 and v3 > new
    assert [(m["month"], m["before_fen"], m["difference_fen"]) for m in third["months"]] == [
        (month, new, v3 - new) for month in ("2024-07", "2024-08", "2024-09", "2024-10", "2024-11")]
    assert third["back_pay_fen"] == 5 * (v3 - new)
    award.refresh_from_db()
    assert (award.version, award.awarded_fen, award.total_fen) == (3, v3, v3)
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_official_rate_recomputes_the_part_year(person_with_months, post_fresh, published):
    # born 1965-06 (statutory 2025-08): the part year 2025-01 … 08 credited at the provisional 2.62 %
    person = person_with_months(200, birth=date(1965, 6, 15), last="2025-08", credited=2024)
    post_fresh("approve_retirement", {"person": person, **RETIRE, "retirement_month": "2025-08"})
    award = Award.objects.get(person_id=person)
    old = award.total_fen
    _pay(post_fresh, "2025-09", "2025-10")
    with pytest.raises(InvalidTransaction, match="not loaded yet: the rate is still provisional"):
        post_fresh("recompute_award", {"person": person, "trigger": "official_rate"})
    with pytest.raises(InvalidTransaction, match="not made on a provisional pension base|not a provisional one"):
        post_fresh("recompute_award", {"person": person, "trigger": "pension_base"})
    published({"national/2025.toml": ('crediting_rate = "0.0262"\ncrediting_rate_status = "provisional"',
                                      'crediting_rate = "0.0300"\ncrediting_rate_status = "official"')})
    [entry] = [e for e in post_fresh("recompute_award", {"person": person, "trigger": "official_rate"})
               if e.kind == "pension.recomputed"]
    p = entry.payload
    assert p["account_year"]["rate"] == "0.0300" and p["account_year"]["rate_status"] == "official"
    new = p["after_fen"]
    assert (p["back_pay_fen"], p["overpayment_fen"]) == (2 * (new - old), 0) and new > old
    assert WORKED["official_rate"] == (old, new, p["back_pay_fen"])


def test_pension_base_published_after_a_provisional_award(person_with_months, post_fresh, published):
    # the 2025 计发基数 not yet published: the award is made on 2024's (10123.00), provisionally
    person = person_with_months(200, birth=date(1965, 6, 15), last="2025-08", credited=2024)
    published({"440300/2025.toml": ('pension_base = "10629.00"', '')})
    [awarded] = [e for e in post_fresh("approve_retirement", {"person": person, **RETIRE, "retirement_month": "2025-08"})
                 if e.kind == "pension.awarded"]
    assert (awarded.payload["pension_base"], awarded.payload["pension_base_year"]) == ("10123.00", 2024)
    assert awarded.payload["pension_base_provisional"] is True
    old = awarded.payload["total_fen"]
    _pay(post_fresh, "2025-09", "2025-10", "2025-11")
    with pytest.raises(InvalidTransaction, match="计发基数 of 2025 is not published"):
        post_fresh("recompute_award", {"person": person, "trigger": "pension_base"})
    published({})  # the 2025 file as published (the set the module loaded)
    [entry] = [e for e in post_fresh("recompute_award", {"person": person, "trigger": "pension_base"})
               if e.kind == "pension.recomputed"]
    p = entry.payload
    assert (p["pension_base"], p["pension_base_provisional"]) == ("10629.00", False)
    new = p["after_fen"]
    assert p["back_pay_fen"] == 3 * (new - old) and WORKED["pension_base"] == (old, new, p["back_pay_fen"])


def test_a_corrected_retirement_month_is_an_overpayment_deducted_over_later_runs(person_with_months, post_fresh):
    # born 1965-06 (statutory 2025-08, window 2025-06 … 2028-08), awarded by mistake as an early retirement in
    # 2025-06 (paid from 2025-07); the right retirement month is the statutory 2025-08 (paid from 2025-09).
    person = person_with_months(200, birth=date(1965, 6, 15), last="2025-08", credited=2024)
    post_fresh("approve_retirement", {"person": person, **RETIRE, "retirement_month": "2025-06", "flexible": True})
    award = Award.objects.get(person_id=person)
    old = award.total_fen
    _pay(post_fresh, "2025-07", "2025-08", "2025-09")
    with pytest.raises(InvalidTransaction, match="nothing to correct"):
        post_fresh("correct_award", {"person": person, "category": "male", "retirement_month": "2025-06", "flexible": True,
                                     "reason": "x"})
    entries = post_fresh("correct_award", {"person": person, "category": "male", "retirement_month": "2025-08",
                                           "flexible": False, "reason": "退休月份录入错误，应为法定退休月份"})
    reversal, p = (e.payload for e in entries if e.kind in ("award.corrected", "pension.recomputed"))
    assert reversal["before"]["retirement_month"] == "2025-06" and reversal["after"]["retirement_month"] == "2025-08"
    assert reversal["reverses_version"] == 1 and p["version"] == 2 and p["trigger"] == "correction"
    new = p["after_fen"]
    # 2025-07 and 08 are no longer due (−old each); 2025-09 is due at the new amount (new − old)
    assert [(m["month"], m["difference_fen"]) for m in p["months"]] == [
        ("2025-07", -old), ("2025-08", -old), ("2025-09", new - old)]
    overpaid = 2 * old - (new - old)
    assert (p["back_pay_fen"], p["overpayment_fen"]) == (0, overpaid)
    assert WORKED["correction"] == (old, new, overpaid)
    award.refresh_from_db()
    assert (award.start_month, award.total_fen, award.version) == ("2025-09", new, 2)
    # deducted run after run, at most the month's amount: nothing paid in 2025-10, the rest in 2025-11, whole in 12
    _pay(post_fresh, "2025-10", "2025-11", "2025-12")
    assert _paid(award.uid, "2025-10") == (new, -new)
    assert _paid(award.uid, "2025-11") == (new, -(overpaid - new))
    assert _paid(award.uid, "2025-12") == (new, 0)
    assert all(amount + back >= 0 for amount, back in Payment.objects.values_list("amount_fen", "back_pay_fen"))
    # the maintenance log records the correction with before and after
    [record] = [r for r in maintenance_log() if r.target == "benefits_award"]
    assert record.kind == "修正" and {c.field: (c.before, c.after) for c in record.changes}["retirement_month"] == (
        "2025-06", "2025-08")
    assert benefit_findings(("benefits", "projection", "chain")) == []


def test_bad_triggers_and_no_award_are_refused(person_with_months, post_fresh):
    person = person_with_months(200)
    with pytest.raises(InvalidTransaction, match="has no pension award in payment"):
        post_fresh("recompute_award", {"person": person, "trigger": "official_rate"})
    post_fresh("approve_retirement", {"person": person, **RETIRE})
    with pytest.raises(InvalidTransaction, match="trigger: must be one of official_rate, late_recognition, pension_base"):
        post_fresh("recompute_award", {"person": person, "trigger": "whim"})
    with pytest.raises(InvalidTransaction, match="not credited at a provisional rate"):
        post_fresh("recompute_award", {"person": person, "trigger": "official_rate"})  # 2024's rate is official


# (monthly pension before, after, back pay or overpayment) of each worked case, in fen; docs/benefits.md works them.
WORKED = {"late_recognition": (311396, 369445, 174147), "official_rate": (312082, 312309, 454), "pension_base": (301653, 312082, 31287),
          "correction": (308167, 312082, 612419)}

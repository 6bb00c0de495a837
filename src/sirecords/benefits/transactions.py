"""Benefit transactions: approve_retirement, suspend_benefit, resume_benefit, record_death, pay_pensions.

Each is reviewed through the workflow (stages.toml) and posts ledger entries; `projections.py` keeps
benefits_award current. The pension's figures are the rules engine's, computed again at posting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy

from sirecords.benefits import payments
from sirecords.benefits.compute import account_part_year, compute_award, latest_account_year, monthly_bases
from sirecords.benefits.kinds import (
    ACCOUNT_CLOSED,
    ELIGIBILITY_APPROVED,
    PENSION_AWARDED,
    PENSION_ENDED,
    PENSION_PAYMENTS_MADE,
    PENSION_RESUMED,
    PENSION_SUSPENDED,
)
from sirecords.benefits.models import AccountClosure, Award, AwardStatus
from sirecords.core.money import InvalidInput, yuan_or_blank
from sirecords.core.periods import Month
from sirecords.engine.params import ParameterError
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.parameters.queries import pooling_region
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type
from sirecords.transactions.validation import Errors, a_date, a_month, text

APPROVED, AWARDED = ELIGIBILITY_APPROVED, PENSION_AWARDED
SUSPENDED, RESUMED, ENDED = PENSION_SUSPENDED, PENSION_RESUMED, PENSION_ENDED


def _describe_retirement(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added("person", "人员 person", payload.get("person")), added("category", "类别 category", payload.get("category")),
            added("retirement_month", "退休月份 retirement month", payload.get("retirement_month")),
            added("flexible", "弹性退休 flexible", payload.get("flexible"))]


@transaction_type("approve_retirement", gettext_lazy("Retirement approval and pension award"),
                  creators=("clerk",), documents=("id_card",), describe=_describe_retirement)
def approve_retirement(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    award = compute_award(payload)
    person = award["person"]
    if Award.objects.filter(person_id=person).exclude(status=AwardStatus.ENDED).exists():
        raise InvalidTransaction({"person": "already has a pension award"})
    subject = f"award:{ctx.txn}"
    eligibility = {key: award[key] for key in ("person", "region", "category", "retirement_month", "start_month", "flexible", "age",
                                               "contribution_months", "minimum_months", "rule_version")}
    return [NewEntry(APPROVED, f"person:{person}", eligibility, effective=f"{award['start_month']}-01"),
            NewEntry(AWARDED, subject, {"award": ctx.txn, **award}, effective=f"{award['start_month']}-01")]


def _award_of(payload: dict[str, Any], *statuses: str) -> Award:
    person = payload.get("person") or ""
    award = Award.objects.filter(person_id=person, status__in=statuses).order_by("-last_seq").first()
    if award is None:
        raise InvalidTransaction({"person": f"has no {' or '.join(statuses)} pension award"})
    return award


def _reason(payload: dict[str, Any]) -> str:
    errors = Errors()
    reason = text(payload, "reason", errors, required=True, max_length=500, multiline=True)
    errors.raise_if_any()
    return reason


def _describe_change(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [added(name, name, payload.get(name)) for name in ("person", "reason", "date") if name in payload]


DEATH_DOCUMENTS = ("death_medical_certificate", "cremation_certificate", "household_deregistration")  # any one (第六条)


@transaction_type("suspend_benefit", gettext_lazy("Suspend a pension"), creators=("clerk",), documents=("suspension_basis",),
                  describe=_describe_change)
def suspend_benefit(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    reason = _reason(payload)
    award = _award_of(payload, AwardStatus.ACTIVE)
    return [NewEntry(SUSPENDED, f"award:{award.uid}", {"award": award.uid, "person": award.person_id, "reason": reason})]


@transaction_type("resume_benefit", gettext_lazy("Resume a pension"), creators=("clerk",), documents=("resumption_basis",),
                  describe=_describe_change)
def resume_benefit(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    reason = _reason(payload)
    award = _award_of(payload, AwardStatus.SUSPENDED)
    return [NewEntry(RESUMED, f"award:{award.uid}", {"award": award.uid, "person": award.person_id, "reason": reason})]


@transaction_type("record_death", gettext_lazy("Record a death: the pension ends, or the account closes"), creators=("clerk",),
                  documents=(DEATH_DOCUMENTS,), describe=_describe_change)
def record_death(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """A retiree's death ends the pension (paid up to the month of death). An insured person's death before
    retirement closes the individual account: the year of death is credited as a part year up to the month
    of death, and the balance is recorded as payable to the heirs."""
    errors = Errors()
    died = a_date(payload, "date", errors)
    errors.raise_if_any()
    person = payload.get("person") or ""
    if not Award.objects.filter(person_id=person).exists():
        return [_close_account(person, died, payload)]
    award = _award_of(payload, AwardStatus.ACTIVE, AwardStatus.SUSPENDED)
    end = Month(died.year, died.month) + 1
    return [NewEntry(ENDED, f"award:{award.uid}", {"award": award.uid, "person": award.person_id, "died_on": died.isoformat(),
                                                    "end_month": str(end), "reason": payload.get("reason") or "death"},
                     effective=died.isoformat())]


def _close_account(person: str, died: dt.date, payload: dict[str, Any]) -> NewEntry:
    if not Person.objects.filter(uid=person).exists():
        raise InvalidTransaction({"person": "no registered person with this uid"})
    if AccountClosure.objects.filter(person_id=person).exists():
        raise InvalidTransaction({"person": "the death is already recorded: the account is closed"})
    if latest_account_year(person) is None and not monthly_bases(person):
        raise InvalidTransaction({"person": "has no pension award and no individual account: nothing to end or close"})
    region = pooling_region()
    try:
        balance, figures, trace = account_part_year(person, died.year, died.month, region, field="date",
                                                    event=f"a death on {died.isoformat()}")
    except (ParameterError, InvalidInput) as error:
        raise InvalidTransaction({"rules": str(error)}) from None
    return NewEntry(ACCOUNT_CLOSED, f"person:{person}", {
        "person": person, "reason": "death", "died_on": died.isoformat(), "region": region, "year": died.year,
        "months": died.month, "account_year": figures, "balance_fen": balance,
        "trace": trace.as_dict() if trace else None}, effective=died.isoformat())


def _describe_payments(payload: dict[str, Any]) -> list[dict[str, Any]]:
    total = payload.get("total_fen")
    return [added("month", "发放月份 month", payload.get("month")), added("row_count", "笔数 payments", payload.get("row_count")),
            added("total", "金额合计 total", yuan_or_blank(total)),
            added("back_pay", "其中补发 of which back pay", yuan_or_blank(payload.get("back_pay_fen"))),
            added("recovered", "扣回多发 overpayments deducted", yuan_or_blank(payload.get("recovered_fen"))),
            added("rows_root", "Merkle root", payload.get("rows_root"))]


@transaction_type("pay_pensions", gettext_lazy("Monthly pension payments"), creators=("maintainer",),
                  describe=_describe_payments)
def pay_pensions(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    month = a_month(payload, "month", errors)
    errors.raise_if_any()
    if payments.already_paid(str(month)):
        raise InvalidTransaction({"month": f"the pensions of {month} are already paid"})
    plan = payments.plan(str(month))
    if not plan:
        raise InvalidTransaction({"month": f"no active pension award to pay for {month}"})
    summary = payments.summary(str(month), plan)
    for name in ("row_count", "rows_root", "total_fen"):
        if name in payload and payload[name] != summary[name]:
            raise InvalidTransaction({"figures": f"{name} changed since it was prepared ({payload[name]} → {summary[name]}); "
                                                 "withdraw this transaction and prepare it again"})
    payments.write(str(month), plan, ctx.txn)
    held = [{"award": award, "hold": hold, "reason": reason} for award, hold, reason in payments.withheld(str(month))]
    return [NewEntry(PENSION_PAYMENTS_MADE, f"payments:{month}", {"month": str(month), "run": ctx.txn, **summary,
                                                                 **({"withheld": held} if held else {})},
                     effective=f"{month}-01")]

"""Projectors keeping benefits_award current from the benefit.* entries."""

from __future__ import annotations

import json

from sirecords.benefits.kinds import (
    ACCOUNT_CLOSED,
    INSTALMENT_AGREEMENT_SIGNED,
    OVERPAYMENT_CASE_OPENED,
    OVERPAYMENT_RECOVERED,
    PENSION_ADJUSTED,
    PENSION_AWARDED,
    PENSION_ENDED,
    PENSION_RECOMPUTED,
    PENSION_RELEASED,
    PENSION_RESTORED,
    PENSION_RESUMED,
    PENSION_SUSPENDED,
    PENSION_WITHHELD,
    SURVIVOR_BENEFITS_PAID,
)
from sirecords.benefits.models import AwardStatus
from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, existing, projects

TABLE = "benefits_award"


@projects(PENSION_AWARDED)
def pension_awarded(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(TABLE, p["award"], {
        "uid": p["award"], "person_id": p["person"], "region": p["region"], "category": p["category"],
        "start_month": p["start_month"], "end_month": "", "basic_fen": p["basic_fen"], "account_fen": p["account_fen"],
        "transitional_fen": p["transitional_fen"], "total_fen": p["total_fen"], "awarded_fen": p["total_fen"],
        "contribution_months": p["contribution_months"], "version": 1, "status": AwardStatus.ACTIVE.value,
        "rule_version": p["rule_version"], "trace": json.dumps(p["trace"], ensure_ascii=False, sort_keys=True),
        "last_seq": entry.seq})


def _change(entry: PostedEntry, store: Store, status: str, **columns) -> None:
    row = existing(store, TABLE, entry.payload["award"], entry)
    store.put(TABLE, row["uid"], {**row, "status": status, "last_seq": entry.seq, **columns})


@projects(PENSION_SUSPENDED)
def suspended(entry: PostedEntry, store: Store) -> None:
    _change(entry, store, AwardStatus.SUSPENDED.value)


@projects(PENSION_RESUMED)
def resumed(entry: PostedEntry, store: Store) -> None:
    _change(entry, store, AwardStatus.ACTIVE.value)


@projects(PENSION_ENDED)
def ended(entry: PostedEntry, store: Store) -> None:
    _change(entry, store, AwardStatus.ENDED.value, end_month=entry.payload["end_month"])


@projects(PENSION_ADJUSTED)
def pension_adjusted(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    key = f"{p['award']}:{p['year']}"
    store.put("benefits_adjustment", key, {
        "key": key, "award_id": p["award"], "person_id": p["person"], "year": p["year"], "from_month": p["from_month"],
        "before_fen": p["before_fen"], "increase_fen": p["increase_fen"], "after_fen": p["after_fen"],
        "back_pay_fen": p["back_pay_fen"], "rule_version": p["rule_version"],
        "trace": json.dumps(p["trace"], ensure_ascii=False, sort_keys=True),
        "last_seq": entry.seq})
    row = existing(store, TABLE, p["award"], entry)
    store.put(TABLE, row["uid"], {**row, "total_fen": p["after_fen"], "last_seq": entry.seq})


@projects(PENSION_RECOMPUTED)
def pension_recomputed(entry: PostedEntry, store: Store) -> None:
    """A new award version: kept with the versions before it in benefits_recomputation; the award now holds it."""
    p = entry.payload
    key = f"{p['award']}:{p['version']}"
    trace = json.dumps(p["trace"], ensure_ascii=False, sort_keys=True)
    store.put("benefits_recomputation", key, {
        "key": key, "award_id": p["award"], "person_id": p["person"], "version": p["version"], "trigger": p["trigger"],
        "category": p["category"], "retirement_month": p["retirement_month"], "start_month": p["start_month"],
        "from_month": p["from_month"], "basic_fen": p["basic_fen"], "account_fen": p["account_fen"],
        "transitional_fen": p["transitional_fen"], "awarded_fen": p["total_fen"], "after_fen": p["after_fen"],
        "before_fen": p["before_fen"], "months_settled": p["months_settled"], "back_pay_fen": p["back_pay_fen"],
        "overpayment_fen": p["overpayment_fen"], "rule_version": p["rule_version"], "trace": trace, "txn": entry.txn,
        "last_seq": entry.seq})
    row = existing(store, TABLE, p["award"], entry)
    store.put(TABLE, row["uid"], {**row, "category": p["category"], "start_month": p["start_month"],
                                  "basic_fen": p["basic_fen"], "account_fen": p["account_fen"],
                                  "transitional_fen": p["transitional_fen"], "awarded_fen": p["total_fen"],
                                  "total_fen": p["after_fen"],
                                  "contribution_months": p["contribution_months"], "version": p["version"],
                                  "rule_version": p["rule_version"], "trace": trace, "last_seq": entry.seq})


@projects(ACCOUNT_CLOSED)
def account_closed(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put("benefits_account_closure", p["person"], {
        "person_id": p["person"], "reason": p["reason"], "on_date": p["died_on"], "year": p["year"], "months": p["months"],
        "balance_fen": p["balance_fen"], "txn": entry.txn, "last_seq": entry.seq})


HOLDS = "benefits_payment_hold"


@projects(PENSION_WITHHELD)
def withheld(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(HOLDS, p["hold"], {"uid": p["hold"], "award_id": p["award"], "person_id": p["person"], "reason": p["reason"],
                                 "held_at": entry.recorded_at, "released_at": "", "back_pay_fen": 0, "last_seq": entry.seq})


@projects(PENSION_RESTORED)
def restored(entry: PostedEntry, store: Store) -> None:
    """The award paid again (no end month); the months it was stopped owed as back pay, as a hold released at once."""
    p = entry.payload
    _change(entry, store, AwardStatus.ACTIVE.value, end_month="")
    store.put(HOLDS, p["hold"], {"uid": p["hold"], "award_id": p["award"], "person_id": p["person"], "reason": p["reason"],
                                 "held_at": entry.recorded_at, "released_at": entry.recorded_at,
                                 "back_pay_fen": p["back_pay_fen"], "last_seq": entry.seq})


@projects(PENSION_RELEASED)
def released(entry: PostedEntry, store: Store) -> None:
    row = existing(store, HOLDS, entry.payload["hold"], entry)
    store.put(HOLDS, row["uid"], {**row, "released_at": entry.recorded_at, "back_pay_fen": entry.payload["back_pay_fen"],
                                  "last_seq": entry.seq})


CASES = "benefits_overpayment_case"


@projects(OVERPAYMENT_CASE_OPENED)
def overpayment_case_opened(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put(CASES, p["case"], {"uid": p["case"], "person_id": p["person"], "award_id": p["award"],
                                 "months": json.dumps(p["months"]), "overpaid_fen": p["overpaid_fen"], "recovered_fen": 0,
                                 "received_by_sealed": p["received_by_sealed"], "relation": p["relation"], "agreement": "",
                                 "opened_at": entry.recorded_at, "last_seq": entry.seq})


def _case(entry: PostedEntry, store: Store) -> dict:
    return existing(store, CASES, entry.payload["case"], entry)


@projects(OVERPAYMENT_RECOVERED)
def overpayment_recovered(entry: PostedEntry, store: Store) -> None:
    row = _case(entry, store)
    store.put(CASES, row["uid"], {**row, "recovered_fen": row["recovered_fen"] + entry.payload["amount_fen"],
                                  "last_seq": entry.seq})


@projects(INSTALMENT_AGREEMENT_SIGNED)
def instalment_agreement_signed(entry: PostedEntry, store: Store) -> None:
    row = _case(entry, store)
    p = entry.payload
    agreement = {"monthly_fen": p["monthly_fen"], "first_month": p["first_month"], "months": p["months"]}
    store.put(CASES, row["uid"], {**row, "agreement": json.dumps(agreement, sort_keys=True, separators=(",", ":")),
                                  "last_seq": entry.seq})


@projects(SURVIVOR_BENEFITS_PAID)
def survivor_benefits_paid(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put("benefits_survivor_claim", p["person"], {
        "person_id": p["person"], "claim": p["claim"], "claimant_sealed": p["claimant_sealed"], "relation": p["relation"],
        **{key: p[key] for key in ("funeral_grant_fen", "survivors_pension_fen", "inheritance_fen", "offset_fen", "paid_fen",
                                   "rule_version")}, "last_seq": entry.seq})

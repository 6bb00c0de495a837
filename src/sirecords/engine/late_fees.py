"""Late fees on contributions paid after their due date (滞纳金, 社会保险法 第八十六条).

An employer that does not pay in full and on time is ordered to pay, and a late fee of 0.05 % (万分之五)
of the amount owed is added for each day "from the day the payment fell due" (自欠缴之日起). The first
day counted is the day after the due date; the payment date is counted::

    days = max(0, paid − due)             (2025-01-31 → 2025-03-15: 43 days)
    fee  = amount × daily_rate × days     rounded once to the fen (1,000.00 × 0.0005 × 43 = 21.50)

The due date of contribution month P comes from the region's ``[late_fee]`` parameters
(``due_months_after`` months after P, on ``due_day``, clipped to that month's last day); the daily rate
from ``[late_fee] daily_rate``. A payment on or before the due date owes nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sirecords.core.money import exact, parse_amount, parse_rate, round_money, show
from sirecords.core.periods import Month, as_date, as_month
from sirecords.engine.params import LATE_FEE_DAILY_RATE, ParamSet
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["DAILY_RATE", "LateFee", "due_date", "late_fee", "late_fee_for"]

DAILY_RATE = LATE_FEE_DAILY_RATE
MAX_DAILY_RATE = Decimal("0.01")


@dataclass(frozen=True)
class LateFee:
    amount: Decimal  # the contribution paid late
    due: date
    paid: date
    days: int  # from the day after `due` through `paid`
    daily_rate: Decimal
    fee: Decimal


def late_fee(amount, due, paid, *, daily_rate=DAILY_RATE, rounding: str = "half_up",
             version: str | None = None) -> Result[LateFee]:
    """The late fee on `amount` due on `due` and paid on `paid`."""
    amount = parse_amount(amount, "amount")
    due = as_date(due, "due date")
    paid = as_date(paid, "payment date")
    daily_rate = parse_rate(daily_rate, "daily late-fee rate", maximum=MAX_DAILY_RATE)
    round_money(Decimal(0), rounding)  # rejects an unknown rounding mode
    days = max(0, (paid - due).days)
    with exact():
        fee_exact = amount * daily_rate * days
        fee = round_money(fee_exact, rounding)
    t = TraceBuilder("late_fee", version, {"amount": amount, "due": due, "paid": paid, "daily_rate": daily_rate,
                                           "rounding": rounding})
    t.step("days", "滞纳天数 = 自应缴之日次日起至缴纳之日 (含)", "days late = from the day after the due date through the payment date",
           f"{paid} − {due} = {(paid - due).days} → {days}", days)
    t.step("fee", "滞纳金 = 欠缴金额 × 日费率 × 滞纳天数", "late fee = amount owed × daily rate × days late",
           f"{amount} × {daily_rate} × {days} = {show(fee_exact)} → {fee}", fee)
    return t.result(LateFee(amount, due, paid, days, daily_rate, fee))


def due_date(period, params: ParamSet) -> date:
    """The date by which contribution month `period` (Month or "YYYY-MM") is due under `params`."""
    month: Month = as_month(period, "contribution month")
    due_month = month + params.late_fee_due_months_after
    last = calendar.monthrange(due_month.year, due_month.month)[1]
    return date(due_month.year, due_month.month, min(params.late_fee_due_day, last))


def late_fee_for(params: ParamSet, amount, period, paid) -> Result[LateFee]:
    """The late fee on contribution month `period`'s `amount` paid on `paid`: the due date, daily rate and
    contribution rounding of `params` (the set governing that month)."""
    month = as_month(period, "contribution month")
    due = due_date(month, params)
    fee = late_fee(amount, due, paid, daily_rate=params.late_fee_daily_rate, rounding=params.rounding("contribution"),
                   version=params.version)
    t = TraceBuilder("late_fee.for_period", params.version, {**fee.trace.inputs, "period": month})
    t.step("due", "应缴日期 = 费款所属期后第 N 个月的缴费截止日", "due date = the due day of the month N months after the period",
           f"{month} + {params.late_fee_due_months_after} 个月 months, 第 day {params.late_fee_due_day} → {due}", due)
    t.include("fee", fee.trace)
    return t.result(fee.value)

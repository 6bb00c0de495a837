"""The information table (信息表) and the funds of a transfer, from a person's record given as plain data: the ONE
computation the region left runs to send (transfer_out, the package) and the joining region runs again on the proven
content of the package to receive (transfer_in), so what is received is recomputed, never copied.

Input (`Record`):
- `rows`: the person's pension contribution rows as stored here ({batch, row, period, base_fen, employer_fen,
  individual_fen, account_credit_fen, paid_on, kind}); `reversed`: the (batch, row) no longer counting;
- `received`: months received here with an earlier transfer ({region, period, base_fen}) — they move on too;
- `deemed`: deemed service ({region, start, end, months, work_unit}) — it travels with the record (AAE200);
- `account_years`: the credited years ({year, opening_fen, credits_fen, interest_on_prior_fen,
  interest_on_credits_fen, closing_fen}), the current row of each;
- `received_accounts`: accounts received with earlier transfers ({year, amount_fen});
- `region`: this record's region; `year`: the transfer year.

Rules (engine/transfers.py for the funds; docs/transfers.md "Funds"):
- a row counts when paid and not reversed (contributions/counted.py's definition); a month in arrears (unpaid, nothing
  of it counting) stays behind, listed; an arrears payment (补缴) batch of 36+ months for the person is a lump sum of
  3+ years and stays behind (人社厅发〔2019〕94号) — the documents that would let it move are not in the record;
- ③ this year's principal: the account credits of the counted months of the transfer year (by period), plus an
  account received this year; ② the account to last year-end: the closing of the last year credited before the
  transfer year, plus the credits of counted months after it and before the transfer year (principal not yet
  credited), less ①'s months' credits; ① before 1998: the person's own contributions (individual_fen) of months
  before 1998-01 (without interest: the record holds no pre-1998 interest of its own);
- ⑤ 12 % of Σ base over every counted month since 1998-01 that moves (rounded half-up once); ④ = ①+②+③; ⑥ = ④+⑤.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sirecords.core.money import fen_to_yuan
from sirecords.core.periods import Month
from sirecords.engine import transfers as rules

LUMP_SUM_MONTHS = 36  # 人社厅发〔2019〕94号: a back-payment of 3 years or more
ARREARS_PAYMENT = "arrears_payment"


@dataclass
class Record:
    region: str
    year: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    reversed: set[tuple[str, int]] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)
    deemed: list[dict[str, Any]] = field(default_factory=list)
    account_years: list[dict[str, Any]] = field(default_factory=list)
    received_accounts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Figures:
    rows: list[dict[str, Any]]  # the table's rows, as the package carries them
    funds: dict[str, str]  # ① … ⑥ in yuan, and what stays behind
    months: list[dict[str, Any]]  # every month that moves: {region, period, base_fen}
    deemed: list[dict[str, Any]]
    deemed_months: int
    fen: rules.TransferFunds


def _counting(record: Record) -> tuple[dict[str, dict], list[str]]:
    """The counted row of each month (one per month: the first in period order, a month paid twice counts once), and
    the months in arrears (a row unpaid and nothing of its month counting)."""
    counted: dict[str, dict] = {}
    unpaid: set[str] = set()
    for row in sorted(record.rows, key=lambda r: (r["period"], r["batch"], r["row"])):
        if (row["batch"], row["row"]) in record.reversed:
            continue
        if row["paid_on"]:
            counted.setdefault(row["period"], row)
        else:
            unpaid.add(row["period"])
    return counted, sorted(unpaid - counted.keys())


def _lump_sums(counted: dict[str, dict]) -> set[str]:
    """Months paid by an arrears-payment batch of 36+ months for the person (a lump sum of 3+ years)."""
    by_batch: dict[str, list[str]] = defaultdict(list)
    for period, row in counted.items():
        if row.get("kind") == ARREARS_PAYMENT:
            by_batch[row["batch"]].append(period)
    return {period for periods in by_batch.values() if len(periods) >= LUMP_SUM_MONTHS for period in periods}


def _rate(part: int, base: int) -> str:
    if not base:
        return "0"
    return str((Decimal(part) / Decimal(base)).quantize(Decimal("0.0001")).normalize())


def _runs(months: list[tuple[Month, int, str]], paid: bool = True, lump_sum: bool = False) -> list[rules.ContributionRun]:
    return [rules.ContributionRun(region, base, months=(month,), paid=paid, lump_sum=lump_sum)
            for month, base, region in months]


def _account(record: Record, counted: dict[str, dict], moving: set[str]) -> rules.AccountFigures:
    year = record.year
    credited = sorted((y for y in record.account_years if y["year"] < year), key=lambda y: y["year"])
    last = credited[-1] if credited else None
    last_year = last["year"] if last else None
    pre1998 = sum(row["individual_fen"] for period, row in counted.items() if period < "1998-01" and period in moving)
    pre1998_credits = sum(row["account_credit_fen"] for period, row in counted.items()
                          if period < "1998-01" and period in moving)
    uncredited = sum(row["account_credit_fen"] for period, row in counted.items()
                     if period in moving and (last_year is None or int(period[:4]) > last_year) and int(period[:4]) < year)
    received_before = sum(a["amount_fen"] for a in record.received_accounts
                          if a["year"] < year and (last_year is None or a["year"] > last_year))
    to_last_year_end = (last["closing_fen"] if last else 0) + uncredited + received_before - pre1998_credits
    this_year = (sum(row["account_credit_fen"] for period, row in counted.items()
                     if period in moving and int(period[:4]) == year)
                 + sum(a["amount_fen"] for a in record.received_accounts if a["year"] == year))
    return rules.AccountFigures(max(pre1998, 0), max(to_last_year_end, 0), max(this_year, 0))


def figures(record: Record) -> Figures:
    """The table and the funds of `record` (engine.transfers for the arithmetic). InvalidInput from the engine when
    the record is not consistent (a month twice in one region)."""
    counted, arrears = _counting(record)
    lump = _lump_sums(counted)
    own = [(Month.parse(period), row["base_fen"], record.region) for period, row in counted.items() if period not in lump]
    received = [(Month.parse(m["period"]), m["base_fen"], m["region"]) for m in record.received
                if m["period"] not in counted]  # a month paid here and received too counts once (先转后清)
    owed = [(Month.parse(period), 0, record.region) for period in arrears]
    lumped = [(Month.parse(period), counted[period]["base_fen"], record.region) for period in sorted(lump)]
    moving = {str(month) for month, _, _ in own}
    account = _account(record, counted, moving)
    funds = rules.transfer_funds(_runs(own) + _runs(received) + _runs(owed, paid=False) + _runs(lumped, lump_sum=True),
                                 account).value
    months = sorted(own + received, key=lambda m: (m[0], m[2]))
    table = [_table_row(row, counted, record) for row in rules.month_rows(months).value]
    for item in funds.excluded:
        table.append({"region": item.region, "year": item.months[0].year, "first": str(item.months[0]),
                      "last": str(item.months[-1]), "months": len(item.months), "base": "0.00", "unit_rate": "0",
                      "account_rate": "0", "individual_rate": "0", "credited": "0.00", "interest": "0.00",
                      "year_end": "0.00", "deemed": 0, "lump_sum": item.reason == "undocumented_lump_sum",
                      "stays": item.reason})
    deemed = sorted(record.deemed, key=lambda d: d["start"])
    for service in deemed:
        table.append({"region": service["region"], "year": int(service["start"][:4]), "first": service["start"],
                      "last": service["end"], "months": 0, "base": "0.00", "unit_rate": "0", "account_rate": "0",
                      "individual_rate": "0", "credited": "0.00", "interest": "0.00", "year_end": "0.00",
                      "deemed": service["months"], "lump_sum": False})
    _year_ends(table, record)
    return Figures(rows=table, funds=funds.as_json(),
                   months=[{"region": region, "period": str(month), "base_fen": base} for month, base, region in months],
                   deemed=[{k: service[k] for k in ("region", "start", "end", "months", "work_unit")} for service in deemed],
                   deemed_months=sum(service["months"] for service in deemed), fen=funds)


def _table_row(row: rules.MonthRow, counted: dict[str, dict], record: Record) -> dict[str, Any]:
    first = counted.get(str(row.first)) if row.region == record.region else None
    months = [str(row.first + n) for n in range(row.months)]
    credited = sum(counted[m]["account_credit_fen"] for m in months if m in counted) if first else 0
    return {**row.as_json(), "unit_rate": _rate(first["employer_fen"], first["base_fen"]) if first else "0",
            "account_rate": _rate(first["account_credit_fen"], first["base_fen"]) if first else "0",
            "individual_rate": _rate(first["individual_fen"], first["base_fen"]) if first else "0",
            "credited": fen_to_yuan(credited), "interest": "0.00", "year_end": "0.00", "deemed": 0, "lump_sum": False}


def _year_ends(table: list[dict[str, Any]], record: Record) -> None:
    """The year's interest (AAE269) and year-end balance (AAE382) on the last row of each credited year here."""
    years = {y["year"]: y for y in record.account_years}
    last_of_year: dict[int, dict] = {}
    for row in table:
        if row["region"] == record.region and row["months"] and not row.get("stays"):
            last_of_year[row["year"]] = row
    for year, row in last_of_year.items():
        credited = years.get(year)
        if credited is not None:
            row["interest"] = fen_to_yuan(credited["interest_on_prior_fen"] + credited["interest_on_credits_fen"])
            row["year_end"] = fen_to_yuan(credited["closing_fen"])

"""The demo's retirees and subsidies, through the same reviewed transactions as real work.

Four insured people reach their statutory retirement month between 2023 and 2026 (two of them after the
2025 reform delayed it). Each has worked since before the demo's first contribution year: their service
before Shenzhen's individual-contribution system began (1992-08 in the demo parameters) is recognised
from the archive as deemed months, their contributions are in the demo's collection file, and their
retirement is approved in the year it happens, before that year is credited, so the award's account
balance is the prior closing plus the part year (`benefits.compute.account_at_retirement`). Then every
month from the first retirement to the current month is paid, with the region's yearly adjustment posted in
July and January to June paid back in July's run. Two other insured people receive an employment subsidy for a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sirecords.benefits import services
from sirecords.benefits.models import Award
from sirecords.core.identifiers import make_id_number
from sirecords.core.periods import Month
from sirecords.demo import accounts


@dataclass(frozen=True)
class DemoRetiree:
    name: str
    birth: date
    sequence: int  # GB 11643 sequence: odd male, even female
    category: str
    retirement: str  # statutory retirement month (checked by the approval itself)
    deemed: tuple[str, str, str]  # start, end, work unit
    wage_2012_fen: int


RETIREES = (
    DemoRetiree("郑国强", date(1963, 3, 8), 121, "male", "2023-03", ("1983-09", "1992-07", "深圳市国营无线电厂"), 820_000),
    DemoRetiree("罗建华", date(1964, 9, 21), 123, "male", "2024-09", ("1986-01", "1992-07", "深圳市第二建筑工程公司"), 1_150_000),
    DemoRetiree("林秀英", date(1970, 2, 14), 122, "female55", "2025-03", ("1988-09", "1992-07", "深圳市百货公司"), 640_000),
    DemoRetiree("陈志明", date(1966, 1, 5), 125, "male", "2026-05", ("1985-03", "1992-07", "蛇口工业区运输公司"), 990_000),
)
REGION_CODE = "440304"  # 福田区
SUBSIDISED = 2  # demo persons (the first registered with contributions) who receive an employment subsidy
SUBSIDY_YEAR = 2023
REASON = "演示数据 / demo data"


def id_number(retiree: DemoRetiree) -> str:
    return make_id_number(REGION_CODE, retiree.birth, retiree.sequence)


def registrations() -> list[dict]:
    return [{"id_number": id_number(r), "name": r.name, "phone": f"1380000{r.sequence:04d}",
             "address": f"广东省深圳市福田区福华路{r.sequence}号", "region": REGION_CODE, "registered_on": "2012-01-01"}
            for r in RETIREES]


def last_paid_month(retiree: DemoRetiree) -> Month:
    return Month.parse(retiree.retirement) - 1


def collection_rows(uscc: str, first_year: int, last_year: int) -> list[tuple[str, str, str, str, int, str]]:
    """The retirees' contribution months (pension), from January of `first_year` to the month before retirement."""
    rows = []
    for retiree in RETIREES:
        month, last = Month(first_year, 1), min(last_paid_month(retiree), Month(last_year, 12))
        while month <= last:
            wage = int(retiree.wage_2012_fen * (1.05 ** (month.year - first_year))) // 100 * 100
            paid = month + 1
            rows.append((id_number(retiree), uscc, str(month), "pension", wage, f"{paid}-15"))
            month += 1
    return rows


def recognise_deemed_service(uids: list[str], open_and_approve) -> int:
    """`uids`: the retirees' person uids, in RETIREES order."""
    for retiree, uid in zip(RETIREES, uids, strict=True):
        start, end, unit = retiree.deemed
        open_and_approve("clerk.chen", "recognise_deemed_service", {"person": uid, "start": start, "end": end, "work_unit": unit})
    return len(RETIREES)


def approve_retirements(year: int, uids: list[str], open_and_approve) -> int:
    """Approve the retirements of `year` (call before `year` is credited)."""
    due = [(r, uid) for r, uid in zip(RETIREES, uids, strict=True) if Month.parse(r.retirement).year == year]
    for retiree, uid in due:
        open_and_approve("clerk.li", "approve_retirement", {"person": uid, "category": retiree.category,
                                                            "retirement_month": retiree.retirement, "flexible": False})
    return len(due)


ADJUSTMENT_MONTH = 7  # the region publishes each year's adjustment in July; January to June are paid back


def pay_and_adjust(until: Month, approve, start: Month | None = None) -> dict[str, int]:
    """Every month from `start` (default the first award's) to `until`; each year's adjustment is posted before
    July's run, which pays the difference for January to June back."""
    maintainer = accounts.actor("maint.wu")
    first = start or Month.parse(min(Award.objects.values_list("start_month", flat=True)))
    month, paid, adjusted = first, 0, 0
    while month <= until:
        if month.month == ADJUSTMENT_MONTH:
            txn = services.prepare_adjustments(maintainer, accounts.REGION, month.year,
                                               reason=f"{month.year} 年基本养老金调整 / adjustment")
            if txn is not None:
                approve(txn)
                adjusted += 1
        txn = services.prepare_payments(maintainer, str(month), region=accounts.REGION, reason=f"{month} 养老金发放 / payments")
        if txn is not None:
            approve(txn)
            paid += 1
        month += 1
    return {"payment_runs": paid, "adjustment_runs": adjusted}


def grant_subsidies(person_uids: list[str], open_and_approve) -> int:
    for uid in person_uids[:SUBSIDISED]:
        open_and_approve("clerk.chen", "grant_subsidy", {"person": uid, "scheme": "employment_difficulty",
                                                         "start": f"{SUBSIDY_YEAR}-01", "end": f"{SUBSIDY_YEAR}-12"})
    return min(SUBSIDISED, len(person_uids))

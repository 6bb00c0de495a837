"""Transfers of the basic pension relationship between regions (第十条): the pure rules.

Sources:
  国办发〔2009〕66号 第四条  the funds that move: the individual account (before 1998-01 the person's own contributions
                           with interest, from 1998 the whole balance) and the pooled fund, 12 % of the actual base of
                           every month paid since 1998-01, whatever the employer's rate was;
  国办发〔2009〕66号 第五条  the temporary account (临时基本养老保险缴费账户) of a man aged 50+ or a woman aged 40+ who
                           joins in another province, unless assigned (调动);
  国办发〔2009〕66号 第六条  the place of benefit (待遇领取地), restated in 人社部规〔2016〕5号 第一条;
  劳社厅发〔1999〕22号      within one pooling area no funds move; the transfer year's principal moves without that
                           year's interest (the new region credits the whole year);
  人社厅发〔2019〕94号      lump-sum back-payments of 3 years or more move only when documented, otherwise they stay.

National information-table field codes the outputs map to (for the package's JSON field names):
  funds (`TransferFunds`): AIC093 ① account_pre1998, AIC089 ② account_to_last_year_end, AIC082 ③ account_this_year,
      AIC083 ④ account (①+②+③), AIC084 ⑤ pooled, AIC102 ⑥ total (④+⑤);
  one row per run of months (`MonthRow`): AAB299 region, AAE001 year, AAE041/AAE042 first/last month, AAE202 months,
      AAE180 monthly base; still to be added by the package: AAA042/AAA043/AAA041 unit / to-account / individual
      rates, AAE381 credited, AAE269 interest, AAE382 year-end balance.

Money is integer fen in the dataclasses and yuan text with two places in `as_json()`; nothing here is a float.
Each function returns a `Result(value, trace)`, the trace saying which rule applied and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sirecords.core.money import InvalidInput, fen_to_yuan, half_up_fen
from sirecords.core.periods import Month, as_date, as_month
from sirecords.core.text import canonical, is_ascii_digits
from sirecords.engine.trace import Result, TraceBuilder

__all__ = [
    "BENEFIT_YEARS_MONTHS",
    "POOLED_FROM",
    "POOLED_RATE_PERCENT",
    "TEMPORARY_ACCOUNT_FROM",
    "AccountFigures",
    "BenefitPlace",
    "ContributionRun",
    "Excluded",
    "MonthRow",
    "PaidMonth",
    "RegionPeriod",
    "TemporaryAccount",
    "TransferFunds",
    "benefit_place",
    "month_rows",
    "province",
    "region_code",
    "temporary_account",
    "transfer_funds",
]

POOLED_RATE_PERCENT = 12  # 66号 第四条: 12 % of the base, not the employer's rate of the time
POOLED_FROM = Month(1998, 1)  # the pooled fund moves for months from 1998-01 only
TEMPORARY_ACCOUNT_FROM = date(2010, 1, 1)  # 66号 takes effect (第十二条)
TEMPORARY_AGE = {"M": 50, "F": 40}  # 66号 第五条
BENEFIT_YEARS_MONTHS = 120  # 10 cumulative years (66号 第六条)


# --- region codes ------------------------------------------------------------------------------------------------


def region_code(value: str, what: str = "region", *, allow_province: bool = False) -> str:
    """A six-digit region code (GB/T 2260), or with `allow_province` also a two-digit province code."""
    text = canonical(value) if isinstance(value, str) else ""
    lengths = (2, 6) if allow_province else (6,)
    if not is_ascii_digits(text) or len(text) not in lengths:
        wanted = "a 2-digit province or a 6-digit region code" if allow_province else "a 6-digit region code"
        raise InvalidInput(f"{what} must be {wanted} (ASCII digits), got {value!r}")
    return text


def province(region: str) -> str:
    """The province of a region code: its first two digits (every province pools at provincial level)."""
    return region[:2]


# --- the funds (66号 第四条) ----------------------------------------------------------------------------------------


def _fen(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{what} must be whole fen ≥ 0 (an int), got {value!r}")
    return value


@dataclass(frozen=True)
class PaidMonth:
    """One contribution month in a region at a monthly base (fen)."""

    month: Month
    base: int
    region: str


@dataclass(frozen=True)
class ContributionRun:
    """Months paid (or owed) in one region at one monthly base, in fen.

    Give either `first` and `last` (both included) or `months` (a list, need not be consecutive).
    `paid` False: months in arrears — neither the months nor any funds move (66号, 劳社厅发〔1999〕22号).
    `lump_sum`: part of a lump-sum back-payment of 3 years or more; it moves only when `documented` (人社厅发〔2019〕94号:
    the old region's written commitment for payments before 人社部规〔2016〕5号, else court, audit, labour-inspection or
    arbitration documents dated before the payment).
    """

    region: str
    base: int
    first: Month | None = None
    last: Month | None = None
    months: tuple[Month, ...] = ()
    paid: bool = True
    lump_sum: bool = False
    documented: bool = False

    def __post_init__(self):
        object.__setattr__(self, "region", region_code(self.region, "run region"))
        _fen(self.base, f"base of the run in {self.region}")
        if self.months:
            if self.first is not None or self.last is not None:
                raise InvalidInput(f"a run in {self.region} gives either first/last or a list of months, not both")
            object.__setattr__(self, "months", tuple(sorted(as_month(m, "run month") for m in self.months)))
        elif self.first is None or self.last is None:
            raise InvalidInput(f"a run in {self.region} needs first and last months, or a list of months")
        else:
            first, last = as_month(self.first, "first month"), as_month(self.last, "last month")
            if last < first:
                raise InvalidInput(f"a run in {self.region} ends ({last}) before it starts ({first})")
            object.__setattr__(self, "first", first)
            object.__setattr__(self, "last", last)

    def month_list(self) -> tuple[Month, ...]:
        if self.months:
            return self.months
        return tuple(self.first + n for n in range(self.last - self.first + 1))

    @property
    def stays_behind(self) -> str | None:
        """Why the run does not move, or None when it moves."""
        if not self.paid:
            return "arrears"
        if self.lump_sum and not self.documented:
            return "undocumented_lump_sum"
        return None

    def moving_months(self) -> tuple[PaidMonth, ...]:
        """The run's months as they move (for `month_rows`); none when the run stays behind."""
        if self.stays_behind:
            return ()
        return tuple(PaidMonth(month, self.base, self.region) for month in self.month_list())


@dataclass(frozen=True)
class AccountFigures:
    """The individual account as the sending region holds it, in fen (the crediting module computes these).

    `pre1998` ①: the person's own contributions with interest up to 1997-12 (the employer's part stays);
    `to_last_year_end` ②: the balance from 1998-01 to the end of last year, interest included;
    `this_year` ③: this year's principal, without interest for the open year (劳社厅发〔1999〕22号).
    The figures must already leave out the account money of any months that stay behind.
    """

    pre1998: int
    to_last_year_end: int
    this_year: int

    def __post_init__(self):
        _fen(self.pre1998, "account before 1998 (①)")
        _fen(self.to_last_year_end, "account 1998 to last year-end (②)")
        _fen(self.this_year, "account this year (③)")


@dataclass(frozen=True)
class Excluded:
    """Months that stay behind, and why (``arrears`` or ``undocumented_lump_sum``)."""

    region: str
    months: tuple[Month, ...]
    reason: str

    def as_json(self) -> dict:
        return {"region": self.region, "first": str(self.months[0]), "last": str(self.months[-1]),
                "months": len(self.months), "reason": self.reason}


@dataclass(frozen=True)
class TransferFunds:
    """The funds that move, in fen: ① ② ③, ④ = ①+②+③, ⑤ pooled, ⑥ = ④+⑤."""

    account_pre1998: int
    account_to_last_year_end: int
    account_this_year: int
    account: int
    pooled: int
    total: int
    pooled_months: int  # months since 1998-01 that carry the pooled fund
    pooled_base: int  # Σ months × base over them, fen
    excluded: tuple[Excluded, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        money = ("account_pre1998", "account_to_last_year_end", "account_this_year", "account", "pooled", "total")
        data = {name: fen_to_yuan(getattr(self, name)) for name in money}
        data["excluded"] = [item.as_json() for item in self.excluded]
        return data


def _moving_months(runs: Sequence[ContributionRun]) -> tuple[list[PaidMonth], list[Excluded]]:
    """The paid months that move, and the runs that stay behind; a month moving twice is refused."""
    moving: list[PaidMonth] = []
    excluded: list[Excluded] = []
    seen: dict[tuple[str, Month], int] = {}
    for index, run in enumerate(runs, start=1):
        if run.stays_behind:
            excluded.append(Excluded(run.region, run.month_list(), run.stays_behind))
            continue
        for paid in run.moving_months():
            key = (paid.region, paid.month)
            if key in seen:
                raise InvalidInput(f"month {paid.month} in {paid.region} is given twice (runs {seen[key]} and {index})")
            seen[key] = index
            moving.append(paid)
    return moving, excluded


def transfer_funds(runs: Iterable[ContributionRun], account: AccountFigures) -> Result[TransferFunds]:
    """The funds of a transfer (66号 第四条): the individual account ① ② ③ as given, and the pooled fund
    ⑤ = 12 % × Σ(months × base) over every paid month since 1998-01 that moves, rounded half-up once at the end
    (a per-month or per-run rounding would drift by fen). Months in arrears and undocumented lump sums of 3+ years
    stay behind and are listed in `excluded`.

    `runs` are the months the sending region holds; the caller gives only those that move with this transfer.
    """
    runs = list(runs)
    t = TraceBuilder("transfer_funds", None, {"runs": runs, "account": account})
    moving, excluded = _moving_months(runs)
    for item in excluded:
        why = {"arrears": ("欠缴月份不转移", "months in arrears do not move"),
               "undocumented_lump_sum": ("一次性补缴3年以上且无证明材料，不转移（人社厅发〔2019〕94号）",
                                         "lump-sum back-payment of 3+ years without documents stays behind (94号)")}
        zh, en = why[item.reason]
        t.step("excluded", zh, en, f"{item.region} {item.months[0]}..{item.months[-1]}: {len(item.months)} months", item)
    pooled_months = [paid for paid in moving if paid.month >= POOLED_FROM]
    base_sum = sum(paid.base for paid in pooled_months)
    t.step("pooled_base", "1998年1月起实际缴费月份的缴费基数之和", "sum of the monthly bases of every month paid since 1998-01",
           f"{len(pooled_months)} months, Σ base = {fen_to_yuan(base_sum)}", base_sum)
    pooled = half_up_fen(base_sum * POOLED_RATE_PERCENT, 100)  # rounded once, at the end
    t.step("pooled", "统筹基金 ⑤ = 缴费基数之和 × 12%", "pooled fund ⑤ = sum of bases × 12 %",
           f"{fen_to_yuan(base_sum)} × 0.12 → {fen_to_yuan(pooled)}", pooled)
    total_account = account.pre1998 + account.to_last_year_end + account.this_year
    t.step("account", "个人账户 ④ = ① + ② + ③", "individual account ④ = ① + ② + ③",
           f"{fen_to_yuan(account.pre1998)} + {fen_to_yuan(account.to_last_year_end)} + {fen_to_yuan(account.this_year)}"
           f" = {fen_to_yuan(total_account)}", total_account)
    total = t.step("total", "转移合计 ⑥ = ④ + ⑤", "total ⑥ = ④ + ⑤",
                   f"{fen_to_yuan(total_account)} + {fen_to_yuan(pooled)} = {fen_to_yuan(total_account + pooled)}",
                   total_account + pooled)
    return t.result(TransferFunds(account.pre1998, account.to_last_year_end, account.this_year, total_account, pooled,
                                  total, len(pooled_months), base_sum, tuple(excluded)))


# --- the rows of the information table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """A run of consecutive months in one region, one year, at one base (fen)."""

    region: str
    year: int
    first: Month
    last: Month
    months: int
    base: int

    def as_json(self) -> dict:
        return {"region": self.region, "year": self.year, "first": str(self.first), "last": str(self.last),
                "months": self.months, "base": fen_to_yuan(self.base)}


def _paid_month(item, index: int) -> PaidMonth:
    if isinstance(item, PaidMonth):
        month, base, region = item.month, item.base, item.region
    else:
        try:
            month, base, region = item
        except (TypeError, ValueError):
            raise InvalidInput(f"month {index} must be (month, base in fen, region), got {item!r}") from None
    return PaidMonth(as_month(month, f"month {index}"), _fen(base, f"base of month {index}"),
                     region_code(region, f"region of month {index}"))


def _continues(row: MonthRow, paid: PaidMonth) -> bool:
    return paid.region == row.region and paid.base == row.base and paid.month == row.last + 1 and paid.month.year == row.year


def month_rows(months: Iterable) -> Result[tuple[MonthRow, ...]]:
    """The table's rows: one per run of consecutive months with one base, in one region and one year.

    A change of base, a gap, a new year or another region starts a new row. `months` are `PaidMonth`s or
    (month, base in fen, region) tuples, in any order; rows come ordered by (first month, region). The same month
    twice in one region is refused (which base would it be?).
    """
    items = [_paid_month(item, index) for index, item in enumerate(months, start=1)]
    t = TraceBuilder("month_rows", None, {"months": len(items)})
    seen: set[tuple[str, Month]] = set()
    rows: list[MonthRow] = []
    for paid in sorted(items, key=lambda p: (p.region, p.month)):
        if (paid.region, paid.month) in seen:
            raise InvalidInput(f"month {paid.month} in {paid.region} is given twice")
        seen.add((paid.region, paid.month))
        if rows and _continues(rows[-1], paid):
            rows[-1] = MonthRow(paid.region, paid.month.year, rows[-1].first, paid.month, rows[-1].months + 1, paid.base)
        else:
            rows.append(MonthRow(paid.region, paid.month.year, paid.month, paid.month, 1, paid.base))
    ordered = tuple(sorted(rows, key=lambda row: (row.first, row.region)))
    t.step("rows", "同一地区、同一年度、同一基数的连续月份合为一行", "consecutive months of one region, year and base make one row",
           f"{len(items)} months → {len(ordered)} rows", len(ordered))
    return t.result(ordered)


# --- the temporary account (66号 第五条) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemporaryAccount:
    temporary: bool
    reason: str


def _birthday(born: date, years: int) -> date:
    """The day a person born on `born` turns `years` (born on 29 February: 1 March in a common year)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def temporary_account(sex: str, birth_date, joined_on, hukou_region: str, joining_region: str,
                      assigned: bool = False) -> Result[TemporaryAccount]:
    """Whether joining `joining_region` on `joined_on` opens a temporary account (66号 第五条).

    Temporary when all hold: joined on or after 2010-01-01 (the day 66号 took effect); the joining province (first two
    digits) is not the household-register one; a man has turned 50 or a woman 40 on or before the joining day (the
    birthday itself counts); and the move is not an approved assignment (调动). `hukou_region` may be 2 or 6 digits.
    """
    if sex not in TEMPORARY_AGE:
        raise InvalidInput(f"sex must be M or F, got {sex!r}")
    born, joined = as_date(birth_date, "birth date"), as_date(joined_on, "joining date")
    hukou = region_code(hukou_region, "household-register region", allow_province=True)
    joining = region_code(joining_region, "joining region")
    age = TEMPORARY_AGE[sex]
    reached = _birthday(born, age)
    t = TraceBuilder("temporary_account", None, {"sex": sex, "birth_date": born, "joined_on": joined,
                                                 "hukou_region": hukou, "joining_region": joining, "assigned": assigned})
    checks = (
        (joined >= TEMPORARY_ACCOUNT_FROM, f"joined {joined} is on or after 2010-01-01",
         f"joined {joined} before 2010-01-01 (66号 not yet in force)"),
        (province(joining) != province(hukou), f"joining province {province(joining)} is not the household-register "
         f"province {province(hukou)}", f"joining province {province(joining)} is the household-register province"),
        (joined >= reached, f"{'man' if sex == 'M' else 'woman'} aged {age}+ on joining (turned {age} on {reached})",
         f"{'man' if sex == 'M' else 'woman'} under {age} on joining (turns {age} on {reached})"),
        (not assigned, "not an approved assignment (调动)", "an approved assignment (调动)"),
    )
    for holds, _yes, no in checks:
        if not holds:
            reason = f"no temporary account: {no}"
            return t.result(TemporaryAccount(False, t.step("decision", "不建立临时缴费账户", "no temporary account", reason, reason)))
    reason = "temporary account (66号 第五条): " + "; ".join(yes for _, yes, _ in checks)
    return t.result(TemporaryAccount(True, t.step("decision", "建立临时基本养老保险缴费账户", "temporary account", reason, reason)))


# --- the place of benefit (66号 第六条; 人社部规〔2016〕5号 第一条) ------------------------------------------------------


@dataclass(frozen=True)
class RegionPeriod:
    """Months contributed in a region; `temporary`: held in a temporary account there (66号 第五条)."""

    region: str
    months: int
    temporary: bool = False

    def __post_init__(self):
        object.__setattr__(self, "region", region_code(self.region, "period region"))
        if isinstance(self.months, bool) or not isinstance(self.months, int) or self.months < 0:
            raise InvalidInput(f"months in {self.region} must be a whole number ≥ 0, got {self.months!r}")


@dataclass(frozen=True)
class BenefitPlace:
    benefit_region: str
    rule: int  # 1–4, the clause of 66号 第六条 that applied
    months_by_region: dict[str, int]  # all months per region, in the order the regions first appear
    temporary_only: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"benefit_region": self.benefit_region, "rule": self.rule, "months_by_region": dict(self.months_by_region)}


def _qualifying(periods: Sequence[RegionPeriod]) -> dict[str, int]:
    """Months per region that count toward the 10 years: those outside a temporary account."""
    regular: dict[str, int] = {}
    for period in periods:
        if not period.temporary:
            regular[period.region] = regular.get(period.region, 0) + period.months
    return regular


def _last_qualifying(periods: Sequence[RegionPeriod], regular: dict[str, int]) -> str | None:
    """The region with ≥ 10 years (regular months) where the person contributed most recently."""
    for period in reversed(periods):
        if not period.temporary and regular.get(period.region, 0) >= BENEFIT_YEARS_MONTHS:
            return period.region
    return None


def _current(periods: Sequence[RegionPeriod], current: str | None) -> str:
    """The region holding the relationship: given, or the last period outside a temporary account."""
    if current is not None:
        return region_code(current, "current region")
    for period in reversed(periods):
        if not period.temporary:
            return period.region
    raise InvalidInput("no current region: every period is in a temporary account, which never holds the relationship; "
                       "give the current region")


def benefit_place(hukou_region: str, periods: Iterable[RegionPeriod], current: str | None = None) -> Result[BenefitPlace]:
    """The place of benefit (66号 第六条, 人社部规〔2016〕5号 第一条).

    `periods` in the order they happened (a region may appear more than once: its months add up); `current` is the
    region holding the relationship now, by default the last period outside a temporary account (a temporary account
    never holds it: 66号 第五条 keeps the relationship where it was). `hukou_region` is a 2-digit province or a
    6-digit region code; rule 4 returns it as given.

    (1) the current region is in the household-register province → the current region;
    (2) elsewhere, ≥ 120 months in the current region → the current region;
    (3) elsewhere, fewer there → the last region with ≥ 120 months, read as the one among them where the person
        contributed most recently (its latest period is the latest);
    (4) no region with ≥ 120 months → the household-register province (the hukou region).
    A region's 10 years count only its months outside a temporary account, so a region holding only a temporary
    account never becomes the place of benefit.
    """
    hukou = region_code(hukou_region, "household-register region", allow_province=True)
    periods = list(periods)
    here = _current(periods, current)
    months_by_region: dict[str, int] = {}
    for period in periods:
        months_by_region[period.region] = months_by_region.get(period.region, 0) + period.months
    regular = _qualifying(periods)
    temporary_only = tuple(region for region in months_by_region if region not in regular)
    if here in temporary_only:
        raise InvalidInput(f"current region {here} holds only a temporary account, which never holds the relationship")
    t = TraceBuilder("benefit_place", None, {"hukou_region": hukou, "periods": periods, "current": here})
    region, rule, why = _decide(hukou, here, periods, regular)
    t.step("rule", f"待遇领取地规则（{rule}）", f"place of benefit, rule ({rule})", why, region)
    return t.result(BenefitPlace(region, rule, months_by_region, temporary_only))


def _decide(hukou: str, here: str, periods: Sequence[RegionPeriod], regular: dict[str, int]) -> tuple[str, int, str]:
    there = regular.get(here, 0)
    if province(here) == province(hukou):
        return here, 1, f"current region {here} is in the household-register province {province(hukou)}"
    if there >= BENEFIT_YEARS_MONTHS:
        return here, 2, f"current region {here} is outside the household-register province with {there} ≥ 120 months"
    last = _last_qualifying(periods, regular)
    if last is not None:
        return last, 3, (f"current region {here} has {there} < 120 months; the last region with ≥ 120 months is {last} "
                         f"({regular[last]} months)")
    return hukou, 4, f"no region has ≥ 120 months (outside temporary accounts): the household-register region {hukou}"

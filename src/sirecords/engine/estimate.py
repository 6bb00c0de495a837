"""A pension estimate from a person's own figures (issue 10: "a pension estimate from the person's own record").

It is an estimate, not a decision: the award (benefits app) is computed from the record at retirement with the
parameters then published. What it does, each step in the trace:

1. **Retirement month** under the 2025 reform (`retirement.statutory_retirement`) and the minimum contribution
   months for that year.
2. **Months**: contributions are assumed to continue every month from the estimate's month (or the month after the
   last paid one, whichever is later) until the month before the retirement month. Whether the minimum is reached by
   then, and if not by how many months it is short. Short of it, the person may contribute on past the age (the
   reform's rule): the pension is then estimated for the month the minimum is reached by contributing on.
3. **Account**: the balance at the last closing, plus the credits already paid since (actual figures), plus the
   projected credits: the latest monthly contribution base growing by the chosen rate each calendar year after the
   base's year, times the account share (the individual rate, 8 %), each credit rounded to the fen. Every year is
   credited by the monthly accumulation method at its own published rate, or for a year without one at the last
   published crediting rate; the pension's year is a part year of the months before the pension starts (as
   `benefits.compute.account_at_retirement` does).
4. **Average wage index** Ī: the months paid so far at their own index (base ÷ that year's reference average
   wage), deemed months at 1.0, and every projected month at the latest index (base ÷ reference average wage of the
   base's year): the base and the average wage are assumed to grow at the same rate, so their ratio stays.
5. **Pension base** C of the pension's year: its published value when there is one, otherwise the latest published
   one grown by the rate for each year after its year.
6. `pension.pension_for`: basic part + account part (计发月数 for the age then) + transitional part (if the region
   has one).

The growth rate is a fraction from −0.05 to 0.15 (`GROWTH_MIN`, `GROWTH_MAX`); outside it `InvalidInput` names
`growth`. Pure: no Django; the figures come from records/estimate.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sirecords.core.money import InvalidInput, as_decimal, exact, format_yuan, half_up, parse_amount, parse_rate, round_money
from sirecords.core.periods import Age, Month
from sirecords.engine.crediting import credit_year_values
from sirecords.engine.params import RETIREMENT_CATEGORIES, ParamSet
from sirecords.engine.pension import Pension, average_wage_index, pension_for
from sirecords.engine.retirement import Retirement, statutory_retirement
from sirecords.engine.trace import Result, TraceBuilder, jsonable

__all__ = ["GROWTH_MAX", "GROWTH_MIN", "AccountYearProjection", "Estimate", "EstimateFigures", "as_jsonable",
           "check_growth", "estimate_pension"]

GROWTH_MIN = Decimal("-0.05")
GROWTH_MAX = Decimal("0.15")


def check_growth(value) -> Decimal:
    """The wage growth rate as a Decimal fraction within [GROWTH_MIN, GROWTH_MAX]; InvalidInput naming `growth`."""
    try:
        growth = as_decimal(value, "growth")
    except InvalidInput as error:
        raise InvalidInput(f"growth: {error}") from None
    if not GROWTH_MIN <= growth <= GROWTH_MAX:
        raise InvalidInput(f"growth must be a yearly rate from {GROWTH_MIN} to {GROWTH_MAX} (−5 % to 15 %), got {growth}")
    return growth


@dataclass(frozen=True)
class EstimateFigures:
    """A person's own figures, as the record holds them (money in yuan, Decimal with at most two places).

    * `as_of`: the month of the estimate (today's month).
    * `contribution_months`: months counted so far, deemed included; `deemed_months` of them deemed.
    * `last_paid_month`: the last paid pension month (None: none yet).
    * `balance`, `balance_year`: the account's closing balance of its last credited year (None: never credited).
    * `uncredited_credits`: account credits already paid for months after `balance_year` (month → amount).
    * `wage_history`: (contribution base, reference average wage, months) of the months paid so far.
    * `current_base`, `base_year`: the latest monthly contribution base and its year; `current_average_wage`: the
      reference average wage of that year.
    * `pension_base`, `pension_base_year`: the latest published pension calculation base (计发基数) and its year.
    * `crediting_rate` (and its status): the last published crediting rate; `account_rate`: the share of the base
      credited to the account.
    * `published_pension_bases`, `published_crediting_rates`: the values already published for given years; a year
      found there uses its own value instead of a projected one (a retirement this year uses this year's base).
    """

    birth_month: Month
    category: str
    as_of: Month
    contribution_months: int
    deemed_months: int
    last_paid_month: Month | None
    balance: Decimal
    balance_year: int | None
    current_base: Decimal
    base_year: int
    current_average_wage: Decimal
    pension_base: Decimal
    pension_base_year: int
    crediting_rate: Decimal
    account_rate: Decimal
    crediting_rate_status: str = "official"
    uncredited_credits: Mapping[Month, Decimal] = field(default_factory=dict)
    wage_history: Sequence[tuple[Decimal, Decimal, int]] = ()
    published_pension_bases: Mapping[int, Decimal] = field(default_factory=dict)  # year → published 计发基数
    published_crediting_rates: Mapping[int, Decimal] = field(default_factory=dict)  # year → its published rate


@dataclass(frozen=True)
class AccountYearProjection:
    """One projected (or part-actual) account year: `months` credited, `projected_months` of them assumed."""

    year: int
    months: int
    opening: Decimal
    credits: Decimal
    interest: Decimal
    closing: Decimal
    projected_months: int


@dataclass(frozen=True)
class Estimate:
    growth: Decimal
    as_of: Month
    retirement: Retirement
    minimum_months: int
    contribution_months_now: int
    missing_months_now: int  # minimum − months so far (0 when reached)
    months_to_retirement: int  # contributions assumed from now to the month before the retirement month
    months_at_retirement: int
    minimum_reached_at_retirement: bool
    shortfall_at_retirement: int  # months short at the statutory retirement month (0 when reached)
    pension_month: Month | None  # the month the pension would start (None: not reachable within the divisor table)
    age_at_pension: Age | None
    months_at_pension: int
    balance_at_pension: Decimal | None
    wage_index: Decimal | None
    pension_base: Decimal | None
    pension: Pension | None
    account_years: tuple[AccountYearProjection, ...]
    crediting_rate: Decimal
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values; money as yuan strings with two decimals, rates and the index as decimal strings."""
        money = _yuan
        r = self.retirement
        pension = None
        if self.pension is not None:
            pension = {"basic_part": money(self.pension.basic_part), "account_part": money(self.pension.account_part),
                       "transitional_part": money(self.pension.transitional_part), "total": money(self.pension.total),
                       "months_divisor": str(self.pension.months_divisor)}
        return {
            "growth": str(self.growth), "as_of": str(self.as_of), "category": r.category,
            "birth_month": str(r.birth_month), "statutory_age": str(r.statutory_age),
            "retirement_month": str(r.retirement_month), "flexible_earliest_month": str(r.flexible_earliest_month),
            "flexible_latest_month": str(r.flexible_latest_month),
            "minimum_months": self.minimum_months, "contribution_months_now": self.contribution_months_now,
            "missing_months_now": self.missing_months_now, "months_to_retirement": self.months_to_retirement,
            "months_at_retirement": self.months_at_retirement,
            "minimum_reached_at_retirement": self.minimum_reached_at_retirement,
            "shortfall_at_retirement": self.shortfall_at_retirement,
            "pension_month": None if self.pension_month is None else str(self.pension_month),
            "age_at_pension": None if self.age_at_pension is None else str(self.age_at_pension),
            "months_at_pension": self.months_at_pension,
            "balance_at_pension": money(self.balance_at_pension),
            "wage_index": None if self.wage_index is None else str(self.wage_index),
            "pension_base": money(self.pension_base), "crediting_rate": str(self.crediting_rate),
            "pension": pension,
            "account_years": [{"year": y.year, "months": y.months, "opening": money(y.opening), "credits": money(y.credits),
                               "interest": money(y.interest), "closing": money(y.closing),
                               "projected_months": y.projected_months} for y in self.account_years],
            "note": self.note,
        }


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else format_yuan(value)


def _whole(value, what: str, *, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInput(f"{what} must be a whole number ≥ {low}, got {value!r}")
    return value


def _check(figures: EstimateFigures) -> None:
    if figures.category not in RETIREMENT_CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(RETIREMENT_CATEGORIES)}, got {figures.category!r}")
    for what in ("birth_month", "as_of"):
        if not isinstance(getattr(figures, what), Month):
            raise InvalidInput(f"{what} must be a Month, got {getattr(figures, what)!r}")
    if figures.birth_month > figures.as_of:
        raise InvalidInput(f"birth month {figures.birth_month} is after the estimate's month {figures.as_of}: "
                           "a birth month cannot be in the future")
    if figures.last_paid_month is not None and not isinstance(figures.last_paid_month, Month):
        raise InvalidInput(f"last_paid_month must be a Month or None, got {figures.last_paid_month!r}")
    for what in ("base_year", "pension_base_year"):
        _whole(getattr(figures, what), what.replace("_", " "), low=1900)
    if figures.balance_year is not None:
        _whole(figures.balance_year, "balance year", low=1900)
    _whole(figures.contribution_months, "contribution months")
    _whole(figures.deemed_months, "deemed months")
    if figures.deemed_months > figures.contribution_months:
        raise InvalidInput("deemed months are part of the contribution months: they cannot be more")
    for what in ("balance", "current_base", "current_average_wage", "pension_base"):
        parse_amount(getattr(figures, what), what.replace("_", " "))
    if figures.current_average_wage <= 0 or figures.pension_base <= 0:
        raise InvalidInput("the reference average wage and the pension base must be > 0")
    parse_rate(figures.crediting_rate, "crediting rate")
    parse_rate(figures.account_rate, "account rate")
    for year, value in figures.published_pension_bases.items():
        parse_amount(value, f"pension base of {year}")
    for year, value in figures.published_crediting_rates.items():
        parse_rate(value, f"crediting rate of {year}")
    for month, credit in figures.uncredited_credits.items():
        if not isinstance(month, Month):
            raise InvalidInput(f"uncredited credits are keyed by Month, got {type(month).__name__} {month!r}")
        parse_amount(credit, f"credit of {month}")
        if figures.balance_year is not None and month.year <= figures.balance_year:
            raise InvalidInput(f"the credit of {month} is in a credited year (≤ {figures.balance_year})")


def _grown(amount: Decimal, growth: Decimal, years: int) -> Decimal:
    """`amount` × (1 + growth)^years to the fen (half-up); years ≤ 0 leave it as it is."""
    if years <= 0:
        return amount
    with exact():
        return half_up(amount * (1 + growth) ** years, 2)


def _first_month(figures: EstimateFigures) -> Month:
    """The first month contributions are assumed for: the estimate's month, or the month after the last paid one."""
    if figures.last_paid_month is None:
        return figures.as_of
    return max(figures.as_of, figures.last_paid_month + 1)


def estimate_pension(figures: EstimateFigures, growth, params: ParamSet) -> Result[Estimate]:
    """The estimate for `figures` at the wage growth rate `growth` (a fraction, e.g. Decimal("0.03")) with the
    region's set `params` (retirement rules, minimum schedule, 计发月数, rounding, transitional coefficient)."""
    growth = check_growth(growth)
    _check(figures)
    summarised = ("wage_history", "uncredited_credits", "published_pension_bases", "published_crediting_rates")
    inputs = {key: value for key, value in vars(figures).items() if key not in summarised}
    t = TraceBuilder("estimate.pension", params.version, {"growth": growth, **inputs,
                                                          "uncredited_months": len(figures.uncredited_credits),
                                                          "wage_history_entries": len(figures.wage_history),
                                                          "published_pension_bases": dict(figures.published_pension_bases),
                                                          "published_crediting_rates": dict(figures.published_crediting_rates)})
    t.step("assumptions", "假设：估算不是待遇核定；按月连续缴费至退休；缴费基数与社平工资按同一增长率逐年增长；"
                          "各年记账利率取当年已公布的利率，未公布的年度取最近公布的利率；退休年度计发基数已公布的取公布值，"
                          "否则按同一增长率增长；参数取当前已载入的参数",
           "assumptions: an estimate, not a decision; contributions every month until retirement; the contribution "
           "base and the average wage grow at the same yearly rate; each year's interest at its published crediting "
           "rate, a year not yet published at the last published one; the pension base of the pension's year as "
           "published, otherwise grown at the same rate; today's loaded rules",
           f"growth {growth}; crediting rate {figures.crediting_rate} ({figures.crediting_rate_status}); "
           f"account share {figures.account_rate}", str(growth))

    statutory = statutory_retirement(figures.birth_month, figures.category, params)
    t.include("retirement", statutory.trace)
    plan = statutory.value
    minimum = plan.minimum_contribution_months
    start = _first_month(figures)
    now = figures.contribution_months
    missing_now = t.step("missing_now", "尚缺最低缴费月数（截至目前）", "minimum months still missing (so far)",
                         f"max(0, {minimum} − {now}) = {max(0, minimum - now)}", max(0, minimum - now))
    # The months that count are those before the first pension month (the month after the retirement month by
    # default, engine.retirement): with offset 1 the retirement month itself counts.
    offset = plan.first_pension_month - plan.retirement_month
    to_retirement = max(0, plan.first_pension_month - start)
    at_retirement = now + to_retirement
    shortfall = max(0, minimum - at_retirement)
    t.step("months_at_retirement", "到达法定退休年龄时的缴费月数 = 目前月数 + 自起算月至首次领取养老金月份前一月的月数",
           "months at the retirement month = months so far + months from the first assumed month to the month before the first "
           "pension month",
           f"{now} + ({plan.first_pension_month} − {start} = {to_retirement}) = {at_retirement}; minimum {minimum}"
           + (f" → short by {shortfall} months 差 {shortfall} 个月" if shortfall else " → reached 已满足"), at_retirement)

    # The retirement month: the statutory month, or later by the months still short (contributing on past the age,
    # 延长缴费); a person already past the age without an award retires from the first assumed month. The pension
    # starts `offset` months after it.
    retirement = max(plan.retirement_month, start - offset) + shortfall
    pension_month = retirement + offset
    months_at_pension = now + max(0, pension_month - start)
    if shortfall:
        t.step("pension_month", "未满最低缴费年限：继续缴费至满足最低年限的月份退休，次月起领取",
               "the minimum is not met at the age: contributing on until it is met, the pension starts the month after",
               f"max({plan.retirement_month}, {start - offset}) + {shortfall}m + {offset}m = {pension_month}", pension_month)
    else:
        t.step("pension_month", "首次领取养老金月份 = 法定退休月份 + 偏移（次月）",
               "the pension starts in the first pension month (the month after the statutory retirement month)",
               f"{plan.retirement_month} + {offset}m = {pension_month}", pension_month)
    age = Age.from_months(retirement - figures.birth_month)
    oldest = max(params.months_divisor_table)
    if age.years > oldest or (age.years == oldest and age.months):
        note = (f"the minimum would be reached at age {age}, beyond the months divisor table (to {oldest}): "
                "no monthly pension can be estimated; ask the agency about the options")
        t.step("unreachable", "按月领取的条件在计发月数表的年龄内无法满足", "the minimum cannot be met within the divisor table",
               note, None)
        return t.result(Estimate(growth, figures.as_of, plan, minimum, now, missing_now, to_retirement, at_retirement,
                                 not shortfall, shortfall, None, None, months_at_pension, None, None, None, None, (),
                                 figures.crediting_rate, note))

    years, balance = _project_account(figures, growth, params, start, pension_month, t)
    entries = list(figures.wage_history)
    future = pension_month - start if pension_month > start else 0
    if future:
        entries.append((figures.current_base, figures.current_average_wage, future))
    index = average_wage_index(entries, deemed_months=figures.deemed_months, version=params.version)
    t.step("wage_index_assumption", "未来各月缴费工资指数 = 最近缴费基数 ÷ 当年社平工资（两者同比增长，比值不变）",
           "each projected month's index = latest base ÷ that year's average wage (both grow alike, the ratio stays)",
           f"{figures.current_base} ÷ {figures.current_average_wage} × {future} months", future)
    t.include("wage_index", index.trace)
    if retirement.year in figures.published_pension_bases:
        base = parse_amount(figures.published_pension_bases[retirement.year], "published pension base")
        t.step("pension_base", "退休年度计发基数（已公布）", "pension base of the retirement year (published)",
               f"{retirement.year}: {base}", base)
    else:
        years_on = max(0, retirement.year - figures.pension_base_year)
        base = _grown(figures.pension_base, growth, years_on)
        t.step("pension_base", "退休年度计发基数 = 最近公布的计发基数 × (1 + 增长率)^年数",
               "pension base of the pension's year = latest published × (1 + growth)^years",
               f"{figures.pension_base} ({figures.pension_base_year}) × (1 + {growth})^{years_on} = {base}", base)
    pension = pension_for(params, wage_index=index.value, contribution_months=months_at_pension, balance=balance, age=age,
                          deemed_months=figures.deemed_months, pension_base=base)
    t.include("pension", pension.trace)
    return t.result(Estimate(growth, figures.as_of, plan, minimum, now, missing_now, to_retirement, at_retirement,
                             not shortfall, shortfall, pension_month, age, months_at_pension, balance, index.value, base,
                             pension.value, tuple(years), figures.crediting_rate))


def _project_account(figures: EstimateFigures, growth: Decimal, params: ParamSet, start: Month, pension_month: Month,
                     t: TraceBuilder) -> tuple[list[AccountYearProjection], Decimal]:
    """Credit every year after the last closing up to the pension's year (a part year of its months before the pension)."""
    rounding = params.rounding("interest")
    contribution_rounding = params.rounding("contribution")
    if figures.balance_year is not None:
        first_year = figures.balance_year + 1
    else:
        paid = [month.year for month in figures.uncredited_credits]
        first_year = min([start.year, *paid])
    balance = figures.balance
    rows = []
    for year in range(first_year, pension_month.year + 1):
        months = 12 if year < pension_month.year else pension_month.month - 1
        if months == 0:
            break
        with exact():
            base = _grown(figures.current_base, growth, year - figures.base_year)
            credit = round_money(base * figures.account_rate, contribution_rounding)
        credits, projected = [], 0
        for n in range(1, months + 1):
            month = Month(year, n)
            if month in figures.uncredited_credits:
                credits.append(figures.uncredited_credits[month])
            elif start <= month < pension_month:
                credits.append(credit)
                projected += 1
            else:
                credits.append(Decimal("0.00"))
        rate = figures.published_crediting_rates.get(year, figures.crediting_rate)
        c = credit_year_values(balance, credits, rate, months=months, rounding=rounding)
        t.step(f"account.{year}", f"{year}年个人账户（{months}个月，其中{projected}个月为假设缴费，月记账额 {credit}，记账利率 {rate}）",
               f"account {year} ({months} months, {projected} assumed at {credit} a month = base {base} × "
               f"{figures.account_rate}; rate {rate})",
               f"{c.prior} + {c.interest_on_prior} + {c.credits} + {c.interest_on_credits} = {c.year_end}", c.year_end)
        rows.append(AccountYearProjection(year, months, c.prior, c.credits, c.interest, c.year_end, projected))
        balance = c.year_end
    t.step("balance_at_pension", "领取时个人账户储存额（估算）", "account balance when the pension starts (estimated)",
           f"{balance}", balance)
    return rows, balance


def as_jsonable(result: Result[Estimate]) -> dict[str, Any]:
    """The estimate and its trace as plain JSON (for an API answer)."""
    return {**result.value.as_dict(), "trace": jsonable(result.trace.as_dict()), "trace_lines": result.trace.lines()}

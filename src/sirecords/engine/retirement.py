"""Statutory retirement age and month under the 2025 reform; flexible retirement; minimum contribution years.

Original ages: men 60, women 55 (cadre-type posts, ``female55``) or 50 (worker-type posts, ``female50``).
n = months from the reform base month (2024-12) to the month the original age is reached (2025-01 gives
n = 1). Delay = 0 if n ≤ 0, otherwise ``min(ceil(n / 4), 36)`` for men and female55,
``min(ceil(n / 2), 60)`` for female50 (the divisors and caps are parameters). Statutory age = original
age + delay; retirement month = birth month + statutory age.

Flexible retirement is what the reform gives those it delays (n > 0): from up to 3 years before the
statutory age (elastic early retirement: never below the original age, and only once the minimum
contribution years are met) to up to 3 years after it, by agreement. Those born before the reform (n ≤ 0)
retire in the statutory month. Someone short of the minimum at the statutory month may go on contributing
(延长缴费) until it is reached, however long past the statutory month that is (`retirement_window`).

The first pension month is the month after the retirement month (次月; ``[retirement]
first_pension_month_offset``, default 1; 0: the retirement month itself). The months that count at
retirement are the months before the first pension month (with the default: up to and including the
retirement month).

Minimum contribution years for a monthly pension, by the year the statutory age is reached: 15 years up
to 2029, +6 months a year from 2030, 20 years from 2039 (a schedule in the parameters).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Age, Month, as_month
from sirecords.engine.params import RETIREMENT_CATEGORIES, ParameterError, ParamSet
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["Eligibility", "Retirement", "Window", "elastic_early_month", "minimum_contribution_months", "pension_eligibility",
           "retirement_window", "statutory_retirement"]


@dataclass(frozen=True)
class Retirement:
    category: str
    birth_month: Month
    original_age: Age
    original_month: Month  # the month the original age is reached
    months_after_base: int  # n
    delay_months: int
    statutory_age: Age
    retirement_month: Month
    minimum_contribution_months: int  # for the year of the retirement month
    flexible_earliest_month: Month  # the reform's window (n > 0), before the person's months are known
    flexible_latest_month: Month
    first_pension_month: Month  # of a retirement in the statutory month

    @property
    def has_flexible_window(self) -> bool:
        """Only those the reform delays (n > 0) may retire earlier or later than the statutory month."""
        return self.months_after_base > 0


@dataclass(frozen=True)
class Window:
    """The retirement months open to one person, given the months they have paid."""

    earliest_month: Month
    latest_month: Month
    minimum_met_month: Month  # the first retirement month whose counted months reach the minimum (projected if ahead)
    extension: bool  # short of the minimum at the statutory month: contributions go on until it is reached (延长缴费)
    elastic_early: bool  # the earliest month is before the statutory month (弹性提前退休)


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    contribution_months: int
    minimum_contribution_months: int
    shortfall_months: int


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def minimum_contribution_months(retirement_year: int, params: ParamSet) -> Result[int]:
    """Minimum contribution months for those reaching the statutory age in `retirement_year`."""
    if isinstance(retirement_year, bool) or not isinstance(retirement_year, int):
        raise InvalidInput(f"retirement year must be a whole year, got {retirement_year!r}")
    schedule = params.minimum_contribution_schedule
    applicable = [(from_year, months) for from_year, months in schedule if from_year <= retirement_year]
    if not applicable:
        raise ParameterError(params.origin("minimum_contribution.schedule"), "minimum_contribution.schedule",
                             f"no minimum given for {retirement_year} (the schedule starts in {schedule[0][0]})")
    from_year, months = applicable[-1]
    t = TraceBuilder("minimum_contribution_months", params.version, {"retirement_year": retirement_year})
    t.step("minimum", "最低缴费年限（按达到法定退休年龄的年份）", "minimum contribution months (by the year the statutory age is reached)",
           f"{retirement_year}: schedule from {from_year} → {months} months ({months // 12}y{months % 12}m)", months)
    return t.result(months)


def statutory_retirement(birth, category: str, params: ParamSet) -> Result[Retirement]:
    """Statutory retirement age and month of a person born in `birth` (a Month, a date or "YYYY-MM")."""
    birth = as_month(birth, "birth month")
    if category not in RETIREMENT_CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(RETIREMENT_CATEGORIES)}, got {category!r}")
    rules = params.retirement_category(category)
    base_month = params.reform_base_month
    t = TraceBuilder("retirement.statutory", params.version, {"birth_month": birth, "category": category})
    original_age = Age(rules.original_age)
    original_month = t.step("original_month", "达到原法定退休年龄的月份 = 出生月 + 原退休年龄",
                            "month the original age is reached = birth month + original age",
                            f"{birth} + {rules.original_age}y = {birth + original_age.total_months}", birth + original_age.total_months)
    n = t.step("n", "n = 自改革基准月起至达到原退休年龄的月数", "n = months from the reform base month to that month",
               f"{original_month} − {base_month} = {original_month - base_month}", original_month - base_month)
    if n <= 0:
        delay = t.step("delay", "n ≤ 0：不延迟", "n ≤ 0: no delay", f"{n} ≤ 0 → 0", 0)
    else:
        step, cap = rules.months_per_delay_month, rules.max_delay_months
        delay = t.step("delay", f"延迟月数 = min(⌈n / {step}⌉, {cap})", f"delay = min(ceil(n / {step}), {cap})",
                       f"min(⌈{n} / {step}⌉, {cap}) = min({_ceil_div(n, step)}, {cap}) = {min(_ceil_div(n, step), cap)}",
                       min(_ceil_div(n, step), cap))
    statutory_age = Age.from_months(original_age.total_months + delay)
    t.step("statutory_age", "法定退休年龄 = 原退休年龄 + 延迟月数", "statutory age = original age + delay",
           f"{original_age} + {delay}m = {statutory_age}", statutory_age)
    retirement_month = t.step("retirement_month", "退休月份 = 出生月 + 法定退休年龄", "retirement month = birth month + statutory age",
                              f"{birth} + {statutory_age} = {birth + statutory_age.total_months}", birth + statutory_age.total_months)
    minimum = minimum_contribution_months(retirement_month.year, params)
    t.include("minimum", minimum.trace)
    if n > 0:
        earliest = max(original_month, retirement_month - params.flexible_earlier_months)
        latest = retirement_month + params.flexible_later_months
        t.step("flexible", "弹性退休：最早提前3年（不早于原退休年龄，且须满足最低缴费年限），最晚推迟3年",
               "flexible retirement: up to 3 years earlier (not below the original age, minimum years met), up to 3 years later",
               f"max({original_month}, {retirement_month} − {params.flexible_earlier_months}m) = {earliest}; "
               f"{retirement_month} + {params.flexible_later_months}m = {latest}", (earliest, latest))
    else:
        earliest = latest = retirement_month
        t.step("flexible", "改革前已达原退休年龄（n ≤ 0）：无弹性退休，按法定退休月份退休",
               "original age reached before the reform (n ≤ 0): no flexible window, retirement in the statutory month",
               f"n = {n} ≤ 0 → {retirement_month} … {retirement_month}", (earliest, latest))
    offset = params.first_pension_month_offset
    first = t.step("first_pension_month", "首次领取养老金月份 = 退休月份 + 偏移（次月 = 1）",
                   "first pension month = retirement month + offset (the month after = 1)",
                   f"{retirement_month} + {offset}m = {retirement_month + offset}", retirement_month + offset)
    return t.result(Retirement(category, birth, original_age, original_month, n, delay, statutory_age, retirement_month,
                               minimum.value, earliest, latest, first))


def _counted(months: Iterable) -> list[Month]:
    return sorted({as_month(month, "contribution month") for month in months})


def retirement_window(plan: Retirement, months: Iterable, deemed_months: int, params: ParamSet) -> Result[Window]:
    """The retirement months open to a person with these paid contribution `months` (each counted once) and
    `deemed_months`: a month m counts for a retirement in R when it is before R's first pension month.

    The minimum is met in the first retirement month whose counted months reach it; beyond the months paid,
    contributing on from the statutory month (projected). Met after the statutory month: the person extends
    contributions (延长缴费) to that month, which is then both the earliest and (past the reform's +3 years, or
    without a window) the latest month. Met before: the reform's window (n > 0) from max(original month,
    statutory − 3 years, the month met) to statutory + 3 years; without a window only the statutory month."""
    if isinstance(deemed_months, bool) or not isinstance(deemed_months, int) or deemed_months < 0:
        raise InvalidInput(f"deemed months must be a whole number ≥ 0, got {deemed_months!r}")
    counted = _counted(months)
    statutory, minimum, offset = plan.retirement_month, plan.minimum_contribution_months, params.first_pension_month_offset
    need = minimum - deemed_months
    t = TraceBuilder("retirement.window", params.version, {"statutory_month": statutory, "months": len(counted),
                                                            "deemed_months": deemed_months, "minimum": minimum})
    # Retiring in R counts the months up to R + offset − 1, so the minimum counts from the month it is paid + 1 − offset.
    if need <= 0:
        met = t.step("met", "视同缴费月数已达最低缴费年限", "deemed months alone reach the minimum",
                     f"{deemed_months} ≥ {minimum}", plan.birth_month)
    elif len(counted) >= need:
        met = t.step("met", "达到最低缴费年限的退休月份 = 第 (最低 − 视同) 个缴费月 + 1 − 偏移",
                     "retirement month the minimum is met = the (minimum − deemed)th paid month + 1 − offset",
                     f"month #{need} = {counted[need - 1]}; + 1 − {offset} = {counted[need - 1] + 1 - offset}",
                     counted[need - 1] + 1 - offset)
    else:
        last = max(statutory, counted[-1] + 1 - offset) if counted else statutory
        met = t.step("met", "缴费不足：自法定退休月份起继续缴费至满最低缴费年限（延长缴费）",
                     "short of the minimum: contributions go on from the statutory month until it is met (extension)",
                     f"{last} + ({need} − {len(counted)}) = {last + (need - len(counted))}", last + (need - len(counted)))
    if met > statutory:
        earliest = met
        latest = max(met, statutory + params.flexible_later_months) if plan.has_flexible_window else met
        t.step("window", "延长缴费：最早为满最低缴费年限的月份，最晚不受推迟3年之限",
               "extension: the earliest month is the one the minimum is met in, the latest not capped at +3 years",
               f"{earliest} … {latest}", (earliest, latest))
    elif plan.has_flexible_window:
        earliest = max(plan.flexible_earliest_month, met)
        latest = plan.flexible_latest_month
        t.step("window", "弹性退休：最早 = max(弹性最早月份, 满最低缴费年限月份)，最晚 = 法定 + 3年",
               "flexible: earliest = max(the window's earliest, the month the minimum is met), latest = statutory + 3 years",
               f"max({plan.flexible_earliest_month}, {met}) = {earliest} … {latest}", (earliest, latest))
    else:
        earliest = latest = statutory
        t.step("window", "无弹性退休窗口：仅法定退休月份", "no flexible window: the statutory month only",
               f"{statutory} … {statutory}", (earliest, latest))
    return t.result(Window(earliest, latest, met, met > statutory, earliest < statutory))


def elastic_early_month(plan: Retirement, months: Iterable, deemed_months: int, params: ParamSet) -> Result[Month | None]:
    """Whether and from when the person may retire early (弹性提前退休): the earliest month before the statutory
    month, never before max(original month, statutory − 3 years) and only with the minimum met; None when not."""
    window = retirement_window(plan, months, deemed_months, params)
    value = window.value.earliest_month if window.value.elastic_early else None
    return Result(value, window.trace)


def pension_eligibility(contribution_months: int, retirement_year: int, params: ParamSet) -> Result[Eligibility]:
    """Whether the contribution months reach the minimum for a monthly pension in `retirement_year`.

    Short of it, the person may extend contributions (or pay the shortfall at once where eligible),
    transfer to the resident scheme, or terminate and receive the account balance.
    """
    if isinstance(contribution_months, bool) or not isinstance(contribution_months, int) or contribution_months < 0:
        raise InvalidInput(f"contribution months must be a whole number ≥ 0, got {contribution_months!r}")
    minimum = minimum_contribution_months(retirement_year, params)
    shortfall = max(0, minimum.value - contribution_months)
    t = TraceBuilder("retirement.eligibility", params.version, {"contribution_months": contribution_months,
                                                                "retirement_year": retirement_year})
    t.include("minimum", minimum.trace)
    t.step("eligible", "缴费年限 ≥ 最低缴费年限 → 按月领取基本养老金", "contribution months ≥ minimum → monthly pension",
           f"{contribution_months} {'≥' if not shortfall else '<'} {minimum.value}"
           + (f"; shortfall 差 {shortfall} months" if shortfall else ""), not shortfall)
    return t.result(Eligibility(not shortfall, contribution_months, minimum.value, shortfall))

"""Statutory retirement age and month under the 2025 reform; flexible retirement; minimum contribution years.

Original ages: men 60, women 55 (cadre-type posts, ``female55``) or 50 (worker-type posts, ``female50``).
n = months from the reform base month (2024-12) to the month the original age is reached (2025-01 gives
n = 1). Delay = 0 if n ≤ 0, otherwise ``min(ceil(n / 4), 36)`` for men and female55,
``min(ceil(n / 2), 60)`` for female50 (the divisors and caps are parameters). Statutory age = original
age + delay; retirement month = birth month + statutory age.

Flexible retirement: from up to 3 years before the statutory age (never below the original age, and only
once the minimum contribution years are met) to up to 3 years after it, by agreement.

Minimum contribution years for a monthly pension, by the year the statutory age is reached: 15 years up
to 2029, +6 months a year from 2030, 20 years from 2039 (a schedule in the parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Age, Month, as_month
from sirecords.engine.params import RETIREMENT_CATEGORIES, ParameterError, ParamSet
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["Eligibility", "Retirement", "minimum_contribution_months", "pension_eligibility", "statutory_retirement"]


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
    flexible_earliest_month: Month
    flexible_latest_month: Month


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
    earliest = max(original_month, retirement_month - params.flexible_earlier_months)
    latest = retirement_month + params.flexible_later_months
    t.step("flexible", "弹性退休：最早提前3年（不早于原退休年龄，且须满足最低缴费年限），最晚推迟3年",
           "flexible retirement: up to 3 years earlier (not below the original age, minimum years met), up to 3 years later",
           f"max({original_month}, {retirement_month} − {params.flexible_earlier_months}m) = {earliest}; "
           f"{retirement_month} + {params.flexible_later_months}m = {latest}", (earliest, latest))
    return t.result(Retirement(category, birth, original_age, original_month, n, delay, statutory_age, retirement_month,
                               minimum.value, earliest, latest))


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

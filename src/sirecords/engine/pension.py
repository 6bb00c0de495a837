"""Basic pension (待遇标准, 国发〔2005〕38号): basic part + account part (+ transitional part).

* basic part = C × (1 + Ī) / 2 × N × 1%, with C the pension calculation base (计发基数) of the retirement
  year, Ī the average contribution wage index and N = contribution months / 12 (deemed included). It is
  computed as C × (1 + Ī) × months / 2400 (one division, N never rounded).
* account part = balance ÷ months divisor (计发月数) for the age at retirement; for an age with extra
  months the divisor is interpolated linearly between whole years and rounded to one decimal
  (60y1m: 139 + (132 − 139) × 1 / 12 = 138.41… → 138.4).
* transitional part (regional, optional): C × Ī × deemed months / 12 × the region's coefficient.
* Each part is rounded to the fen (pension rounding mode), then they are added.
* Yearly adjustment: current × percent + fixed amount + amount per whole contribution year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import InvalidInput, as_decimal, exact, half_up, parse_amount, parse_rate, round_money, show
from sirecords.core.periods import Age
from sirecords.engine.params import ParamSet
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["Adjustment", "Pension", "account_part", "adjust_for", "adjust_pension", "average_wage_index", "basic_part",
           "basic_pension", "months_divisor", "pension_for", "transitional_part"]

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Pension:
    basic_part: Decimal
    account_part: Decimal
    transitional_part: Decimal
    total: Decimal
    months_divisor: Decimal


@dataclass(frozen=True)
class Adjustment:
    before: Decimal
    increase: Decimal
    after: Decimal


def _index(value, what: str = "wage index") -> Decimal:
    index = as_decimal(value, what)
    if index < 0 or index > 10:
        raise InvalidInput(f"{what} must be between 0 and 10 (typically 0.6–3), got {index}")
    return index


def _months(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{what} must be a whole number of months ≥ 0, got {value!r}")
    return value


def months_divisor(age, table: Mapping[int, Decimal], *, version: str | None = None) -> Result[Decimal]:
    """计发月数 for an age at retirement (``60``, ``"60y1m"`` or an `Age`), from the table by whole years."""
    age = Age.parse(age)
    table = {int(k): as_decimal(v, f"months divisor for age {k}") for k, v in table.items()}
    t = TraceBuilder("pension.months_divisor", version, {"age": age})
    if age.years not in table or (age.months and age.years + 1 not in table):
        ages = sorted(table)
        raise InvalidInput(f"no months divisor for age {age}: the table covers {ages[0]} to {ages[-1]} years"
                           if ages else "the months divisor table is empty")
    low = table[age.years]
    if not age.months:
        value = low.quantize(TENTH) if low == low.quantize(TENTH) else low
        return t.result(t.step("divisor", f"计发月数（{age.years}岁）", f"months divisor at {age.years}", f"{value}", value))
    high = table[age.years + 1]
    with exact():
        interpolated = low + (high - low) * age.months / 12
    value = half_up(interpolated, 1)
    t.step("divisor", f"计发月数按{age.years}岁与{age.years + 1}岁线性插值，保留一位小数",
           f"months divisor interpolated between {age.years} and {age.years + 1}, one decimal",
           f"{low} + ({high} − {low}) × {age.months} / 12 = {show(interpolated)} → {value}", value)
    return t.result(value)


def basic_part(pension_base, wage_index, contribution_months: int, *, rounding: str = "half_up",
               version: str | None = None) -> Result[Decimal]:
    base = parse_amount(pension_base, "pension base")
    index = _index(wage_index)
    months = _months(contribution_months, "contribution months")
    t = TraceBuilder("pension.basic_part", version, {"pension_base": base, "wage_index": index, "contribution_months": months,
                                                     "rounding": rounding})
    with exact():
        exact_value = base * (1 + index) * months / 2400
    value = round_money(exact_value, rounding)
    t.step("basic_part", "基础养老金 = 计发基数 × (1 + 平均缴费工资指数) / 2 × 缴费年限 × 1%",
           "basic part = C × (1 + Ī) / 2 × N × 1%, N = months / 12",
           f"{base} × (1 + {index}) / 2 × {months}/12 × 1% = {show(exact_value)} → {value}", value)
    return t.result(value)


def account_part(balance, divisor, *, rounding: str = "half_up", version: str | None = None) -> Result[Decimal]:
    balance = parse_amount(balance, "account balance")
    divisor = as_decimal(divisor, "months divisor")
    if divisor <= 0:
        raise InvalidInput(f"months divisor must be > 0, got {divisor}")
    t = TraceBuilder("pension.account_part", version, {"balance": balance, "months_divisor": divisor, "rounding": rounding})
    with exact():
        exact_value = balance / divisor
    value = round_money(exact_value, rounding)
    t.step("account_part", "个人账户养老金 = 个人账户储存额 ÷ 计发月数", "account part = balance ÷ months divisor",
           f"{balance} ÷ {divisor} = {show(exact_value)} → {value}", value)
    return t.result(value)


def transitional_part(pension_base, wage_index, deemed_months: int, coefficient, *, rounding: str = "half_up",
                      version: str | None = None) -> Result[Decimal]:
    base = parse_amount(pension_base, "pension base")
    index = _index(wage_index)
    deemed = _months(deemed_months, "deemed months")
    coefficient = parse_rate(coefficient, "transitional coefficient", maximum=Decimal("0.1"))
    t = TraceBuilder("pension.transitional_part", version, {"pension_base": base, "wage_index": index, "deemed_months": deemed,
                                                            "coefficient": coefficient, "rounding": rounding})
    with exact():
        exact_value = base * index * deemed * coefficient / 12
    value = round_money(exact_value, rounding)
    t.step("transitional_part", "过渡性养老金 = 计发基数 × 平均缴费工资指数 × 视同缴费年限 × 过渡系数",
           "transitional part = C × Ī × deemed months / 12 × coefficient",
           f"{base} × {index} × {deemed}/12 × {coefficient} = {show(exact_value)} → {value}", value)
    return t.result(value)


def basic_pension(*, pension_base, wage_index, contribution_months: int, balance, age, divisor_table: Mapping[int, Decimal],
                  rounding: str = "half_up", transitional_coefficient=None, deemed_months: int = 0,
                  version: str | None = None) -> Result[Pension]:
    """Monthly basic pension at retirement: each part rounded to the fen, then added."""
    if _months(deemed_months, "deemed months") > _months(contribution_months, "contribution months"):
        raise InvalidInput(f"deemed months ({deemed_months}) are part of the contribution months ({contribution_months}): "
                           "they cannot be more")
    divisor = months_divisor(age, divisor_table, version=version)
    basic = basic_part(pension_base, wage_index, contribution_months, rounding=rounding, version=version)
    account = account_part(balance, divisor.value, rounding=rounding, version=version)
    t = TraceBuilder("pension.basic_pension", version, {**basic.trace.inputs, "balance": account.trace.inputs["balance"],
                                                        "age": Age.parse(age), "deemed_months": deemed_months,
                                                        "transitional_coefficient": transitional_coefficient})
    t.include("divisor", divisor.trace)
    t.include("basic", basic.trace)
    t.include("account", account.trace)
    transitional = Decimal("0.00")
    if transitional_coefficient is not None:
        part = transitional_part(pension_base, wage_index, deemed_months, transitional_coefficient, rounding=rounding,
                                 version=version)
        t.include("transitional", part.trace)
        transitional = part.value
    total = basic.value + account.value + transitional
    t.step("total", "基本养老金 = 基础养老金 + 个人账户养老金 + 过渡性养老金（各自先舍入到分）",
           "basic pension = basic part + account part + transitional part (each rounded to the fen first)",
           f"{basic.value} + {account.value} + {transitional} = {total}", total)
    return t.result(Pension(basic.value, account.value, transitional, total, divisor.value))


def pension_for(params: ParamSet, *, wage_index, contribution_months: int, balance, age, deemed_months: int = 0,
                pension_base=None) -> Result[Pension]:
    """`basic_pension` with the set's pension base (``[year] pension_base`` of the retirement year), 计发月数
    table, pension rounding and transitional coefficient (if the region has one)."""
    return basic_pension(pension_base=params.pension_base if pension_base is None else pension_base, wage_index=wage_index,
                         contribution_months=contribution_months, balance=balance, age=age,
                         divisor_table=params.months_divisor_table, rounding=params.rounding("pension"),
                         transitional_coefficient=params.transitional_coefficient, deemed_months=deemed_months,
                         version=params.version)


def average_wage_index(entries: Iterable, *, deemed_months: int = 0, deemed_index=Decimal(1), places: int = 4,
                       version: str | None = None) -> Result[Decimal]:
    """Ī: the monthly contribution wage indexes (contribution base ÷ that year's reference average wage)
    averaged over all months, deemed months counting at `deemed_index` (usually 1.0); `places` decimals.

    `entries`: (contribution_base, reference_average_wage, months) — one per year, or one per month with
    months = 1.
    """
    deemed = _months(deemed_months, "deemed months")
    deemed_index = _index(deemed_index, "deemed index")
    rows = []
    for n, entry in enumerate(entries, start=1):
        try:
            base, average, months = entry
        except (TypeError, ValueError):
            raise InvalidInput(f"entry {n} must be (contribution_base, reference_average_wage, months)") from None
        base, average = parse_amount(base, f"entry {n} base"), parse_amount(average, f"entry {n} average wage")
        if average == 0:
            raise InvalidInput(f"entry {n}: the reference average wage must be > 0")
        rows.append((base, average, _months(months, f"entry {n} months")))
    total_months = sum(m for _, _, m in rows) + deemed
    if total_months == 0:
        raise InvalidInput("no contribution months: the wage index is undefined")
    t = TraceBuilder("pension.wage_index", version, {"entries": rows, "deemed_months": deemed, "deemed_index": deemed_index,
                                                     "places": places})
    with exact():
        weighted = sum((base / average * months for base, average, months in rows), Decimal(0)) + deemed_index * deemed
        exact_value = weighted / total_months
    value = half_up(exact_value, places)
    t.step("wage_index", "平均缴费工资指数 = Σ(各月缴费基数 ÷ 当年社平工资) ÷ 总月数（视同月按指数计）",
           "average wage index = Σ(month's base ÷ that year's average wage) ÷ months (deemed months at their index)",
           f"{weighted:.6f} ÷ {total_months} = {exact_value:.8f} → {value}", value)
    return t.result(value)


def adjust_pension(current, *, percent=Decimal(0), fixed=Decimal(0), per_year=Decimal(0), contribution_months: int = 0,
                   rounding: str = "half_up", version: str | None = None) -> Result[Adjustment]:
    """A yearly adjustment: current × percent + fixed + per_year × whole contribution years, to the fen."""
    current = parse_amount(current, "current pension")
    percent = parse_rate(percent, "adjustment percent", maximum=Decimal("0.5"))
    fixed = parse_amount(fixed, "fixed adjustment")
    per_year = parse_amount(per_year, "adjustment per contribution year")
    months = _months(contribution_months, "contribution months")
    t = TraceBuilder("pension.adjustment", version, {"current": current, "percent": percent, "fixed": fixed,
                                                     "per_year": per_year, "contribution_months": months, "rounding": rounding})
    with exact():
        linked = round_money(current * percent, rounding)
    t.step("percent", "按比例调整 = 调整前养老金 × 调整比例", "percentage increase = current × percent",
           f"{current} × {percent} = {linked}", linked)
    increase = linked + fixed + per_year * (months // 12)
    t.step("increase", "增加额 = 比例部分 + 定额部分 + 每满一年缴费年限的挂钩额", "increase = percentage + fixed + per whole year",
           f"{linked} + {fixed} + {per_year} × {months // 12} = {increase}", increase)
    after = current + increase
    t.step("after", "调整后养老金", "pension after the adjustment", f"{current} + {increase} = {after}", after)
    return t.result(Adjustment(current, increase, after))


def adjust_for(params: ParamSet, current, *, contribution_months: int = 0) -> Result[Adjustment]:
    """The year's adjustment from the set's ``[year] adjustment_*`` values."""
    percent, fixed, per_year = params.adjustment
    return adjust_pension(current, percent=percent, fixed=fixed, per_year=per_year, contribution_months=contribution_months,
                          rounding=params.rounding("pension"), version=params.version)

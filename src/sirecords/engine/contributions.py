"""Contribution base and amounts (缴费基数, 缴费数额) and the monthly individual-account credit.

* floor = reference average wage × floor ratio (60%), ceiling = × ceiling ratio (300%), each rounded to
  the fen by the contribution rounding mode; or the amounts a region publishes. For insurance type T each
  bound is, the most specific first: ``[year.limits.T] base_floor`` (published for T), the wage ×
  ``[contribution.T] floor_ratio`` (T's own ratio), ``[year] base_floor`` (published for every type),
  the wage × ``[contribution] floor_ratio`` (and the same for the ceiling). The [year] values are those
  of the contribution year containing the month (``[contribution] year_start_month``, see params);
* contribution base = the wage clamped to [floor, ceiling];
* amount per party = base × the party's rate, rounded to the fen; the account credit = base × the
  account rate (8% since 2006, 11% of the base before), rounded to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import exact, parse_amount, parse_rate, round_money
from sirecords.engine.params import CATEGORIES, INSURANCE_TYPES, ParameterError, ParamSet, Rates
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["BaseLimits", "Contribution", "ContributionAmounts", "ContributionBase", "base_limits", "clamp_base", "contribution",
           "contribution_amounts", "contribution_base", "limits_for"]


@dataclass(frozen=True)
class BaseLimits:
    floor: Decimal
    ceiling: Decimal


@dataclass(frozen=True)
class ContributionBase:
    contribution_base: Decimal
    floor: Decimal
    ceiling: Decimal
    clamped: str | None  # "floor", "ceiling" or None (the wage was within the limits)


@dataclass(frozen=True)
class ContributionAmounts:
    employer_amount: Decimal
    individual_amount: Decimal
    account_credit: Decimal  # the month's credit to the individual account (part of the individual amount since 2006)

    @property
    def total(self) -> Decimal:
        return self.employer_amount + self.individual_amount


@dataclass(frozen=True)
class Contribution:
    insurance_type: str
    category: str
    contribution_base: Decimal
    floor: Decimal
    ceiling: Decimal
    clamped: str | None
    employer_amount: Decimal
    individual_amount: Decimal
    account_credit: Decimal

    @property
    def total(self) -> Decimal:
        return self.employer_amount + self.individual_amount


def base_limits(reference_average_wage, *, floor_ratio, ceiling_ratio, rounding: str = "half_up",
                version: str | None = None) -> Result[BaseLimits]:
    average = parse_amount(reference_average_wage, "reference average wage")
    floor_ratio = parse_rate(floor_ratio, "floor ratio")
    ceiling_ratio = parse_rate(ceiling_ratio, "ceiling ratio", maximum=Decimal(10))
    t = TraceBuilder("contribution.base_limits", version, {"reference_average_wage": average, "floor_ratio": floor_ratio,
                                                           "ceiling_ratio": ceiling_ratio, "rounding": rounding})
    with exact():
        floor = round_money(average * floor_ratio, rounding)
        ceiling = round_money(average * ceiling_ratio, rounding)
    t.step("floor", "缴费基数下限 = 社平工资 × 下限比例", "base floor = reference average wage × floor ratio",
           f"{average} × {floor_ratio} = {floor}", floor)
    t.step("ceiling", "缴费基数上限 = 社平工资 × 上限比例", "base ceiling = reference average wage × ceiling ratio",
           f"{average} × {ceiling_ratio} = {ceiling}", ceiling)
    return t.result(BaseLimits(floor, ceiling))


_NAMES = {"floor": ("缴费基数下限", "base floor"), "ceiling": ("缴费基数上限", "base ceiling")}


def limits_for(params: ParamSet, insurance_type: str = "pension", *, reference_average_wage=None) -> Result[BaseLimits]:
    """The base floor and ceiling of `insurance_type` under `params` (see the module docstring for which value
    wins). `reference_average_wage` replaces the set's own where a bound is derived from it."""
    if insurance_type not in INSURANCE_TYPES:
        raise ParameterError(None, f"contribution.{insurance_type}", f"unknown insurance type; known: {', '.join(INSURANCE_TYPES)}")
    rounding = params.rounding("contribution")
    inputs: dict = {"insurance_type": insurance_type, "rounding": rounding, "limits_year": params.limits_year}
    t = TraceBuilder("contribution.limits", params.version, inputs)
    bounds = {}
    for bound in ("floor", "ceiling"):
        zh, en = _NAMES[bound]
        published_key = f"year.limits.{insurance_type}.base_{bound}"
        published = params.get(published_key, None)
        ratio_key = f"contribution.{insurance_type}.{bound}_ratio"
        ratio = params.get(ratio_key, None)
        if published is None and ratio is None:  # nothing of the type's own: the general values
            published_key = f"year.base_{bound}"
            published = params.get(published_key, None)
            ratio_key = f"contribution.{bound}_ratio"
        if published is not None:
            inputs[f"base_{bound}"] = published
            bounds[bound] = t.step(bound, f"{zh} = 公布的{zh} ({published_key})", f"{en} = the published {en} ({published_key})",
                                   f"{published}", published)
            continue
        ratio = params.get(ratio_key)
        if reference_average_wage is None:
            average = params.reference_average_wage
        else:
            average = parse_amount(reference_average_wage, "reference average wage")
        inputs["reference_average_wage"] = average
        inputs[f"{bound}_ratio"] = ratio
        with exact():
            value = round_money(average * ratio, rounding)
        bounds[bound] = t.step(bound, f"{zh} = 社平工资 × 比例 ({ratio_key})", f"{en} = reference average wage × ratio ({ratio_key})",
                               f"{average} × {ratio} = {value}", value)
    t.inputs = inputs
    if bounds["floor"] >= bounds["ceiling"]:
        raise ParameterError(None, f"contribution.{insurance_type}", f"the {insurance_type} base floor {bounds['floor']} is not "
                                   f"below its ceiling {bounds['ceiling']} ({params.region} {params.period})")
    return t.result(BaseLimits(bounds["floor"], bounds["ceiling"]))


def clamp_base(wage, limits: Result[BaseLimits], *, version: str | None = None) -> Result[ContributionBase]:
    """The wage clamped to `limits` (the trace of the limits included)."""
    wage = parse_amount(wage, "wage")
    floor, ceiling = limits.value.floor, limits.value.ceiling
    t = TraceBuilder("contribution.base", version, {**limits.trace.inputs, "wage": wage})
    t.include("limits", limits.trace)
    if wage < floor:
        base, clamped = floor, "floor"
        t.step("base", "工资低于下限，按下限缴费", "wage below the floor: the floor is the base", f"{wage} < {floor} → {floor}", base)
    elif wage > ceiling:
        base, clamped = ceiling, "ceiling"
        t.step("base", "工资高于上限，按上限缴费", "wage above the ceiling: the ceiling is the base",
               f"{wage} > {ceiling} → {ceiling}", base)
    else:
        base, clamped = wage, None
        t.step("base", "工资在上下限之间，按工资缴费", "wage within the limits: the wage is the base",
               f"{floor} ≤ {wage} ≤ {ceiling} → {wage}", base)
    return t.result(ContributionBase(base, floor, ceiling, clamped))


def contribution_base(wage, reference_average_wage, *, floor_ratio, ceiling_ratio, rounding: str = "half_up",
                      version: str | None = None) -> Result[ContributionBase]:
    """The wage clamped to the floor and ceiling derived from the reference average wage."""
    wage = parse_amount(wage, "wage")
    limits = base_limits(reference_average_wage, floor_ratio=floor_ratio, ceiling_ratio=ceiling_ratio, rounding=rounding,
                         version=version)
    return clamp_base(wage, limits, version=version)


def contribution_amounts(base, *, employer_rate, individual_rate, account_rate=Decimal(0), rounding: str = "half_up",
                         version: str | None = None) -> Result[ContributionAmounts]:
    """Amount per party (base × rate) and the individual-account credit, each rounded to the fen."""
    base = parse_amount(base, "contribution base")
    employer_rate = parse_rate(employer_rate, "employer rate")
    individual_rate = parse_rate(individual_rate, "individual rate")
    account_rate = parse_rate(account_rate, "account rate")
    t = TraceBuilder("contribution.amounts", version, {"contribution_base": base, "employer_rate": employer_rate,
                                                       "individual_rate": individual_rate, "account_rate": account_rate,
                                                       "rounding": rounding})
    with exact():
        employer = round_money(base * employer_rate, rounding)
        individual = round_money(base * individual_rate, rounding)
        account = round_money(base * account_rate, rounding)
    t.step("employer_amount", "单位缴费 = 缴费基数 × 单位费率", "employer amount = base × employer rate",
           f"{base} × {employer_rate} = {employer}", employer)
    t.step("individual_amount", "个人缴费 = 缴费基数 × 个人费率", "individual amount = base × individual rate",
           f"{base} × {individual_rate} = {individual}", individual)
    t.step("account_credit", "记入个人账户 = 缴费基数 × 记账比例", "individual-account credit = base × account rate",
           f"{base} × {account_rate} = {account}", account)
    return t.result(ContributionAmounts(employer, individual, account))


def contribution(params: ParamSet, wage, *, insurance_type: str = "pension", category: str = "employee",
                 reference_average_wage=None) -> Result[Contribution]:
    """Base and amounts of one month for one insurance type, from a parameter set.

    The base is clamped to the type's limits (`limits_for`). `reference_average_wage` defaults to the
    set's own (``[year] reference_average_wage``); published limits do not depend on it. For flexible
    workers (``category="flexible"``) `wage` is the base they chose; it is clamped the same way.
    """
    if insurance_type not in INSURANCE_TYPES or category not in CATEGORIES:
        params.rates(insurance_type, category)  # raises with the known values
    rounding = params.rounding("contribution")
    rates: Rates = params.rates(insurance_type, category)
    wage = parse_amount(wage, "wage")
    base = clamp_base(wage, limits_for(params, insurance_type, reference_average_wage=reference_average_wage),
                      version=params.version)
    amounts = contribution_amounts(base.value.contribution_base, employer_rate=rates.employer, individual_rate=rates.individual,
                                   account_rate=rates.account, rounding=rounding, version=params.version)
    t = TraceBuilder("contribution", params.version, {**base.trace.inputs, "insurance_type": insurance_type, "category": category,
                                                      **{k: v for k, v in amounts.trace.inputs.items() if k != "contribution_base"}})
    t.include("base", base.trace)
    t.include("amounts", amounts.trace)
    b, a = base.value, amounts.value
    return t.result(Contribution(insurance_type, category, b.contribution_base, b.floor, b.ceiling, b.clamped,
                                 a.employer_amount, a.individual_amount, a.account_credit))

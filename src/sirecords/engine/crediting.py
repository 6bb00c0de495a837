"""Annual crediting of the individual account (个人账户记账, 劳办发〔1997〕116号 annex 3).

Simple interest within the year, compounded annually. With r the year's crediting rate:

* monthly accumulation method (the default)::

      interest_on_prior   = prior × r
      interest_on_credits = r / 12 × Σ_{n=1..12} credit_n × (13 − n)     (a credit in month n earns 13 − n months)

* annual method (closed form for equal credits; 1.083 applies to the rate term only)::

      interest_on_prior   = prior × r
      interest_on_credits = credits × r × 1.083 / 2

* part years (retirement, transfer, death) of m months, monthly method only::

      interest_on_prior   = prior × m × r / 12
      interest_on_credits = r / 12 × Σ_{n=1..m} credit_n × (m + 1 − n)

  (for m = 12 this is the full-year formula).

Each interest amount is rounded by the region's interest rounding mode (half-up to the fen, or 见分进角);
``year_end = prior + interest_on_prior + credits + interest_on_credits``, so the figures shown always add up.
Products are formed first and divided once, so an exact half fen is seen as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import InvalidInput, exact, parse_amount, parse_rate, round_money, show
from sirecords.engine.params import ParamSet
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["ANNUAL_FACTOR", "METHODS", "Crediting", "Recrediting", "credit_account_year", "credit_year", "credit_year_values",
           "recredit_year"]

METHODS = ("monthly", "annual")
ANNUAL_FACTOR = Decimal("1.083")


@dataclass(frozen=True)
class Crediting:
    prior: Decimal
    credits: Decimal  # the year's credits, summed
    rate: Decimal
    months: int
    method: str
    interest_on_prior: Decimal
    interest_on_credits: Decimal
    year_end: Decimal

    @property
    def interest(self) -> Decimal:
        return self.interest_on_prior + self.interest_on_credits


@dataclass(frozen=True)
class Recrediting:
    """The same year credited at the old (provisional) and the new (official) rate."""

    before: Crediting
    after: Crediting
    interest_difference: Decimal  # after − before: the amount to post (negative: to reverse)
    year_end_difference: Decimal


def _check(prior, credits, rate, method, months, rounding):
    prior = parse_amount(prior, "prior balance")
    if isinstance(credits, (str, bytes)) or not isinstance(credits, Sequence):
        raise InvalidInput("credits must be a sequence of monthly amounts")
    credits = tuple(parse_amount(c, f"credit of month {n}") for n, c in enumerate(credits, start=1))
    rate = parse_rate(rate, "crediting rate")
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
        raise InvalidInput(f"months must be a whole number from 1 to 12, got {months!r}")
    if method == "annual" and months != 12:
        raise InvalidInput("the annual (1.083) method is for whole years; credit a part year by the monthly method")
    if method == "monthly" and len(credits) != months:
        raise InvalidInput(f"the monthly method needs one credit per month: {months} expected, got {len(credits)}")
    round_money(Decimal(0), rounding)  # rejects an unknown rounding mode
    return prior, credits, rate


def credit_year_values(prior: Decimal, credits: Sequence[Decimal], rate: Decimal, *, method: str = "monthly",
                       months: int = 12, rounding: str = "half_up") -> Crediting:
    """The figures of `credit_year` without the trace (same arithmetic, for bulk use)."""
    return _credit(*_check(prior, credits, rate, method, months, rounding), method, months, rounding)[0]


def _credit(prior, credits, rate, method, months, rounding):
    total = sum(credits, Decimal(0))
    with exact():
        if method == "monthly":
            weighted = sum((c * (months + 1 - n) for n, c in enumerate(credits, start=1)), Decimal(0))
            on_prior_exact = prior * rate * months / 12
            on_credits_exact = rate * weighted / 12
        else:
            weighted = None
            on_prior_exact = prior * rate
            on_credits_exact = total * rate * ANNUAL_FACTOR / 2
        on_prior = round_money(on_prior_exact, rounding)
        on_credits = round_money(on_credits_exact, rounding)
    year_end = prior + on_prior + total + on_credits
    return Crediting(prior, total, rate, months, method, on_prior, on_credits, year_end), weighted, on_prior_exact, on_credits_exact


def credit_year(prior, credits: Sequence, rate, *, method: str = "monthly", months: int = 12, rounding: str = "half_up",
                rate_status: str | None = None, version: str | None = None) -> Result[Crediting]:
    """Credit one year (or the first `months` months of it) of an individual account.

    `credits` are the monthly credits in order (one per month for the monthly method; for the annual
    method only their sum counts). `rate` is a fraction (Decimal("0.0262")) or text ("2.62%").
    """
    prior, credits, rate = _check(prior, credits, rate, method, months, rounding)
    value, weighted, on_prior_exact, on_credits_exact = _credit(prior, credits, rate, method, months, rounding)
    t = TraceBuilder("crediting.year", version, {"prior": prior, "credits": credits, "rate": rate, "rate_status": rate_status,
                                                 "method": method, "months": months, "rounding": rounding})
    if months == 12:
        t.step("interest_on_prior", "上年末储存额利息 = 上年末储存额 × 记账利率", "interest on the prior balance = prior × r",
               f"{prior} × {rate} = {show(on_prior_exact)} → {value.interest_on_prior}", value.interest_on_prior)
    else:
        t.step("interest_on_prior", "上年末储存额利息 = 上年末储存额 × 月数 × 记账利率 / 12",
               "interest on the prior balance (part year) = prior × months × r / 12",
               f"{prior} × {months} × {rate} / 12 = {show(on_prior_exact)} → {value.interest_on_prior}",
               value.interest_on_prior)
    if method == "monthly":
        weights = " + ".join(f"{c} × {months + 1 - n}" for n, c in enumerate(credits, start=1))
        t.step("weighted_credits", "月积数 = Σ 第n月记账额 × (" + f"{months + 1}" + " − n)",
               f"credit-months = Σ credit_n × ({months + 1} − n)", f"{weights} = {weighted}", weighted)
        t.step("interest_on_credits", "当年记账额利息 = 记账利率 / 12 × 月积数 (月积数法)",
               "interest on the year's credits = r / 12 × credit-months (monthly accumulation method)",
               f"{rate} / 12 × {weighted} = {show(on_credits_exact)} → {value.interest_on_credits}",
               value.interest_on_credits)
    else:
        t.step("interest_on_credits", "当年记账额利息 = 当年记账额 × 记账利率 × 1.083 / 2 (年度计算法)",
               "interest on the year's credits = credits × r × 1.083 / 2 (annual method)",
               f"{value.credits} × {rate} × 1.083 / 2 = {show(on_credits_exact)} → {value.interest_on_credits}",
               value.interest_on_credits)
    t.step("year_end", "年末储存额 = 上年末储存额 + 其利息 + 当年记账额 + 其利息",
           "year-end balance = prior + its interest + credits + their interest",
           f"{prior} + {value.interest_on_prior} + {value.credits} + {value.interest_on_credits} = {value.year_end}", value.year_end)
    return t.result(value)


def recredit_year(prior, credits: Sequence, old_rate, new_rate, *, method: str = "monthly", months: int = 12,
                  rounding: str = "half_up", version: str | None = None) -> Result[Recrediting]:
    """The difference when an official rate replaces the provisional one a year was credited at.

    Both creditings use the same rounding; the differences are of the rounded figures, i.e. what was
    posted versus what should have been posted.
    """
    before = credit_year(prior, credits, old_rate, method=method, months=months, rounding=rounding, version=version)
    after = credit_year(prior, credits, new_rate, method=method, months=months, rounding=rounding, version=version)
    b, a = before.value, after.value
    t = TraceBuilder("crediting.recredit", version, {**after.trace.inputs, "old_rate": b.rate, "new_rate": a.rate})
    t.include("before", before.trace)
    t.include("after", after.trace)
    interest_difference = t.step("interest_difference", "利息差额 = 按正式利率计息 − 按暂定利率计息",
                                 "interest difference = interest at the official rate − at the provisional rate",
                                 f"{a.interest} − {b.interest} = {a.interest - b.interest}", a.interest - b.interest)
    year_end_difference = t.step("year_end_difference", "年末储存额差额", "year-end balance difference",
                                 f"{a.year_end} − {b.year_end} = {a.year_end - b.year_end}", a.year_end - b.year_end)
    return t.result(Recrediting(b, a, interest_difference, year_end_difference))


def credit_account_year(params: ParamSet, prior, credits: Sequence, *, method: str = "monthly",
                        months: int = 12) -> Result[Crediting]:
    """Credit a year with the set's crediting rate (``[year] crediting_rate``) and interest rounding."""
    return credit_year(prior, credits, params.crediting_rate, method=method, months=months,
                       rounding=params.rounding("interest"), rate_status=params.crediting_rate_status, version=params.version)

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

Positioning a paid credit (记账月份): under ``interest_from = "arrival"`` (the default) a credit is credited
in the calendar month its payment arrived, whatever month it pays for: a January contribution paid in
December earns 1 month, and a December contribution paid the next January belongs to the next year's
credits (credited there at month 1, earning 12 months). Under ``"period"`` it is credited in its
contribution month. `credit_account_credits` positions the credits, defers those of later years and
credits the year. Worked figures: 12 × 800.00 for 2024-01…2024-12, all paid 2024-12-20, at 2.62 %:
arrival: 9600 × 1 month × 0.0262 / 12 = 20.96; period: 800 × 78 × 0.0262 / 12 = 136.24.

Each interest amount is rounded by the region's interest rounding mode (half-up to the fen, or 见分进角);
``year_end = prior + interest_on_prior + credits + interest_on_credits``, so the figures shown always add up.
Products are formed first and divided once, so an exact half fen is seen as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sirecords.core.money import InvalidInput, exact, parse_amount, parse_rate, round_money, show
from sirecords.core.periods import Month, as_date, as_month
from sirecords.engine.params import CREDITING_METHODS, INTEREST_FROM, ParamSet
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["ANNUAL_FACTOR", "INTEREST_FROM", "METHODS", "AccountCredit", "AccountYear", "Crediting", "Recrediting",
           "credit_account_credits", "credit_account_year", "credit_year", "credit_year_values", "crediting_position",
           "recredit_year"]

METHODS = CREDITING_METHODS
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


# --- crediting paid credits by arrival month (记账月份) ------------------------------------------------------


@dataclass(frozen=True)
class AccountCredit:
    """One paid credit to the individual account: the contribution month it pays for, the amount credited
    and the day the payment arrived (None only where credits are positioned by period)."""

    period: Month
    amount: Decimal
    paid_on: date | None

    def __post_init__(self):
        object.__setattr__(self, "period", as_month(self.period, "credit period"))
        object.__setattr__(self, "amount", parse_amount(self.amount, f"credit of {self.period}"))
        if self.paid_on is not None:
            object.__setattr__(self, "paid_on", as_date(self.paid_on, f"payment date of the credit of {self.period}"))

    def __str__(self) -> str:
        return f"{self.period}={self.amount}@{self.paid_on or '-'}"


@dataclass(frozen=True)
class AccountYear:
    crediting: Crediting
    credited: tuple[AccountCredit, ...]  # the credits of the year, in the order given
    deferred: tuple[AccountCredit, ...]  # credits positioned after the year (or after a part year's last month)


def crediting_position(period, paid_on, interest_from: str) -> tuple[int, int]:
    """(calendar year, month 1–12) under which a paid credit is credited: the month its payment arrived
    under "arrival", its contribution month under "period"."""
    if interest_from not in INTEREST_FROM:
        raise InvalidInput(f"interest_from must be one of {', '.join(INTEREST_FROM)}, got {interest_from!r}")
    if interest_from == "period":
        month = as_month(period, "credit period")
        return month.year, month.month
    if paid_on is None:
        raise InvalidInput(f"the credit of {as_month(period, 'credit period')} has no payment date: "
                           "crediting by arrival month needs the day the payment arrived")
    paid_on = as_date(paid_on, "payment date")
    return paid_on.year, paid_on.month


def credit_account_credits(prior, credits: Sequence[AccountCredit], year: int, rate, *, interest_from: str = "arrival",
                           method: str = "monthly", months: int = 12, rounding: str = "half_up",
                           rate_status: str | None = None, version: str | None = None) -> Result[AccountYear]:
    """Credit `year` (its first `months` months for a part year) with the paid `credits` positioned by
    `interest_from`: each credit positioned in month n of the year earns (months + 1 − n) months (monthly
    method); credits positioned after the year (or after month `months`) are deferred to the next
    crediting; a credit positioned before `year` belongs to an earlier year and is refused."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise InvalidInput(f"year must be a whole year such as 2024, got {year!r}")
    if isinstance(credits, (str, bytes)) or not isinstance(credits, Sequence):
        raise InvalidInput("credits must be a sequence of AccountCredit")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
        raise InvalidInput(f"months must be a whole number from 1 to 12, got {months!r}")
    monthly = [Decimal(0)] * months
    credited, deferred, placed = [], [], []
    for credit in credits:
        if not isinstance(credit, AccountCredit):
            raise InvalidInput(f"each credit must be an AccountCredit, got {type(credit).__name__} {credit!r}")
        at_year, at_month = crediting_position(credit.period, credit.paid_on, interest_from)
        if at_year < year:
            raise InvalidInput(f"the credit {credit} is credited in {at_year} ({interest_from}), not {year}: "
                               f"it belongs to the crediting of {at_year}")
        if at_year > year or at_month > months:
            deferred.append(credit)
            placed.append(f"{credit} → {at_year}-{at_month:02d}: deferred")
            continue
        monthly[at_month - 1] += credit.amount
        credited.append(credit)
        placed.append(f"{credit} → {at_year}-{at_month:02d}: month {at_month}")
    inner = credit_year(prior, monthly, rate, method=method, months=months, rounding=rounding, rate_status=rate_status,
                        version=version)
    t = TraceBuilder("crediting.account_credits", version,
                     {**inner.trace.inputs, "year": year, "interest_from": interest_from,
                      "account_credits": [str(credit) for credit in credits]})
    basis = ("记账月份 = 缴费到账月份", "a credit is credited in the month its payment arrived") if interest_from == "arrival" \
        else ("记账月份 = 费款所属期", "a credit is credited in its contribution month")
    t.step("positions", basis[0], basis[1], "; ".join(placed) or "no credits", tuple(placed))
    t.include("year", inner.trace)
    return t.result(AccountYear(inner.value, tuple(credited), tuple(deferred)))

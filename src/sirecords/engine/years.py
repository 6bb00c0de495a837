"""Contribution years (缴费年限), counted in months.

Actual contribution months are the distinct calendar months covered by any contribution period — a
month paid by two employers, or in two regions, counts once. Deemed months (视同缴费年限: recognised
service before the region's individual-contribution system began) are added; given as periods, a
deemed month that is also an actual month counts once (as actual). Gaps never reset the count, and
months accumulate across regions (社会保险法 第十九条). Years = months / 12.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month, as_month
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["ContributionMonths", "Period", "contribution_months", "distinct_months", "merge_periods"]


@dataclass(frozen=True)
class Period:
    """Months `start` to `end`, both included."""

    start: Month
    end: Month

    @property
    def months(self) -> int:
        return self.end - self.start + 1

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


@dataclass(frozen=True)
class ContributionMonths:
    actual_months: int
    deemed_months: int
    contribution_months: int  # actual + deemed
    overlap_months: int  # months given more than once, counted once
    periods: tuple[Period, ...]  # the actual months as disjoint periods, in order

    @property
    def years(self) -> Decimal:
        """Contribution years as an exact fraction (months / 12), for the basic part of the pension."""
        return Decimal(self.contribution_months) / 12

    @property
    def years_months(self) -> str:
        years, months = divmod(self.contribution_months, 12)
        return f"{years}y{months}m"


def _period(item, index: int) -> Period:
    if item.__class__ is Period and item.start.__class__ is Month and item.end.__class__ is Month:
        period = item  # already a period of months (a record's 360 months, merged periods): checked, not rebuilt
    else:
        if isinstance(item, Period):
            start, end = item.start, item.end
        else:
            try:
                start, end = getattr(item, "start", None), getattr(item, "end", None)
                if start is None:
                    start, end = item
            except (TypeError, ValueError):
                raise InvalidInput(f"period {index + 1} must be (start_month, end_month), got {item!r}") from None
        period = Period(as_month(start, f"period {index + 1} start"), as_month(end, f"period {index + 1} end"))
    if period.end.ordinal < period.start.ordinal:
        raise InvalidInput(f"period {index + 1} ends ({period.end}) before it starts ({period.start})")
    return period


def merge_periods(periods: Iterable) -> tuple[Period, ...]:
    """Disjoint, ordered periods covering exactly the months of the given ones (adjacent ones joined)."""
    spans = sorted((_period(item, i) for i, item in enumerate(periods)), key=lambda p: (p.start.ordinal, p.end.ordinal))
    merged: list[Period] = []
    for span in spans:
        if merged and span.start.ordinal <= merged[-1].end.ordinal + 1:
            if span.end > merged[-1].end:
                merged[-1] = Period(merged[-1].start, span.end)
        else:
            merged.append(span)
    return tuple(merged)


def distinct_months(periods: Iterable) -> int:
    return sum(p.months for p in merge_periods(periods))


def contribution_months(periods: Iterable, *, deemed_months: int | Iterable = 0,
                        version: str | None = None) -> Result[ContributionMonths]:
    """Actual months (distinct, across employers and regions) plus deemed months.

    `periods`: (start, end) pairs of "YYYY-MM" text, `Month`s or dates, or objects with .start/.end
    (e.g. employment periods). `deemed_months`: a number of months, or deemed periods.
    """
    given = [_period(item, i) for i, item in enumerate(periods)]
    actual = merge_periods(given)
    actual_count = sum(p.months for p in actual)
    overlap = sum(p.months for p in given) - actual_count
    t = TraceBuilder("contribution_months", version, {"periods": [str(p) for p in given], "deemed_months": (
        deemed_months if isinstance(deemed_months, int) else "periods")})
    t.step("actual_months", "实际缴费月数 = 各段缴费期合并后的不重复月数", "actual months = distinct months of all periods merged",
           (" + ".join(f"{p} ({p.months})" for p in actual) or "0") + f" = {actual_count}"
           + (f"; {overlap} overlapping months counted once 重复月份只计一次" if overlap else ""), actual_count)
    if isinstance(deemed_months, bool):
        raise InvalidInput("deemed_months must be a number of months or periods")
    if isinstance(deemed_months, int):
        if deemed_months < 0:
            raise InvalidInput(f"deemed months must not be negative, got {deemed_months}")
        deemed = deemed_months
        t.step("deemed_months", "视同缴费月数", "deemed months", f"{deemed}", deemed)
    else:
        deemed_periods = merge_periods(deemed_months)
        both = merge_periods([*actual, *deemed_periods])
        deemed = sum(p.months for p in both) - actual_count
        t.inputs["deemed_months"] = [str(p) for p in deemed_periods]
        t.step("deemed_months", "视同缴费月数（与实际缴费重叠的月份不重复计算）", "deemed months (months also actual count once)",
               " + ".join(f"{p} ({p.months})" for p in deemed_periods) + f" → {deemed}", deemed)
    total = actual_count + deemed
    t.step("contribution_months", "缴费年限（月） = 实际缴费月数 + 视同缴费月数", "contribution months = actual + deemed",
           f"{actual_count} + {deemed} = {total} ({total // 12}y{total % 12}m)", total)
    return t.result(ContributionMonths(actual_count, deemed, total, overlap, actual))

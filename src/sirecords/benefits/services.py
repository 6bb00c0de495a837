"""The benefits use cases that open workflow transactions: the monthly payment run and the yearly adjustment,
each opened and submitted for review with the figures the reviewers will see."""

from __future__ import annotations

from sirecords.benefits import adjustments, payments
from sirecords.workflow import services


def prepare_adjustments(actor, region: str, year: int, *, reason: str, channel: str = "cli"):
    """Open and submit the year's adjustment for review; None when there is nothing to adjust."""
    plan = adjustments.plan_adjustments(region, year)
    if not plan:
        return None
    return services.execute(actor, "adjust_pensions", {"region": region, "year": year, **adjustments.summary(plan)},
                            region=region, reason=reason, channel=channel)


def prepare_payments(actor, month: str, *, region: str, reason: str, channel: str = "cli"):
    """Open and submit the month's run for review; None when the month is paid already or nothing is payable."""
    if payments.already_paid(month):
        return None
    rows = payments.plan(month)
    if not rows:
        return None
    return services.execute(actor, "pay_pensions", {"month": month, **payments.summary(month, rows)}, region=region,
                            reason=reason, channel=channel)

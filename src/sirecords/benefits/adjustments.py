"""adjust_pensions: the region's yearly pension adjustment (养老金调整), one computed entry per award
(RULES-REFERENCE: "each adjustment is a computed entry").

Year Y's adjustment (``[year] adjustment_percent / adjustment_fixed / adjustment_per_year`` of the region's
parameter set for Y) applies to the awards that started before Y-01 and have not ended, from Y-01 on:
new monthly pension = current + current × percent + fixed + per_year × whole contribution years
(`engine.pension.adjust_for`). An award is adjusted once per year. Adjustments are often published in
the middle of the year: for the months of Y already paid at the old amount, the entry records the back
pay owed ((new amount − amount in force) × those months; a recomputation in between settled them to its
amount), and the next payment run pays it (`payments.plan`).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy

from sirecords.benefits.kinds import PENSION_ADJUSTED
from sirecords.benefits.models import Adjustment, Award, AwardStatus, Payment
from sirecords.core.money import from_fen, to_fen, yuan_or_blank
from sirecords.engine.params import ParameterError
from sirecords.engine.pension import adjust_for
from sirecords.engine.trace import jsonable
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.parameters.queries import params_in_ledger
from sirecords.transactions.posting import InvalidTransaction, added, transaction_type


def _year(payload: dict[str, Any]) -> int:
    year = payload.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2200:
        raise InvalidTransaction({"year": "must be a year, e.g. 2026"})
    return year


def plan_adjustments(region: str, year: int) -> list[dict[str, Any]]:
    """Every award of the region to adjust for `year`, with the engine's figures and trace."""
    try:
        params = params_in_ledger(region, year)
        params.adjustment  # noqa: B018 - raises when no adjustment is published for the year
    except ParameterError as error:
        raise InvalidTransaction({"year": f"no pension adjustment for {region} {year}: {error.reason}"}) from None
    late = Payment.objects.filter(month__gt=f"{year}-12").order_by("month").first()
    if late is not None:
        raise InvalidTransaction({"year": f"the pensions of {late.month}, after {year}, are already paid: adjustments are "
                                          f"posted year by year, and {year}'s can no longer come before them"})
    done = set(Adjustment.objects.filter(year=year).values_list("award_id", flat=True))
    awards = (Award.objects.filter(region=region, start_month__lt=f"{year}-01")
              .exclude(status=AwardStatus.ENDED).exclude(uid__in=done).order_by("uid"))
    paid_in_year = _paid_in_year(year)
    plan = []
    for award in awards:
        result = adjust_for(params, from_fen(award.total_fen), contribution_months=award.contribution_months)
        value, after = result.value, to_fen(result.value.after)
        # Every month of the year paid so far was due at the amount now in force (a recomputation since settled
        # those paid at an earlier version's): each owes the increase.
        paid = paid_in_year.get(award.uid, 0)
        plan.append({"award": award.uid, "person": award.person_id, "year": year, "from_month": f"{year}-01",
                     "before_fen": award.total_fen, "increase_fen": to_fen(value.increase), "after_fen": after,
                     "back_pay_fen": (after - award.total_fen) * paid, "months_paid_before": paid,
                     "rule_version": params.version, "trace": json.loads(json.dumps(jsonable(result.trace.as_dict())))})
    return plan


def _paid_in_year(year: int) -> dict[str, int]:
    """award → how many months of `year` were paid, in one query for every award."""
    rows = (Payment.objects.filter(month__gte=f"{year}-01", month__lte=f"{year}-12").values_list("award_id")
            .annotate(months=Count("id")).order_by())
    return dict(rows)


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:

    increase = payload.get("increase_fen")
    return [added("region", "统筹地区 region", payload.get("region")), added("year", "调整年度 year", payload.get("year")),
            added("award_count", "调整人数 awards", payload.get("award_count")),
            added("increase", "月增加额合计 monthly increase", yuan_or_blank(increase)),
            added("back_pay", "补发合计 back pay", yuan_or_blank(payload.get("back_pay_fen")))]


def summary(plan: list[dict[str, Any]]) -> dict[str, int]:
    return {"award_count": len(plan), "increase_fen": sum(item["increase_fen"] for item in plan),
            "back_pay_fen": sum(item["back_pay_fen"] for item in plan)}


@transaction_type("adjust_pensions", gettext_lazy("Yearly pension adjustment"), creators=("maintainer",),
                  describe=_describe)
def adjust_pensions(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    year, region = _year(payload), payload.get("region") or ""
    plan = plan_adjustments(region, year)
    if not plan:
        raise InvalidTransaction({"year": f"no pension award of {region} to adjust for {year}"})
    figures = summary(plan)
    for name, value in figures.items():
        if name in payload and payload[name] != value:
            raise InvalidTransaction({"figures": f"{name} changed since it was prepared ({payload[name]} → {value}); "
                                                 "withdraw this transaction and prepare it again"})
    return [NewEntry(PENSION_ADJUSTED, f"award:{item['award']}", {**item, "run": ctx.txn}, effective=f"{year}-01-01")
            for item in plan]

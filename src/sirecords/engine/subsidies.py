"""Social insurance subsidies (社会保险补贴): how much of one month's contribution a scheme pays.

For one month and insurance type, the covered amount is what the scheme's parties paid (employer,
individual, or both). Under ``base = "floor"`` it is at most what the same parties would pay at the
month's base floor (a scheme subsidises the minimum contribution, not a high wage); under
``base = "actual"`` it is the paid amount. The subsidy is ``covered × share``, rounded to the fen by the
contribution rounding mode, and never more than was paid.
"""

from __future__ import annotations

from decimal import Decimal

from sirecords.core.money import exact, parse_amount, round_money
from sirecords.engine.contributions import contribution, limits_for
from sirecords.engine.params import ParamSet, SubsidyScheme
from sirecords.engine.trace import Result, TraceBuilder

__all__ = ["subsidy_for_month"]

PARTY_NAMES = {"employer": ("单位", "employer"), "individual": ("个人", "individual")}


def subsidy_for_month(params: ParamSet, scheme: SubsidyScheme, *, insurance_type: str, employer_paid, individual_paid,
                      category: str = "employee") -> Result[Decimal]:
    """The subsidy of one month and insurance type, from what was paid that month (yuan)."""
    paid = {"employer": parse_amount(employer_paid, "employer amount paid"),
            "individual": parse_amount(individual_paid, "individual amount paid")}
    t = TraceBuilder("subsidy.month", params.version, {"scheme": scheme.scheme, "insurance_type": insurance_type,
                                                        "category": category, "employer_paid": paid["employer"],
                                                        "individual_paid": paid["individual"], "share": scheme.share,
                                                        "parties": list(scheme.parties), "base": scheme.base})
    if insurance_type not in scheme.types:
        t.step("covered", "该险种不在补贴范围内", f"{insurance_type} is not covered by the scheme", "0", Decimal(0))
        return t.result(Decimal(0))
    covered_paid = sum((paid[party] for party in scheme.parties), Decimal(0))
    parties = " + ".join(PARTY_NAMES[party][1] for party in scheme.parties)
    t.step("paid", "补贴对象实际缴纳额", f"paid by the covered parties ({parties})", f"{covered_paid}", covered_paid)
    covered = covered_paid
    if scheme.base == "floor":
        floor = limits_for(params, insurance_type).value.floor  # the type's own floor where the region sets one
        at_floor = contribution(params, floor, insurance_type=insurance_type, category=category)
        t.include("at_floor", at_floor.trace)
        floor_amount = sum((getattr(at_floor.value, f"{party}_amount") for party in scheme.parties), Decimal(0))
        covered = min(covered_paid, floor_amount)
        t.step("covered", "补贴计算额 = min(实缴额, 按缴费基数下限应缴额)", "covered = min(paid, due at the base floor)",
               f"min({covered_paid}, {floor_amount}) = {covered}", covered)
    with exact():
        value = min(round_money(covered * scheme.share, params.rounding("contribution")), covered_paid)
    t.step("subsidy", "补贴额 = 补贴计算额 × 补贴比例", "subsidy = covered × share", f"{covered} × {scheme.share} = {value}", value)
    return t.result(value)

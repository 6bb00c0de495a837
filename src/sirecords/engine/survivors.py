"""Survivors' benefits at a death (社会保险法 第十七条; 经办条例 第十九条: paid when a survivor applies): the funeral grant
(丧葬补助金) and the survivors' pension (抚恤金) by the region's rules ([survivors] of its parameter set), beside the
inheritance of the individual account (computed by the benefits app). Pure: amounts in, amounts out, with a trace."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import round_money
from sirecords.engine.params import ParamSet
from sirecords.engine.trace import Result, TraceBuilder


@dataclass(frozen=True)
class SurvivorBenefits:
    funeral_grant: Decimal
    survivors_pension: Decimal


def survivor_benefits(params: ParamSet, *, monthly_pension: Decimal | None) -> Result[SurvivorBenefits]:
    """`monthly_pension`: the deceased's last monthly pension, or None for an insured person not yet retired."""
    wage = params.reference_average_wage
    mode = params.rounding("pension")
    t = TraceBuilder("survivor_benefits", params.version, {"monthly_pension": monthly_pension})
    funeral = t.step("funeral_grant", "丧葬补助金 = 社平工资 × 月数", "funeral grant = reference average wage × months",
                     f"{wage} × {params.funeral_grant_months}", round_money(wage * params.funeral_grant_months, mode))
    if monthly_pension is not None:
        base, zh, en = monthly_pension, "本人月养老金", "the deceased's monthly pension"
    else:
        base, zh, en = wage, "社平工资", "the reference average wage"
    pension = t.step("survivors_pension", f"抚恤金 = {zh} × 月数", f"survivors' pension = {en} × months",
                     f"{base} × {params.survivors_pension_months}", round_money(base * params.survivors_pension_months, mode))
    return t.result(SurvivorBenefits(funeral, pension))

"""The rules engine's contribution computation, compiled once per parameter set for bulk use.

`engine.contributions.contribution()` computes one row with a full trace; an import of a million rows
needs the same figures without a million traces. `Calculator` takes the insurance type's floor and
ceiling from the engine's own `limits_for()` (the type's own limits where the region sets them) and the
rates from the `ParamSet`, then computes each row in integer fen with the same rounding (half_up to the
fen, or jiao_up 见分进角: core.money's integer kernels). tests/contributions/test_calc.py checks that it
equals `contribution()` for every insurance type, category and rounding mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import half_up_fen, round_fen, to_fen
from sirecords.engine.contributions import limits_for
from sirecords.engine.params import ParamSet


def _fraction(rate: Decimal) -> tuple[int, int]:
    sign, digits, exponent = rate.as_tuple()
    numerator = int("".join(map(str, digits)) or "0")
    if exponent >= 0:
        return numerator * 10**exponent, 1
    return numerator, 10 ** (-exponent)


@dataclass(frozen=True)
class Amounts:
    base_fen: int
    employer_fen: int
    individual_fen: int
    account_credit_fen: int


class Calculator:
    """Contribution base and amounts of one insurance type and category under one parameter set."""

    def __init__(self, params: ParamSet, insurance_type: str, category: str) -> None:
        self.version = params.version
        self.mode = params.rounding("contribution")
        if self.mode not in ("half_up", "jiao_up"):  # pragma: no cover - params refuses other modes
            raise ValueError(f"unknown rounding mode {self.mode}")
        rates = params.rates(insurance_type, category)
        limits = limits_for(params, insurance_type).value
        self.floor_fen, self.ceiling_fen = to_fen(limits.floor), to_fen(limits.ceiling)
        self._employer = _fraction(rates.employer)
        self._individual = _fraction(rates.individual)
        self._account = _fraction(rates.account)

    def base(self, wage_fen: int) -> int:
        return self.floor_fen if wage_fen < self.floor_fen else self.ceiling_fen if wage_fen > self.ceiling_fen else wage_fen

    def figures(self, wage_fen: int) -> tuple[int, int, int, int]:
        """(base, employer, individual, account credit) in fen: `amounts` as a plain tuple, for bulk use."""
        base = self.floor_fen if wage_fen < self.floor_fen else self.ceiling_fen if wage_fen > self.ceiling_fen else wage_fen
        (en, ed), (inn, ind), (an, ad) = self._employer, self._individual, self._account
        if self.mode == "half_up":
            return base, half_up_fen(base * en, ed), half_up_fen(base * inn, ind), half_up_fen(base * an, ad)
        mode = self.mode
        return base, round_fen(base * en, ed, mode), round_fen(base * inn, ind, mode), round_fen(base * an, ad, mode)

    def amounts(self, wage_fen: int) -> Amounts:
        return Amounts(*self.figures(wage_fen))

"""The crediting arithmetic in integer fen, for bulk runs.

`engine.crediting.credit_year_values` is the authority (Decimal, the region's rounding). It costs
about 17 µs an account, too slow for a province's annual run, so the run uses this integer form of
the same formulas, which needs only each account's opening balance, the sum of its credits and the
credit-months Σ credit_n × (months + 1 − n) (summed by the database):

* monthly: on_prior = opening × r × months / 12, on_credits = r × credit_months / 12
* annual:  on_prior = opening × r,               on_credits = credits × r × 1.083 / 2

With r = num / den exactly, each is an exact fraction of a fen, rounded once by the same mode as
`core.money.round_money` (half-up away from zero to the fen; ``jiao_up`` then raises any fen to the
next jiao). tests/accounts/test_compute.py checks it against the engine on the rounding edges and
on random accounts, and every run checks a sample of its accounts against the engine too
(`crediting.check_against_engine`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sirecords.core.money import ROUNDING_MODES, InvalidInput, round_fen

__all__ = ["Kernel", "kernel_for"]


@dataclass(frozen=True)
class Kernel:
    """The interest of one account year in fen, for one rate, method, part-year length and rounding."""

    rate: Decimal
    method: str
    months: int
    rounding: str
    prior_num: int  # on_prior (fen) = opening_fen × prior_num / prior_den, rounded
    prior_den: int
    credits_num: int  # on_credits (fen) = base × credits_num / credits_den, rounded; base = credit_months (monthly) or credits
    credits_den: int

    def interest(self, opening_fen: int, credits_fen: int, credit_months_fen: int) -> tuple[int, int]:
        base = credit_months_fen if self.method == "monthly" else credits_fen
        return (round_fen(opening_fen * self.prior_num, self.prior_den, self.rounding),
                round_fen(base * self.credits_num, self.credits_den, self.rounding))


def kernel_for(rate: Decimal, *, method: str = "monthly", months: int = 12, rounding: str = "half_up") -> Kernel:
    if method not in ("monthly", "annual"):
        raise InvalidInput(f"method must be monthly or annual, got {method!r}")
    if rounding not in ROUNDING_MODES:
        raise InvalidInput(f"unknown rounding mode {rounding!r}; known: {', '.join(ROUNDING_MODES)}")
    if not 1 <= months <= 12 or (method == "annual" and months != 12):
        raise InvalidInput(f"months must be 1–12 (12 for the annual method), got {months}")
    num, den = Decimal(rate).as_integer_ratio()
    if method == "monthly":
        return Kernel(Decimal(rate), method, months, rounding, num * months, den * 12, num, den * 12)
    return Kernel(Decimal(rate), method, months, rounding, num, den, num * 1083, den * 2000)

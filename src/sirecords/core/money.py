"""Amounts and rates as `Decimal`: strict parsing, rounding modes, fen conversion.

Money is yuan with two decimal places (the fen); storage elsewhere is integer fen. Floats are refused
everywhere: `Decimal(0.1)` is not 0.1.

Rounding modes (a regional setting, see `params`):

* ``half_up``: to the fen, 0.005 rounds up (ROUND_HALF_UP; the default).
* ``jiao_up`` (见分进角): first to the fen (half-up), then any non-zero fen raises the amount to the
  next jiao: 12.341 → 12.34 → 12.40; 12.304 → 12.30 (no fen left, stays). The result keeps two places.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation, localcontext

from sirecords.core.text import canonical

__all__ = [
    "FEN",
    "JIAO",
    "ROUNDING_MODES",
    "ZERO",
    "InvalidInput",
    "as_decimal",
    "fen_to_yuan",
    "format_yuan",
    "half_up",
    "half_up_fen",
    "round_fen",
    "parse_amount",
    "parse_decimal",
    "parse_rate",
    "round_money",
    "to_fen",
    "from_fen",
    "yuan_or_blank",
    "exact",
    "show",
]

ZERO = Decimal(0)
FEN = Decimal("0.01")
JIAO = Decimal("0.1")
_QUANTUM = tuple(Decimal(1).scaleb(-places) for places in range(13))  # 1, 0.1, 0.01, … for half_up
ROUNDING_MODES = ("half_up", "jiao_up")

# ASCII digits only, after NFKC (canonical): Decimal() also accepts Arabic-Indic and other Unicode digits, and
# "NaN"/"Infinity".
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


class InvalidInput(ValueError):
    """A value given to the engine is not acceptable: wrong type, negative, too many places, …"""


def exact():
    """A decimal context wide enough that products and sums of amounts and rates are exact.

    Divisions are done last, once, so a quotient that terminates (e.g. …x.xx5) is exact too and the
    rounding sees the true value.
    """
    return localcontext(prec=60)


def as_decimal(value, what: str = "value") -> Decimal:
    """A finite Decimal from a Decimal, an int or a decimal string. Floats and bools are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput(f"{what} must be a Decimal, an int or a decimal string, not {type(value).__name__} {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(f"{what} must be a finite number, got {value}")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return parse_decimal(value, what)
    raise InvalidInput(f"{what} must be a Decimal, an int or a decimal string, not {type(value).__name__}")


def parse_decimal(text: str, what: str = "value") -> Decimal:
    """A decimal number written with ASCII digits, optional sign and decimal point (no exponent)."""
    stripped = canonical(text)
    if not _DECIMAL_TEXT.match(stripped):
        raise InvalidInput(f"{what} must be a decimal number such as 1234.56, got {text!r}")
    try:
        return Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise InvalidInput(f"{what} must be a decimal number, got {text!r}") from None


# Far above any real amount, and its fen still fit a 64-bit column; a longer number is refused by its size before any
# arithmetic (a 5,000-digit amount would otherwise overflow the decimal context at the first rounding).
MAX_AMOUNT = Decimal(10) ** 15


def parse_amount(value, what: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """An amount in yuan: at most two decimal places, not negative unless allowed."""
    amount = as_decimal(value, what)
    if abs(amount) >= MAX_AMOUNT:
        raise InvalidInput(f"{what} is too large: amounts are below {MAX_AMOUNT:,.0f} yuan")
    if not allow_negative and amount < 0:
        raise InvalidInput(f"{what} must not be negative, got {amount}")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(FEN):
        raise InvalidInput(f"{what} must be in yuan with at most two decimal places (fen), got {amount}")
    return amount


def parse_rate(value, what: str = "rate", *, maximum: Decimal = Decimal(1)) -> Decimal:
    """A rate as a fraction (0.0262) or, from text, a percentage ("2.62%"). 0 ≤ rate ≤ maximum."""
    if isinstance(value, str) and value.strip().endswith("%"):
        rate = parse_decimal(value.strip()[:-1], what) / 100
    else:
        rate = as_decimal(value, what)
    if rate < 0:
        raise InvalidInput(f"{what} must not be negative, got {value}")
    if rate > maximum:
        raise InvalidInput(
            f"{what} {value} is more than {maximum}: write a rate as a fraction (0.0262) or a percentage (2.62%)"
        )
    return rate


def half_up(value: Decimal, places: int = 2) -> Decimal:
    """`value` to `places` decimals, a half rounded away from zero (ROUND_HALF_UP): the one half-up rounding."""
    return value.quantize(_QUANTUM[places] if 0 <= places < len(_QUANTUM) else Decimal(1).scaleb(-places),
                          rounding=ROUND_HALF_UP)


def half_up_fen(numerator: int, denominator: int) -> int:
    """numerator / denominator (integers, denominator > 0) rounded half-up away from zero: the integer
    form of `half_up(Decimal(numerator) / denominator, 0)`, exact and without a Decimal, for bulk rows."""
    if numerator < 0:
        return -((denominator - 2 * numerator) // (2 * denominator))
    return (2 * numerator + denominator) // (2 * denominator)


def round_fen(numerator: int, denominator: int, mode: str = "half_up") -> int:
    """numerator / denominator fen rounded by `mode`: the integer form of `round_money` (jiao_up: any fen
    left raises the amount, away from zero, to the next jiao)."""
    fen = half_up_fen(numerator, denominator)
    if mode == "half_up":
        return fen
    if mode != "jiao_up":
        raise InvalidInput(f"unknown rounding mode {mode!r}; known: {', '.join(ROUNDING_MODES)}")
    magnitude = -fen if fen < 0 else fen
    if magnitude % 10:
        magnitude += 10 - magnitude % 10
    return -magnitude if fen < 0 else magnitude


def round_money(value: Decimal, mode: str = "half_up") -> Decimal:
    """Round an exact amount to the fen by `mode` (see the module docstring); two places always."""
    if mode not in ROUNDING_MODES:
        raise InvalidInput(f"unknown rounding mode {mode!r}; known: {', '.join(ROUNDING_MODES)}")
    to_fen = half_up(value, 2)
    if mode == "half_up":
        return to_fen
    return to_fen.quantize(JIAO, rounding=ROUND_UP).quantize(FEN)


def to_fen(amount: Decimal) -> int:
    """Integer fen of an amount that has no more than two decimal places."""
    amount = as_decimal(amount, "amount")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise InvalidInput(f"{amount} has fractions of a fen; round it first")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise InvalidInput(f"fen must be an int, got {type(fen).__name__}")
    return (Decimal(fen) / 100).quantize(FEN)


def fen_to_yuan(fen: int | None) -> str:
    """Integer fen as yuan text, two places, no grouping: 12345 → "123.45", -1 → "-0.01"; None → "".

    The one fen → yuan formatter: exact for any size (no Decimal context), the sign in front of the whole
    amount (floor division of a negative would give -1 fen → "-1.99").
    """
    if fen.__class__ is int and fen >= 0:  # the common case, first: a record formats thousands of amounts
        return f"{fen // 100}.{fen % 100:02d}"
    if fen is None:
        return ""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise InvalidInput(f"fen must be an int, got {type(fen).__name__}")
    yuan, part = divmod(-fen if fen < 0 else fen, 100)
    return f"{'-' if fen < 0 else ''}{yuan}.{part:02d}"


def yuan_or_blank(value: object) -> str:
    """`fen_to_yuan` of a payload value that should be integer fen; "" when it is not an int (a draft may lack it)."""
    return fen_to_yuan(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def format_yuan(amount: Decimal) -> str:
    """Two decimal places, no grouping: "1234.50". The amount must already be rounded to the fen."""
    amount = as_decimal(amount, "amount")
    if amount != amount.quantize(FEN):
        raise InvalidInput(f"{amount} has fractions of a fen; round it before formatting")
    return f"{amount.quantize(FEN):f}"


def show(value: Decimal, places: int = 6) -> str:
    """An exact intermediate value for a trace: in full when short, else cut to `places` decimals with "…"."""
    if value == half_up(value, places):
        text = f"{value.normalize():f}" if value else "0"
        return text
    cut = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return f"{cut:f}…"

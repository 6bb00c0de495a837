"""Amount parsing and the two rounding modes (half-up to the fen; 见分进角)."""

from decimal import Decimal as D

import pytest

from sirecords.core.money import (
    InvalidInput,
    exact,
    fen_to_yuan,
    format_yuan,
    from_fen,
    half_up,
    half_up_fen,
    parse_amount,
    parse_decimal,
    parse_rate,
    round_fen,
    round_money,
    show,
    to_fen,
    yuan_or_blank,
)


@pytest.mark.parametrize(
    ("exact", "expected"),
    [
        ("0.005", "0.01"),  # exactly half a fen rounds up (half-even would give 0.00)
        ("0.015", "0.02"),
        ("2.675", "2.68"),  # as a float 2.675 is 2.67499…; as a Decimal it is exact
        ("100.004999", "100.00"),
        ("-0.005", "-0.01"),  # half-up is away from zero
        ("12.34", "12.34"),
    ],
)
def test_half_up_to_the_fen(exact, expected):
    assert round_money(D(exact), "half_up") == D(expected)
    assert str(round_money(D(exact))) == expected  # two places always


@pytest.mark.parametrize(
    ("exact", "expected"),
    [
        ("12.341", "12.40"),  # → 12.34 (fen 4) → next jiao 12.40
        ("12.301", "12.30"),  # → 12.30: no fen left, stays
        ("12.304", "12.30"),
        ("12.305", "12.40"),  # → 12.31 (half-up) → 12.40
        ("12.30", "12.30"),
        ("12.99", "13.00"),
        ("0.001", "0.00"),
        ("0.005", "0.10"),
    ],
)
def test_jiao_up(exact, expected):
    assert str(round_money(D(exact), "jiao_up")) == expected


def test_unknown_rounding_mode():
    with pytest.raises(InvalidInput, match="unknown rounding mode"):
        round_money(D("1"), "banker")


@pytest.mark.parametrize("text", ["abc", "1e3", "NaN", "Infinity", "١٢", "1,000", "", " ", "1.2.3"])  # full-width １２ is read as 12 (NFKC)
def test_parse_decimal_refuses(text):
    with pytest.raises(InvalidInput):
        parse_decimal(text)


def test_floats_are_refused():
    with pytest.raises(InvalidInput, match="float"):
        parse_amount(0.1)
    with pytest.raises(InvalidInput):
        parse_rate(0.08)


def test_amounts():
    assert parse_amount("1234.50") == D("1234.50")
    assert parse_amount(12) == D(12)
    assert parse_amount("1.500") == D("1.500")  # trailing zeros are not fractions of a fen
    with pytest.raises(InvalidInput, match="negative"):
        parse_amount("-1")
    with pytest.raises(InvalidInput, match="two decimal places"):
        parse_amount("1.005")
    assert parse_amount("-1", allow_negative=True) == D(-1)


def test_rates_as_fraction_or_percentage():
    assert parse_rate("0.0262") == D("0.0262")
    assert parse_rate("2.62%") == D("0.0262")
    with pytest.raises(InvalidInput, match="percentage"):
        parse_rate("2.62")  # a percentage without its sign is refused, not read as 262 %
    with pytest.raises(InvalidInput, match="negative"):
        parse_rate("-0.01")


def test_fen_conversion_and_format():
    assert to_fen(D("1234.56")) == 123456
    assert from_fen(123456) == D("1234.56")
    assert format_yuan(D("3")) == "3.00"
    assert format_yuan(D("19998.2")) == "19998.20"
    with pytest.raises(InvalidInput):
        to_fen(D("0.001"))
    with pytest.raises(InvalidInput):
        format_yuan(D("0.001"))


@pytest.mark.parametrize(
    ("fen", "text"),
    [(-1, "-0.01"), (-100, "-1.00"), (-101, "-1.01"), (0, "0.00"), (1, "0.01"), (99, "0.99"), (100, "1.00"),
     (12345, "123.45"), (-12345, "-123.45"), (10**30 + 7, "10000000000000000000000000000.07")],
)
def test_fen_to_yuan(fen, text):
    assert fen_to_yuan(fen) == text
    if abs(fen) < 10**20:  # within the default Decimal context: the same as formatting from_fen
        assert fen_to_yuan(fen) == f"{from_fen(fen):f}"


def test_fen_to_yuan_none_and_refusals():
    assert fen_to_yuan(None) == ""
    for wrong in (True, 1.5, "100", D("1.00")):
        with pytest.raises(InvalidInput):
            fen_to_yuan(wrong)
    assert yuan_or_blank(-1) == "-0.01"
    assert yuan_or_blank(None) == yuan_or_blank("12") == yuan_or_blank(True) == ""


def test_show_cuts_long_fractions():
    assert show(D("2750.000")) == "2750"
    assert show(D(150000) / D("138.4")) == "1083.815028…"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [("0.005", 2, "0.01"), ("0.015", 2, "0.02"), ("-0.005", 2, "-0.01"), ("-0.015", 2, "-0.02"),
     ("0.0049999", 2, "0.00"), ("-0.0049999", 2, "0.00"), ("2.45", 1, "2.5"), ("-2.45", 1, "-2.5"),
     ("0.5", 0, "1"), ("-0.5", 0, "-1"), ("1.23456785", 8, "1.23456785"), ("1.234567885", 8, "1.23456789"),
     ("0", 2, "0.00")],
)
def test_half_up(value, places, expected):
    result = half_up(D(value), places)
    assert result == D(expected) and result.as_tuple().exponent == -places


def test_integer_kernel_at_exactly_half_a_fen_and_negatives():
    assert half_up_fen(1, 2) == 1 and half_up_fen(-1, 2) == -1  # 0.5 fen: away from zero
    assert half_up_fen(3, 2) == 2 and half_up_fen(-3, 2) == -2
    assert half_up_fen(49, 100) == 0 and half_up_fen(-49, 100) == 0
    assert half_up_fen(50, 100) == 1 and half_up_fen(-50, 100) == -1
    assert half_up_fen(0, 7) == 0
    assert round_fen(1231, 10, "jiao_up") == 130 and round_fen(-1231, 10, "jiao_up") == -130
    assert round_fen(1200, 10, "jiao_up") == 120 and round_fen(1205, 10, "jiao_up") == 130
    with pytest.raises(InvalidInput):
        round_fen(1, 1, "half_even")


def test_integer_kernel_equals_the_decimal_rounding():
    for denominator in (1, 2, 3, 7, 10, 12, 100, 2000, 12 * 10**6):
        near_halves = {k * denominator // 2 + d for k in range(-25, 26) for d in (-1, 0, 1)}  # around every half fen
        for numerator in sorted(near_halves | {10**15 + 1, -(10**15) - 1}):
            fen = D(numerator) / D(denominator)  # in yuan terms: numerator / denominator fen
            for mode in ("half_up", "jiao_up"):
                with exact():
                    expected = round_money(fen / 100, mode)
                assert round_fen(numerator, denominator, mode) == int(expected * 100), (numerator, denominator, mode)
            assert half_up_fen(numerator, denominator) == int(half_up(fen, 0))


def test_an_amount_too_large_is_refused_by_its_size():
    assert parse_amount("999999999999999.99") == D("999999999999999.99")
    for huge in ("1000000000000000", "9" * 5000, "-" + "9" * 40):
        with pytest.raises(InvalidInput, match="too large"):
            parse_amount(huge, "amount", allow_negative=True)

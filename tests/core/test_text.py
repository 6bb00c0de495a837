"""The one canonicalisation rule (core/text.py) and the CSV formula neutralisation (core/csvsafe.py)."""

from __future__ import annotations

import csv
import io

import pytest

from sirecords.core import csvsafe
from sirecords.core.money import InvalidInput, parse_amount, parse_decimal
from sirecords.core.periods import Month
from sirecords.core.text import NotCanonical, ascii_digits, canonical, code, free_text, whole_number

ARABIC_INDIC = "٢٠٢٤"  # 2024 in Arabic-Indic digits: NFKC leaves them, int() and \d would take them


def test_formatted_values_are_nfkc_and_trimmed():
    assert canonical("　２０２４－０２　") == "2024-02"
    assert code(" ９１３５ ０１００Ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    assert ascii_digits("４４０３００", length=6) == "440300"


@pytest.mark.parametrize("raw", [ARABIC_INDIC, "12a4", "", "１２３"])
def test_only_ascii_digits_after_nfkc(raw):
    with pytest.raises(NotCanonical) as info:
        ascii_digits(raw, "year", length=4)
    assert info.value.code == "digits" and "year" in info.value.message


def test_whole_number_refuses_what_int_would_take():
    assert int(ARABIC_INDIC) == 2024  # the trap
    assert whole_number("２０２４") == 2024
    with pytest.raises(ValueError):
        whole_number(ARABIC_INDIC)


def test_periods_and_amounts_read_full_width_and_refuse_other_digits():
    assert str(Month.parse("２０２６－０２")) == "2026-02"
    assert parse_decimal("１２３４．５０") == parse_decimal("1234.50")
    assert parse_amount(" ８０００ ") == 8000
    for bad in (f"{ARABIC_INDIC}-02", "2026-0\x002"):
        with pytest.raises(InvalidInput):
            Month.parse(bad)
    with pytest.raises(InvalidInput):
        parse_decimal("١٢")


def test_free_text_keeps_chinese_punctuation_and_composes():
    # NFC only: the full-width punctuation of Chinese text stays as typed; a decomposed é is composed.
    assert free_text("  北京市（朝阳区），１号  ") == "北京市（朝阳区），１号"
    assert free_text("Jose\u0301") == "José"


@pytest.mark.parametrize("raw, position, char", [
    ("张\x00三", 2, "U+0000"),
    ("abc\x1b[31m", 4, "U+001B"),
    ("name\u202eexe.txt", 5, "U+202E"),  # right-to-left override (Trojan Source)
    ("a\u200bb", 2, "U+200B"),  # zero-width space
    ("ab\ud800", 3, "U+D800"),  # a lone surrogate (cannot be stored as UTF-8)
    ("one\ntwo", 4, "U+000A"),  # a line break where the text has one line
])
def test_free_text_refuses_control_and_format_characters(raw, position, char):
    with pytest.raises(NotCanonical) as info:
        free_text(raw, "name")
    problem = info.value
    assert problem.code == "text.control" and problem.params == {"char": char, "position": position}
    assert problem.message.startswith(f"name contains the control character {char}")


def test_multiline_text_keeps_line_breaks_and_refuses_nul():
    assert free_text("first\r\nsecond\rthird\u2028fourth", multiline=True) == "first\nsecond\nthird\nfourth"
    with pytest.raises(NotCanonical):
        free_text("first\n\x00", multiline=True)


def test_length_is_counted_after_normalisation():
    assert free_text("é" * 10, max_length=10) == "é" * 10
    with pytest.raises(NotCanonical) as info:
        free_text("x" * 11, "reason", max_length=10)
    assert info.value.code == "text.too_long" and info.value.params == {"length": 11, "limit": 10}
    with pytest.raises(NotCanonical) as info:
        free_text(12, "reason")
    assert info.value.code == "text.type"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1",
                                   "＝1+1"])
def test_csv_cells_starting_like_a_formula_are_neutralised(value):
    out = io.StringIO()
    csvsafe.writer(out).writerow([value, 12, "plain 文本"])
    cell, number, plain = next(csv.reader(io.StringIO(out.getvalue())))
    assert cell == "'" + value and number == "12" and plain == "plain 文本"

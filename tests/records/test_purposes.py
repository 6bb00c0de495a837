"""A read's purpose (records/purposes.py): a code from the configured list, a reference where the code needs one, a
detail with real content; each canonical (NFKC, whitespace collapsed) before it is checked."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sirecords.records.purposes import Purpose, canonical, check_purpose, implied
from sirecords.transactions.posting import InvalidTransaction


def errors(code, detail, reference=""):
    with pytest.raises(InvalidTransaction) as invalid:
        check_purpose(code, detail, reference)
    return invalid.value.errors


def test_a_purpose_from_the_list_with_a_detail():
    assert check_purpose("counter", "本人查询") == Purpose("counter", "本人查询")
    assert str(check_purpose("case", "court enquiry", "2026-123")) == "case [2026-123]: court enquiry"


@pytest.mark.parametrize("code", ["", None, ".", "record view", "review", "Supervision!"])
def test_an_unknown_code_lists_the_codes(code):
    message = errors(code, "counter query")["purpose"]
    assert "counter (窗口查询（本人到场） / counter enquiry by the insured person)" in message
    assert "case (" in message and "supervision (" in message


@pytest.mark.parametrize("detail", ["", ".", "...", "—", "a.", "ab", "aaaa", "查", "。。。。", "1 1 1 1"])
def test_a_detail_without_real_content(detail):
    assert "purpose_detail" in errors("counter", detail)


@pytest.mark.parametrize("detail", ["查询", "核对缴费", "ok go", "2024 年缴费"])
def test_short_but_real_details(detail):
    assert check_purpose("counter", detail).detail == detail


def test_control_characters_and_length():
    assert errors("counter", "count\x00er query") == {"purpose_detail": "contains a control character"}
    assert "purpose_reference" in errors("case", "court enquiry", "12\x003")
    assert "purpose_detail" in errors("counter", "x" * 60 + "y" * 61)
    assert "purpose_reference" in errors("case", "court enquiry", "1" * 61)


def test_a_reference_where_the_code_needs_one():
    assert "purpose_reference" in errors("case", "court enquiry")
    assert "purpose_reference" in errors("case", "court enquiry", "#.")
    assert check_purpose("counter", "本人查询", "ticket A12").reference == "ticket A12"  # optional elsewhere


def test_canonical_before_checked():
    assert canonical("  ＡＢＣ\u3000１２３ \t x ") == "ABC 123 x"
    purpose = check_purpose("ＣＯＵＮＴＥＲ", "窗口查询\u3000（本人）  query", "")
    # The code is a formatted value (NFKC); the detail is free text (NFC: its Chinese punctuation is kept), spaces collapsed.
    assert purpose == Purpose("counter", "窗口查询 （本人） query")


@override_settings(SIRECORDS_READ_PURPOSES={"audit": {"zh": "审计", "en": "audit", "reference": True}})
def test_the_list_is_configurable():
    assert check_purpose("audit", "annual audit", "A-12").code == "audit"
    assert "audit (审计 / audit)" in errors("counter", "counter query")["purpose"]
    with pytest.raises(ValueError):
        implied("counter", "x")

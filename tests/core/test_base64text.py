"""Canonical base64 (core/base64text.py): what encode writes is read back; anything else — not base64, or another
spelling of the same bytes (a non-zero padding bit, missing padding) — is refused, so a signed text names one value."""

import pytest

from sirecords.core.base64text import NotCanonicalBase64, decode, encode


@pytest.mark.parametrize("data", [b"", b"\x00", b"ab", b"abc", bytes(range(256))])
def test_what_encode_writes_is_read_back(data):
    assert decode(encode(data)) == data


@pytest.mark.parametrize("text, why", [("QQ", "not valid"), ("QR==", "not canonical"), ("Q Q==", "not valid"),
                                       ("QQ==\n", "not valid"), ("中文", "not valid")])
def test_another_spelling_is_refused(text, why):
    with pytest.raises(NotCanonicalBase64, match=why):
        decode(text)

"""Standard base64 (RFC 4648 §4) as the project writes it in signed texts and files: padded, and canonical when read
— one text per byte string, so a signature over the text covers exactly one value (the signed notes, the envelopes)."""

from __future__ import annotations

import base64
import binascii


class NotCanonicalBase64(ValueError):
    """Not base64, or not its one canonical spelling (the caller names the field)."""


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode(text: str) -> bytes:
    """The bytes `text` spells; NotCanonicalBase64 when it is not base64 or another spelling than encode() writes."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise NotCanonicalBase64("not valid base64") from None
    if encode(data) != text:
        raise NotCanonicalBase64("not canonical base64")
    return data

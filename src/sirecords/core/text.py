"""The one canonicalisation rule for input: every value is made canonical before it is checked, and is
stored as made canonical, never as typed.

* **Formatted values** — identifiers, codes, periods, dates, amounts, phone numbers, region codes:
  `canonical()` applies Unicode NFKC and trims white space, so full-width digits and letters (２０２６－０２,
  ＡＢ) become ASCII; the checks that follow accept ASCII digits only (`[0-9]`, never `\\d` or
  `str.isdigit()`, which also take Arabic-Indic ٢٠٢٦ and other digits NFKC leaves alone).
* **Free text** — names, addresses, reasons, opinions, methods: `free_text()` applies NFC (canonical
  equivalence only: nothing visible changes; NFKC would rewrite the full-width punctuation ，（）： of Chinese
  text), trims, and refuses control and format characters (NUL, escape, bidirectional overrides, zero-width
  characters, lone surrogates) — a line break only where the text may have several lines — and text
  longer than its limit, counted after normalisation.

Pure Python (no Django): each refusal is a `NotCanonical` with a stable `code` and an English message; the
layers above translate the code (transactions/validation.py).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["NotCanonical", "canonical", "ascii_digits", "code", "free_text", "first_forbidden", "is_ascii_digits",
           "whole_number"]

# ASCII control characters; TAB and LF are allowed in multi-line text.
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
_DIGITS = re.compile(r"[0-9]+\Z")


class NotCanonical(ValueError):
    """A value that cannot be made canonical. `code`: "text.control", "text.too_long", "text.type" or
    "digits"; `message`: an English sentence naming the field."""

    def __init__(self, code: str, message: str, **params) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params


def canonical(value: str) -> str:
    """NFKC, then trimmed of white space (the ideographic space too): the form every formatted value is checked in."""
    if value.isascii():
        return value.strip()
    return unicodedata.normalize("NFKC", value).strip()


def code(value: str) -> str:
    """An identifier or code as typed in groups ("110105 19491231 002X", full-width or not): canonical, without any
    white space, upper-case."""
    return "".join(canonical(value).split()).upper()


def is_ascii_digits(value: str) -> bool:
    return _DIGITS.match(value) is not None


def ascii_digits(value: str, what: str = "value", *, length: int | None = None) -> str:
    """The canonical value when it is ASCII digits only (of `length`, when given)."""
    text = canonical(value)
    if not is_ascii_digits(text) or (length is not None and len(text) != length):
        wanted = f"{length} digits" if length is not None else "digits"
        raise NotCanonical("digits", f"{what} must be {wanted} 0-9, got {value!r}", length=length)
    return text


def whole_number(value: str) -> int:
    """A whole number written with ASCII digits (after NFKC): an argparse type (``type=whole_number``), since int()
    itself also reads Arabic-Indic and other Unicode digits."""
    return int(ascii_digits(value))


def first_forbidden(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """(position from 1, character) of the first control or format character free text may not hold, or None."""
    found = (_ASCII_CONTROL_MULTILINE if multiline else _ASCII_CONTROL).search(text)
    first = (found.start(), found.group()) if found else None
    if not text.isascii():
        category = unicodedata.category
        for index, char in enumerate(text[:first[0]] if first else text):
            if char >= "\x80" and (category(char) in ("Cc", "Cf", "Cs") or (not multiline and char in "\u2028\u2029")):
                first = (index, char)
                break
    return None if first is None else (first[0] + 1, first[1])


def free_text(value, what: str = "text", *, max_length: int | None = None, multiline: bool = False) -> str:
    """Free text made canonical: NFC, trimmed, CR LF and CR as LF (multi-line only); refused with a control or format
    character (see the module docstring) or longer than `max_length` characters."""
    if not isinstance(value, str):
        raise NotCanonical("text.type", f"{what} must be text, not {type(value).__name__}", type=type(value).__name__)
    text = value.strip() if value.isascii() else unicodedata.normalize("NFC", value).strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.isascii():
            text = text.translate(_LINE_BREAKS)
    bad = first_forbidden(text, multiline=multiline)
    if bad is not None:
        position, char = bad
        name = unicodedata.name(char, "") if char >= " " else ""
        shown = f"U+{ord(char):04X}" + (f" {name}" if name else "")
        raise NotCanonical("text.control", f"{what} contains the control character {shown} at position {position}; "
                                           "remove it", char=f"U+{ord(char):04X}", position=position)
    if max_length is not None and len(text) > max_length:
        raise NotCanonical("text.too_long", f"{what} is {len(text)} characters long; at most {max_length}",
                           length=len(text), limit=max_length)
    return text

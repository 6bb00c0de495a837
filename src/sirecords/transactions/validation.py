"""Checking a transaction's payload field by field. Every problem names the field and says why;
`Errors.raise_if_any()` refuses the whole transaction (InvalidTransaction) and nothing is written.

Every value is made canonical first (core/text.py, the one rule): free text (`text`) is NFC-normalised and
trimmed and refuses control characters; formatted values (`formatted`, `region`, `a_date`, `a_month`) are
NFKC-normalised and trimmed and accept ASCII digits only. The canonical value is what the caller stores.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from sirecords.core.money import InvalidInput, parse_amount, to_fen
from sirecords.core.periods import Month
from sirecords.core.text import NotCanonical, canonical, first_forbidden, free_text
from sirecords.transactions.posting import InvalidTransaction

REGION = re.compile(r"[1-9][0-9]{5}\Z")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


class Errors(dict):
    """Field → message; a second problem with the same field is added, not lost."""

    def __setitem__(self, field: str, message: str) -> None:
        super().__setitem__(field, f"{self[field]}; {message}" if field in self else message)

    def raise_if_any(self) -> None:
        if self:
            raise InvalidTransaction(dict(self))


def message(problem: NotCanonical) -> str:
    """A core/text.py refusal in the active language (the field is named by the caller)."""
    params = problem.params
    if problem.code == "text.control":
        return _("contains the control character {char} at position {position}; remove it").format(**params)
    if problem.code == "text.too_long":
        return _("is {length} characters long; at most {limit}").format(**params)
    if problem.code == "text.type":
        return _("must be text, not {type}").format(**params)
    return _("must be written with the digits 0-9")


def text(payload: dict, name: str, errors: Errors, *, required: bool, max_length: int, multiline: bool = False) -> str:
    """Free text (a name, an address, a reason): canonical (NFC, trimmed), no control characters (a line break only
    when `multiline`), at most `max_length` characters."""
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = _("is required")
        return ""
    try:
        return free_text(value, name, max_length=max_length, multiline=multiline)
    except NotCanonical as problem:
        errors[name] = message(problem)
        return value.strip() if isinstance(value, str) else ""


def formatted(payload: dict, name: str, errors: Errors, *, required: bool, max_length: int) -> str:
    """A value with a fixed format (a phone number, a code): canonical (NFKC, trimmed: full-width digits become ASCII),
    no control characters, at most `max_length` characters. The caller checks the format on the returned value."""
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = _("is required")
        return ""
    if not isinstance(value, str):
        errors[name] = _("must be text, not {type}").format(type=type(value).__name__)
        return ""
    value = canonical(value)
    bad = first_forbidden(value)
    if bad is not None:
        errors[name] = _("contains the control character {char} at position {position}; remove it").format(
            char=f"U+{ord(bad[1]):04X}", position=bad[0])
    elif len(value) > max_length:
        errors[name] = _("is {length} characters long; at most {limit}").format(length=len(value), limit=max_length)
    return value


def checked_text(value, name: str, *, required: bool = True, max_length: int = 2000, multiline: bool = True) -> str:
    """One free-text argument of a service (a reason, an opinion): canonical, or InvalidTransaction naming `name`."""
    errors = Errors()
    checked = text({name: value}, name, errors, required=required, max_length=max_length, multiline=multiline)
    errors.raise_if_any()
    return checked


def a_date(payload: dict, name: str, errors: Errors, *, required: bool = True, future_ok: bool = False) -> date | None:
    value = payload.get(name)
    if value in (None, ""):
        if required:
            errors[name] = _("is required")
        return None
    try:
        if isinstance(value, date):
            parsed = value
        else:
            written = canonical(value) if isinstance(value, str) else ""
            if not ISO_DATE.match(written):
                raise ValueError(written)
            parsed = date.fromisoformat(written)
    except ValueError:
        errors[name] = _("{value} is not a date (YYYY-MM-DD)").format(value=repr(value))
        return None
    if parsed > date.today() and not future_ok:
        errors[name] = _("{date} is in the future").format(date=parsed.isoformat())
    return parsed


def money(payload: dict, name: str, errors: Errors, *, required: bool = True) -> int:
    """An amount in yuan written as text with at most two decimals ("1234.50"), as integer fen; 0 when absent."""
    value = payload.get(name)
    if value is None or value == "":
        if required:
            errors[name] = _("is required")
        return 0
    if not isinstance(value, str):
        errors[name] = _("is an amount in yuan written as text, e.g. 1234.50")
        return 0
    try:
        return to_fen(parse_amount(canonical(value), name))
    except InvalidInput as problem:
        errors[name] = str(problem)
        return 0


def a_month(payload: dict, name: str, errors: Errors) -> Month | None:
    """A required calendar month written YYYY-MM."""
    value = payload.get(name)
    try:
        return Month.parse(value if isinstance(value, str) else "")
    except InvalidInput:
        errors[name] = _("must be a month written YYYY-MM")
        return None


def region(payload: dict, name: str, errors: Errors, *, required: bool = True) -> str:
    value = formatted(payload, name, errors, required=required, max_length=6)
    if value and not REGION.match(value):
        errors[name] = _("{value} is not a 6-digit GB/T 2260 region code").format(value=repr(value))
    return value


def unknown_fields(payload: dict, allowed: set[str], errors: Errors) -> None:
    for name in sorted(set(payload) - allowed):
        errors[name] = _("is not a field of this transaction")

"""Checking a transaction's payload field by field. Every problem names the field and says why;
`Errors.raise_if_any()` refuses the whole transaction (InvalidTransaction) and nothing is written."""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

from sirecords.core.money import InvalidInput
from sirecords.core.periods import Month
from sirecords.transactions.posting import InvalidTransaction

REGION = re.compile(r"^[1-9]\d{5}$")


class Errors(dict):
    """Field → message; a second problem with the same field is added, not lost."""

    def __setitem__(self, field: str, message: str) -> None:
        super().__setitem__(field, f"{self[field]}; {message}" if field in self else message)

    def raise_if_any(self) -> None:
        if self:
            raise InvalidTransaction(dict(self))


def text(payload: dict, name: str, errors: Errors, *, required: bool, max_length: int) -> str:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = _("is required")
        return ""
    if not isinstance(value, str):
        errors[name] = _("must be text, not {type}").format(type=type(value).__name__)
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors[name] = _("is {length} characters long; at most {limit}").format(length=len(value), limit=max_length)
    return value


def a_date(payload: dict, name: str, errors: Errors, *, required: bool = True, future_ok: bool = False) -> date | None:
    value = payload.get(name)
    if value in (None, ""):
        if required:
            errors[name] = _("is required")
        return None
    try:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        errors[name] = _("{value} is not a date (YYYY-MM-DD)").format(value=repr(value))
        return None
    if parsed > date.today() and not future_ok:
        errors[name] = _("{date} is in the future").format(date=parsed.isoformat())
    return parsed


def a_month(payload: dict, name: str, errors: Errors) -> Month | None:
    """A required calendar month written YYYY-MM."""
    value = payload.get(name)
    try:
        return Month.parse(value if isinstance(value, str) else "")
    except InvalidInput:
        errors[name] = _("must be a month written YYYY-MM")
        return None


def region(payload: dict, name: str, errors: Errors, *, required: bool = True) -> str:
    value = text(payload, name, errors, required=required, max_length=6)
    if value and not REGION.match(value):
        errors[name] = _("{value} is not a 6-digit GB/T 2260 region code").format(value=repr(value))
    return value


def unknown_fields(payload: dict, allowed: set[str], errors: Errors) -> None:
    for name in sorted(set(payload) - allowed):
        errors[name] = _("is not a field of this transaction")

"""Contribution months (``YYYY-MM``) and ages in years and months (``60y1m``). Text is made canonical first
(core/text.py: full-width ２０２４－１２ is read as 2024-12); only ASCII digits are accepted after that."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sirecords.core.money import InvalidInput
from sirecords.core.text import canonical

__all__ = ["Age", "Month", "as_date", "as_month"]

_MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})\Z")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_AGE_TEXT = re.compile(r"([0-9]{1,3})(?:y(?:([0-9]{1,2})m)?)?\Z")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month. Ordered; ``month + n`` and ``month - other`` count whole months."""

    year: int
    month: int

    def __post_init__(self):
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1 <= self.year <= 9999:
            raise InvalidInput(f"year must be between 1 and 9999, got {self.year!r}")
        if isinstance(self.month, bool) or not isinstance(self.month, int) or not 1 <= self.month <= 12:
            raise InvalidInput(f"month must be between 1 and 12, got {self.month!r}")

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_TEXT.match(canonical(text)) if isinstance(text, str) else None
        if not match:
            raise InvalidInput(f"a month must be written YYYY-MM (e.g. 2024-12), got {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def from_ordinal(cls, ordinal: int) -> Month:
        year, month0 = divmod(ordinal, 12)
        return cls(year, month0 + 1)

    @property
    def ordinal(self) -> int:
        """Months since year 0: consecutive months have consecutive ordinals."""
        return self.year * 12 + self.month - 1

    def __add__(self, months: int) -> Month:
        if isinstance(months, bool) or not isinstance(months, int):
            return NotImplemented
        return Month.from_ordinal(self.ordinal + months)

    def __sub__(self, other):
        if isinstance(other, Month):
            return self.ordinal - other.ordinal
        if isinstance(other, int) and not isinstance(other, bool):
            return Month.from_ordinal(self.ordinal - other)
        return NotImplemented

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def as_month(value, what: str = "month") -> Month:
    """A Month from a Month, a date (its month) or "YYYY-MM" text."""
    if isinstance(value, Month):
        return value
    if isinstance(value, date):
        return Month(value.year, value.month)
    if isinstance(value, str):
        try:
            return Month.parse(value)
        except InvalidInput as error:
            raise InvalidInput(f"{what}: {error}") from None
    raise InvalidInput(f"{what} must be a month (YYYY-MM), got {type(value).__name__} {value!r}")


@dataclass(frozen=True, order=True)
class Age:
    """An age in whole years and extra months (0–11)."""

    years: int
    months: int = 0

    def __post_init__(self):
        for name in ("years", "months"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput(f"age {name} must be a whole number ≥ 0, got {value!r}")
        if self.months > 11:
            raise InvalidInput(f"age months must be 0–11, got {self.months}")

    @classmethod
    def parse(cls, value) -> Age:
        """``60``, ``60y``, ``60y1m`` (also an Age or an int of whole years)."""
        if isinstance(value, Age):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        match = _AGE_TEXT.match(canonical(value).lower()) if isinstance(value, str) else None
        if not match:
            raise InvalidInput(f"an age must be whole years or years and months such as 60y1m, got {value!r}")
        return cls(int(match[1]), int(match[2] or 0))

    @classmethod
    def from_months(cls, total_months: int) -> Age:
        return cls(*divmod(total_months, 12))

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def __str__(self) -> str:
        return f"{self.years}y{self.months}m"

    @property
    def zh(self) -> str:
        return f"{self.years}岁{self.months}个月" if self.months else f"{self.years}岁"


def as_date(value, what: str = "date") -> date:
    """A calendar date from a date or "YYYY-MM-DD" text (a datetime is refused: which day would it be?)."""
    if isinstance(value, datetime):
        raise InvalidInput(f"{what} must be a calendar date, not a date and time: {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = canonical(value)
        if _DATE_TEXT.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError as error:
                raise InvalidInput(f"{what} {value!r} is not a calendar date: {error}") from None
        raise InvalidInput(f"{what} must be a date written YYYY-MM-DD (e.g. 2025-03-15), got {value!r}")
    raise InvalidInput(f"{what} must be a date (YYYY-MM-DD), got {type(value).__name__} {value!r}")

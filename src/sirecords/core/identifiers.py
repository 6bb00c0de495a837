"""Validation and construction of Chinese identifiers (the registry's, the import's, the forms').

* Resident ID numbers (GB 11643-1999, check character by ISO 7064 MOD 11-2). `check_id_number` is the
  standard: length, characters, a real birth date not after today, the check character; so the
  standard's own example 440524188001010014 (born 1880) is valid. `id_plausibility` lists what is
  valid but implausible for a living person (born before 1900, aged over 120): warnings, for the
  calculator. `parse_id_number`, used wherever a number is recorded (registration, imports, forms),
  is the standard plus one plausibility refusal: a birth date before 1900-01-01
  (``id_number.implausible_birth``), as before.
* Unified social credit codes (GB 32100-2015), which embed a GB 11714
  organisation code with its own check character.

Pure Python on purpose: used by forms, imports, demo data and tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sirecords.core.text import code

__all__ = [
    "InvalidIdentifier",
    "IdNumber",
    "IdWarning",
    "check_id_number",
    "id_plausibility",
    "id_check_char",
    "parse_id_number",
    "mask_id_number",
    "uscc_check_char",
    "org_code_check_char",
    "parse_uscc",
    "check_uscc",
    "make_id_number",
    "make_uscc",
    "normalize_code",
]

# Explicit ASCII sets: str.isdigit() also accepts full-width and other Unicode digits.
_DIGITS = "0123456789"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"  # indexed by (sum mod 11)
_ID_EARLIEST_BIRTH = date(1900, 1, 1)  # earlier: valid under GB 11643, implausible for an insured person
_ID_OLDEST_AGE = 120

# GB 32100 alphabet; a character's value is its index (so I, O, S, V, Z are excluded).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Positions (0-based slice bounds) of the GB 11714 organisation code inside a USCC.
_ORG_BODY = slice(8, 16)
_ORG_CHECK_INDEX = 16


class InvalidIdentifier(ValueError):
    """An identifier failed validation.

    ``code`` is stable and meant for programs (e.g. "uscc.checksum"); ``message``
    is a precise English sentence meant for people.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"InvalidIdentifier({self.code!r}, {self.message!r})"


@dataclass(frozen=True)
class IdNumber:
    normalized: str  # 18 characters, check character upper-case
    address_code: str
    birth_date: date
    sex: str  # "M" or "F"
    upgraded_from_15: bool


def _compact(raw: str) -> str:
    # Numbers are often typed in groups ("110105 19491231 002X"), possibly full-width (NFKC makes them ASCII,
    # core/text.py); no whitespace is ever significant.
    return code(raw)


# --- Resident ID numbers -------------------------------------------------------


def id_check_char(first17: str) -> str:
    """Check character of a resident ID number from its first 17 digits."""
    if len(first17) != 17 or any(c not in _DIGITS for c in first17):
        raise ValueError("id_check_char needs exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


MASK_KEEP = 6  # characters kept by mask_id_number: the address code only


def mask_id_number(value: str) -> str:
    """Show the address code (the first 6 characters) and hide the rest: birth date, sequence, check character.

    The birth year-month and the sex stay in clear for set-based computations, so a mask may show nothing
    more: with them, the hidden day (28–31) and sequence (500 of a given parity) leave at least 14,000
    candidates; the check character or the sequence beside them would leave a handful (docs/privacy.md).
    Values too short to be an ID number are masked entirely so a mistyped fragment never leaks.
    """
    compact = "".join(value.split())
    if len(compact) < 15:
        return "*" * len(compact)
    return compact[:MASK_KEEP] + "*" * (len(compact) - MASK_KEEP)


def _check_id_charset(number: str) -> None:
    for position, char in enumerate(number, start=1):
        is_check_position = len(number) == 18 and position == 18
        if char in _DIGITS or (is_check_position and char == "X"):
            continue
        expected = "a digit or X" if is_check_position else "a digit"
        raise InvalidIdentifier(
            "id_number.charset",
            f"ID number character {position} must be {expected}, got {char!r}.",
        )


def _parse_birth_date(yyyymmdd: str, today: date) -> date:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:])
    try:
        birth = date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(
            "id_number.birth_date",
            f"ID number birth date {year:04d}-{month:02d}-{day:02d} is not a real date.",
        ) from None
    if birth > today:
        raise InvalidIdentifier(
            "id_number.future_birth",
            f"ID number birth date {birth.isoformat()} is after today ({today.isoformat()}).",
        )
    return birth


@dataclass(frozen=True)
class IdWarning:
    """A valid ID number that is implausible for a living person: ``code`` for programs, ``message`` for people."""

    code: str
    message: str


def id_plausibility(parsed: IdNumber, *, today: date | None = None) -> list[IdWarning]:
    """What makes a valid number implausible: a birth date before 1900-01-01, an age over 120 today."""
    today = today or date.today()
    birth = parsed.birth_date
    warnings = []
    if birth < _ID_EARLIEST_BIRTH:
        warnings.append(IdWarning("id_number.born_before_1900",
                                  f"ID number birth date {birth.isoformat()} is before 1900-01-01."))
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age > _ID_OLDEST_AGE:
        warnings.append(IdWarning("id_number.over_120",
                                  f"The holder would be {age} years old today ({today.isoformat()}), over {_ID_OLDEST_AGE}."))
    return warnings


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate a resident ID number for recording (`check_id_number`), refusing a birth date before
    1900-01-01 as implausible; 15-digit legacy numbers are upgraded to 18."""
    parsed = check_id_number(raw, today=today)
    if parsed.birth_date < _ID_EARLIEST_BIRTH:
        raise InvalidIdentifier(
            "id_number.implausible_birth",
            f"ID number birth date {parsed.birth_date.isoformat()} is before 1900-01-01: valid under GB 11643, "
            "but not plausible for a person to be recorded.",
        )
    return parsed


def check_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate a resident ID number by GB 11643 (no plausibility check), upgrading 15-digit numbers to 18."""
    today = today or date.today()
    number = _compact(raw)
    if len(number) not in (15, 18):
        raise InvalidIdentifier(
            "id_number.length",
            f"ID number must have 18 characters (or 15 for a legacy number), got {len(number)}.",
        )
    _check_id_charset(number)

    upgraded = len(number) == 15
    if upgraded:
        # Legacy numbers have a 2-digit year in the 1900s and no check character.
        first17 = number[:6] + "19" + number[6:]
        number = first17 + id_check_char(first17)

    birth = _parse_birth_date(number[6:14], today)

    if not upgraded:
        expected = id_check_char(number[:17])
        if number[17] != expected:
            raise InvalidIdentifier(
                "id_number.checksum",
                f"ID number {mask_id_number(number)} has check character "
                f"{number[17]!r} but {expected!r} was expected.",
            )

    return IdNumber(
        normalized=number,
        address_code=number[:6],
        birth_date=birth,
        sex="M" if int(number[16]) % 2 else "F",
        upgraded_from_15=upgraded,
    )


def make_id_number(address_code: str, birth: date, sequence: int) -> str:
    """Build a valid 18-character ID number (demo data and tests only)."""
    if len(address_code) != 6 or any(c not in _DIGITS for c in address_code):
        raise ValueError("address_code must be 6 ASCII digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be between 0 and 999")
    first17 = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


# --- Unified social credit codes -----------------------------------------------


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character from the first 17 characters."""
    if len(first17) != 17 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError("uscc_check_char needs 17 characters from the GB 32100 alphabet")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_char_value(char: str) -> int:
    # GB 11714 values letters A=10 ... Z=35 -- not the GB 32100 index.
    if char in _DIGITS:
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"invalid organisation code character {char!r}")


def org_code_check_char(first8: str) -> str:
    """GB 11714 organisation-code check character from its 8-character body."""
    if len(first8) != 8:
        raise ValueError("org_code_check_char needs exactly 8 characters")
    total = sum(_org_char_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_uscc(raw: str) -> list[InvalidIdentifier]:
    """All problems with a unified social credit code (empty when valid).

    Structural problems (length, charset) stop further checks, because the check
    characters cannot be computed; both checksums are reported independently so
    a caller can tell an overridable checksum-only failure from a malformed code.
    """
    code = _compact(raw)
    if len(code) != 18:
        return [
            InvalidIdentifier(
                "uscc.length",
                f"Unified social credit code must have 18 characters, got {len(code)}.",
            )
        ]
    bad = [(pos, c) for pos, c in enumerate(code, start=1) if c not in _USCC_VALUES]
    if bad:
        listed = ", ".join(f"character {pos} ({c!r})" for pos, c in bad)
        return [
            InvalidIdentifier(
                "uscc.charset",
                f"Unified social credit code contains characters outside the GB 32100 "
                f"alphabet (digits and letters except I, O, S, V, Z): {listed}.",
            )
        ]

    problems = []
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        problems.append(
            InvalidIdentifier(
                "uscc.checksum",
                f"Unified social credit code check character (character 18) is "
                f"{code[17]!r} but {expected!r} was expected.",
            )
        )
    expected_org = org_code_check_char(code[_ORG_BODY])
    if code[_ORG_CHECK_INDEX] != expected_org:
        problems.append(
            InvalidIdentifier(
                "uscc.org_checksum",
                f"Embedded organisation code (characters 9-17) has check character "
                f"{code[_ORG_CHECK_INDEX]!r} but {expected_org!r} was expected.",
            )
        )
    return problems


def normalize_code(raw: str) -> str:
    """An ID number or credit code as stored and looked up: canonical (core/text.py), no white space, upper-case."""
    return _compact(raw)


def parse_uscc(raw: str) -> str:
    """Return the normalised code, or raise the first problem found."""
    problems = check_uscc(raw)
    if problems:
        raise problems[0]
    return _compact(raw)


def make_uscc(registration_dept: str, category: str, region: str, org_body8: str) -> str:
    """Build a valid code from its parts, computing both check characters."""
    if len(registration_dept) != 1 or len(category) != 1:
        raise ValueError("registration_dept and category are one character each")
    if len(region) != 6 or any(c not in _DIGITS for c in region):
        raise ValueError("region must be 6 ASCII digits")
    if len(org_body8) != 8:
        raise ValueError("org_body8 must have 8 characters")
    head = registration_dept + category + region + org_body8
    if any(c not in _USCC_VALUES for c in head):
        raise ValueError("all characters must be from the GB 32100 alphabet")
    first17 = head + org_code_check_char(org_body8)
    return first17 + uscc_check_char(first17)

"""Why a person's record is read (第二十一条): a purpose from the configured list (settings.SIRECORDS_READ_PURPOSES),
a reference where the purpose needs one (the case, application, transaction or supervision number) and a free-text
detail. Each part is made canonical by the project's one rule (core/text.py: the code and the reference as formatted
values, NFKC; the detail as free text, NFC; white space runs collapsed) and then checked, so that "." or a string of
punctuation is never a purpose; the access log records the canonical form.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sirecords.core import text as canonical_text
from sirecords.transactions.posting import InvalidTransaction

MIN_DETAIL = 4  # letters or digits in the detail; a Chinese character counts twice
MAX_DETAIL = 120
MIN_REFERENCE = 3  # letters or digits in a reference
MAX_REFERENCE = 60


@dataclass(frozen=True)
class Purpose:
    code: str
    detail: str
    reference: str = ""

    def __str__(self) -> str:
        """As the access log records it: `code [reference]: detail`."""
        return f"{self.code}{f' [{self.reference}]' if self.reference else ''}: {self.detail}"


def purposes() -> dict[str, dict]:
    """The configured purposes: code -> {"zh", "en", "reference"}."""
    return settings.SIRECORDS_READ_PURPOSES


def label(code: str) -> str:
    """The purpose's label in the current language (Chinese unless English is chosen)."""
    entry = purposes().get(code) or {}
    language = get_language() or "zh-hans"
    return entry.get("en" if language.startswith("en") else "zh") or code


def listing() -> str:
    """Every code with its labels, for an error message."""
    return "; ".join(f"{code} ({entry['zh']} / {entry['en']})" for code, entry in purposes().items())


def canonical(text: str | None) -> str:
    """A code or reference made canonical (core/text.py: NFKC, so full-width letters and digits become ASCII), white
    space runs one space."""
    return " ".join(canonical_text.canonical(text or "").split())


def canonical_detail(text: str | None) -> str:
    """The detail as free text (core/text.py: NFC, Chinese punctuation kept), white space runs one space; its control
    characters are left for the check to name."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _weight(text: str) -> int:
    """How much real content a text has: letters and digits, a CJK ideograph (one word in itself) counting twice."""
    weight = 0
    for char in text:
        if unicodedata.category(char)[0] in "LN":
            weight += 2 if unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH") else 1
    return weight


def _control(text: str) -> bool:
    return canonical_text.first_forbidden(text) is not None


def check_purpose(code: str | None, detail: str | None, reference: str | None = "") -> Purpose:
    """The canonical Purpose, or InvalidTransaction naming each field at fault (purpose, purpose_reference,
    purpose_detail) and why."""
    errors: dict[str, str] = {}
    code = canonical(code).lower()
    entry = purposes().get(code)
    if entry is None:
        errors["purpose"] = (_("is required: say why you read this record (第二十一条); one of: {codes}") if not code else
                             _("{code} is not a purpose; one of: {codes}")).format(code=repr(code), codes=listing())
    reference, detail = canonical(reference), canonical_detail(detail)
    for name, text in (("purpose_reference", reference), ("purpose_detail", detail)):
        if _control(text):
            errors[name] = _("contains a control character")
    if entry is not None and entry.get("reference") and "purpose_reference" not in errors:
        if _weight(reference) < MIN_REFERENCE:
            errors["purpose_reference"] = _("is required for “{label}”: the case, application, transaction or task "
                                            "number (at least {n} letters or digits)").format(label=label(code), n=MIN_REFERENCE)
    if len(reference) > MAX_REFERENCE and "purpose_reference" not in errors:
        errors["purpose_reference"] = _("is longer than {n} characters").format(n=MAX_REFERENCE)
    if "purpose_detail" not in errors:
        if _weight(detail) < MIN_DETAIL:
            errors["purpose_detail"] = _("is required: say in a few words what you need the record for (at least {n} "
                                         "letters or digits, or two Chinese characters)").format(n=MIN_DETAIL)
        elif len(set(detail.replace(" ", ""))) < 2:
            errors["purpose_detail"] = _("must say what you need the record for, not repeat one character")
        elif len(detail) > MAX_DETAIL:
            errors["purpose_detail"] = _("is longer than {n} characters").format(n=MAX_DETAIL)
    if errors:
        raise InvalidTransaction(errors)
    return Purpose(code, detail, reference)


def implied(code: str, detail: str, reference: str = "") -> Purpose:
    """A purpose the page states itself (a clerk's own transaction, a reviewer's stage, a supervisor's check):
    still one of the configured codes, so the access log speaks one vocabulary."""
    if code not in purposes():
        raise ValueError(f"{code!r} is not a configured read purpose")
    return Purpose(code, canonical_detail(detail), canonical(reference))

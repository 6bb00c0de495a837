"""The verification code printed on every certificate (issue 11): random, read aloud or typed from paper.

16 characters from 32 symbols (80 random bits) in four groups: "K7QM-3XRT-PA9W-HZ2E". The alphabet leaves out the
characters people confuse on paper or on the phone: 0 and O, 1 and I (L stays: without 1 and I nothing looks like
it). `canonical_code` reads what someone typed back: any case, full-width forms, spaces or dashes anywhere.
"""

from __future__ import annotations

import secrets

from django.utils.translation import gettext as _

from sirecords.core.text import canonical
from sirecords.transactions.posting import InvalidTransaction

__all__ = ["ALPHABET", "CODE_LENGTH", "canonical_code", "new_verification_code"]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0, 1, I, O
CODE_LENGTH = 16
GROUP = 4


def _grouped(compact: str) -> str:
    return "-".join(compact[i:i + GROUP] for i in range(0, len(compact), GROUP))


def new_verification_code() -> str:
    """A fresh random code, grouped by four with dashes (secrets: unpredictable, 80 bits)."""
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)))


def canonical_code(text: str) -> str:
    """The grouped form of a typed code; InvalidTransaction naming the field `code` when it cannot be one."""
    compact = "".join(ch for ch in canonical(str(text or "")).upper() if ch not in " -_")
    if len(compact) != CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        raise InvalidTransaction({"code": _("must be the {length}-character verification code printed on the certificate "
                                            "(letters and digits 2–9)").format(length=CODE_LENGTH)})
    return _grouped(compact)

"""Portal usernames and activation codes.

Usernames hold a ':' that a staff username can never hold (users/transactions.py USERNAME), so the two kinds of
account never meet: `person:<person uid>` and `employer:<employer uid>:<user name>`. No ID number, name or other
personal datum is in a username: it is also the access-log actor of the account's reads.

An activation code is shown once (to the query officer at the counter, printed on the annual statement, or given
to the clerk who created an employer account); the ledger keeps only its keyed digest (the blind-index key's
credential space, as users/credentials.py does for password hashes), bound to the account.
"""

from __future__ import annotations

import re
import secrets

from sirecords.core.text import canonical
from sirecords.crypto.sealing import blind_index
from sirecords.users.credentials import DIGEST_SPACE

PERSON, EMPLOYER = "person", "employer"
USER_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")  # an employer's user name within its unit
# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS, GROUP = 3, 4


def person_username(person_uid: str) -> str:
    return f"{PERSON}:{person_uid}"


def employer_username(employer_uid: str, user_name: str) -> str:
    return f"{EMPLOYER}:{employer_uid}:{user_name}"


def is_portal_username(username: str) -> bool:
    return username.startswith((f"{PERSON}:", f"{EMPLOYER}:"))


def kind_of(username: str) -> str | None:
    """PERSON, EMPLOYER, or None for a staff username."""
    head = username.partition(":")[0]
    return head if ":" in username and head in (PERSON, EMPLOYER) else None


def new_code() -> str:
    """A fresh activation code, e.g. "K7QM-2XHP-W9CA" (about 59 bits)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP))
    return "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def canonical_code(raw: str) -> str:
    """The code as typed, canonical (full-width letters read, case, spaces and dashes ignored), grouped again."""
    chars = "".join(c for c in canonical(raw or "").upper() if c.isalnum())
    return "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def code_digest(username: str, code: str) -> str:
    return blind_index(DIGEST_SPACE, f"activation\x00{username}\x00{canonical_code(code)}")

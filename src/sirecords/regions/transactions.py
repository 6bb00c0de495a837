"""register_region (第十条, docs/transfers.md): another pooling region registered with its name and its two public
keys, or a registered region's keys (or name) changed — the same transaction, reviewed. A clerk or a maintainer opens
it; an administrator cannot (stages.toml: review1, approval). Whom this region trusts to sign a transfer and whom it
encrypts a person's record to are decided here, so a key is recorded, with the key it replaces, in the ledger.

Checks: a six-digit code that is not this region's own; a name; a verifier key that parses as a signed-note verifier
key (<name>+<hex key ID>+<base64 Ed25519 key>, its key ID its name's and key's); an encryption key that is the base64
of exactly 32 bytes, a usable X25519 public key.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_lazy

from sirecords.ledger import note
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.regions.kinds import REGION_KEYS_CHANGED, REGION_REGISTERED, REGION_RENAMED
from sirecords.regions.models import Region
from sirecords.transactions.posting import NO_PERSON, InvalidTransaction, transaction_type
from sirecords.transactions.validation import Errors, formatted, region, text, unknown_fields

TYPE = "register_region"
CREATORS = ("clerk", "maintainer")
FIELDS = ("name", "verifier_key", "encryption_key")
LABELS = {"code": "地区代码 region code", "name": "名称 name", "verifier_key": "签名验证密钥 verifier key",
          "encryption_key": "加密公钥 encryption key"}


def parse_encryption_key(value: str) -> X25519PublicKey:
    """An X25519 public key from the base64 of its 32 raw bytes; ValueError saying why otherwise."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError("不是 base64 / is not base64") from None
    if base64.b64encode(raw).decode("ascii") != value:
        raise ValueError("不是规范 base64 / is not canonical base64")
    if len(raw) != 32:
        raise ValueError(f"应为 32 字节，实为 {len(raw)} 字节 / must be 32 bytes (an X25519 public key), not {len(raw)}")
    key = X25519PublicKey.from_public_bytes(raw)
    try:
        X25519PrivateKey.generate().exchange(key)  # a low-order point gives an all-zero secret: refused
    except ValueError:
        raise ValueError("不是可用的 X25519 公钥 / is not a usable X25519 public key (a low-order point)") from None
    return key


def checked(payload: dict[str, Any]) -> dict[str, str]:
    """The payload's code, name and keys, canonical; InvalidTransaction naming each bad field."""
    errors = Errors()
    if not isinstance(payload, dict):
        raise InvalidTransaction({"payload": "must be an object"})
    unknown_fields(payload, {"code", *FIELDS}, errors)
    code = region(payload, "code", errors)
    if code and code == settings.SIRECORDS_REGION:
        errors["code"] = f"{code} 是本地区 / is this region's own code: it is not registered with itself"
    name = text(payload, "name", errors, required=True, max_length=100)
    verifier_key = formatted(payload, "verifier_key", errors, required=True, max_length=500)
    if verifier_key:
        try:
            note.parse_verifier_key(verifier_key)
        except note.NoteError as error:
            errors["verifier_key"] = f"不是签名笔记验证密钥 / is not a signed-note verifier key: {error}"
    encryption_key = formatted(payload, "encryption_key", errors, required=True, max_length=44)
    if encryption_key:
        try:
            parse_encryption_key(encryption_key)
        except ValueError as error:
            errors["encryption_key"] = str(error)
    errors.raise_if_any()
    return {"code": code, "name": name, "verifier_key": verifier_key, "encryption_key": encryption_key}


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    before = Region.objects.filter(code=payload.get("code") or "").first() if isinstance(payload, dict) else None
    rows = []
    for field in ("code", *FIELDS):
        after = payload.get(field) if isinstance(payload, dict) else None
        rows.append({"field": field, "label": LABELS[field], "before": getattr(before, field, "") if before else "",
                     "after": "" if after is None else str(after)})
    return rows


def _summary(payload: dict[str, Any]) -> list[str]:
    return [str(payload.get(field) or "") for field in ("code", "name")] if isinstance(payload, dict) else []


def _no_person(payload: dict[str, Any], posted: bool) -> str | None:
    return NO_PERSON


@transaction_type(TYPE, gettext_lazy("Register a pooling region or change its keys (第十条)"), creators=CREATORS,
                  describe=_describe, summary=_summary, subject=_no_person)
def register_region(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    value = checked(payload)
    code = value["code"]
    after = {field: value[field] for field in FIELDS}
    current = Region.objects.filter(code=code).first()
    if current is None:
        return [NewEntry(REGION_REGISTERED, f"region:{code}", {"target": "region", "uid": code, "code": code,
                                                                "before": {}, "after": after, "method": "registered"})]
    before = {field: getattr(current, field) for field in FIELDS}
    changed = [field for field in FIELDS if before[field] != after[field]]
    if not changed:
        raise InvalidTransaction({"code": f"地区 {code} 已登记，名称和密钥相同 / region {code} is registered with this "
                                          "name and these keys already: nothing changes"})
    keys_changed = any(field in changed for field in ("verifier_key", "encryption_key"))
    return [NewEntry(REGION_KEYS_CHANGED if keys_changed else REGION_RENAMED, f"region:{code}",
                     {"target": "region", "uid": code, "code": code,
                      "before": {field: before[field] for field in changed},
                      "after": {field: after[field] for field in changed},
                      "method": "keys changed" if keys_changed else "renamed"})]

"""A one-line, masked description of a transaction for lists and queues: never the full ID number."""

from __future__ import annotations

from typing import Any

from sirecords.core.identifiers import mask_id_number
from sirecords.transactions.posting import transaction_types


def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if name else ""


def summarize(type_name: str, payload: dict[str, Any]) -> str:
    kind = transaction_types().get(type_name)
    parts = [kind.title if kind else type_name]
    if payload.get("id_number"):
        parts.append(mask_id_number(str(payload["id_number"])))
    if payload.get("name") and "uscc" not in payload:
        parts.append(mask_name(str(payload["name"])))
    for key in ("uscc", "username", "role"):
        if payload.get(key):
            parts.append(str(payload[key]))
    if "uscc" in payload and payload.get("name"):
        parts.append(str(payload["name"]))
    return " ".join(parts)

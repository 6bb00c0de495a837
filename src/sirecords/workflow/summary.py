"""A one-line, masked description of a transaction for lists and queues: the type's title and the words its
summary hook gives (never the full ID number)."""

from __future__ import annotations

from typing import Any

from sirecords.transactions.posting import transaction_types


def summarize(type_name: str, payload: dict[str, Any]) -> str:
    kind = transaction_types().get(type_name)
    if kind is None:
        return type_name
    return " ".join([str(kind.title), *(kind.summary(payload) if kind.summary else [])])  # a title may be lazy

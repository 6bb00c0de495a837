"""Canonical JSON: the exact bytes that are hashed.

UTF-8, keys sorted by code point, no insignificant whitespace, no floats (money is integer fen),
no NaN. The same value always gives the same bytes, so anyone can recompute an entry's hash.
"""

from __future__ import annotations

import json
from typing import Any

_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


class NotCanonical(TypeError):
    pass


def _reject_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise NotCanonical(f"{path or 'value'} is a float ({value!r}); use integer fen or a decimal string")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path or 'value'} has a non-string key {key!r}")
            _reject_floats(item, f"{path}.{key}" if path else key)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")
    elif not (value is None or isinstance(value, (str, int, bool))):
        raise NotCanonical(f"{path or 'value'} has type {type(value).__name__}, not a JSON value")


_SCALARS = (str, int, bool, type(None))
_PLAIN = frozenset((str, int, bool, type(None)))


def _plain(value: Any) -> bool:
    """True when `value` is JSON without floats: exact str, int, bool, None, and dicts (string keys) and lists or
    tuples of them. A walk without the error paths (building a path for every value costs more than the check):
    `_reject_floats` walks again to name what is wrong."""
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind in _PLAIN:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            push(item.values())
        elif kind is list or kind is tuple:
            push(item)
        else:
            return False
    return True


def canonical_json(value: Any) -> str:
    if not _plain(value):
        _reject_floats(value, "")  # raises, naming the float, the key or the type
    return _encoder.encode(value)


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")

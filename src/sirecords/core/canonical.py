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


def canonical_json(value: Any) -> str:
    # Fast path for the common flat payload; anything nested gets the full walk (with its error paths).
    if not (type(value) is dict and all(type(k) is str and isinstance(v, _SCALARS) and type(v) is not float
                                         for k, v in value.items())):
        _reject_floats(value, "")
    return _encoder.encode(value)


def canonical_bytes(value: Any) -> bytes:
    return canonical_json(value).encode("utf-8")

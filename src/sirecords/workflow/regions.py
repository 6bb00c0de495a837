"""Which pooling region the person a transaction is about belongs to (every person belongs to one: the agency that
insures them). The workflow knows no person table: the floor that does registers the look-up when its app is ready
(records/apps.py), as transaction types register their hooks. Without one registered, no region is known."""

from __future__ import annotations

from collections.abc import Callable

_home: list[Callable[[str], str | None]] = []


def register_home_region(look_up: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """Register `look_up(subject) -> pooling region or None` ("person:<uid>", "idx:<index>"); the last one wins."""
    _home[:] = [look_up]
    return look_up


def home_region(subject: str | None) -> str | None:
    """The pooling region of the person `subject` names, or None when it names none or nobody registered."""
    if not subject or not _home:
        return None
    return _home[0](subject)

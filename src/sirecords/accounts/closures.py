"""Accounts closed by facts kept above this app: a retirement award or a death closes an individual account
from a year on (that year is credited as a part year when the fact is posted), so the annual crediting run
leaves it out, and no deemed service is recognised once a pension is awarded.

The contexts that own those facts (benefits) register a ClosureSource when their app is ready; the accounts
app never reads their tables itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ClosureSource:
    name: str
    closed_by: Callable[[int], set[str]]  # year -> persons whose account is closed in that year or before
    state: Callable[[], tuple]  # changes whenever closed_by may answer differently (crediting plan reuse)
    refuses_recognition: Callable[[str], str | None] = lambda person: None  # why deemed service may not be recognised


_sources: dict[str, ClosureSource] = {}


def register(source: ClosureSource) -> None:
    _sources[source.name] = source


def closed_by(year: int) -> set[str]:
    """Persons whose account was closed in `year` or before, by any registered source."""
    closed: set[str] = set()
    for source in _sources.values():
        closed |= source.closed_by(year)
    return closed


def state() -> tuple:
    return tuple((name, source.state()) for name, source in sorted(_sources.items()))


def recognition_refused(person_uid: str) -> str | None:
    for source in _sources.values():
        refusal = source.refuses_recognition(person_uid)
        if refusal:
            return refusal
    return None

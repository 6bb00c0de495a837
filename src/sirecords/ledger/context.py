"""Who writes, why, and through which entry point. Every append needs all three."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

CHANNELS = ("counter", "web", "api", "cli", "import", "terminal", "phone", "system-job")


class MissingContext(ValueError):
    """A write without an actor or a reason: refused, whatever the entry point."""


@dataclass(frozen=True)
class WriteContext:
    actor: str
    reason: str
    channel: str
    txn: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if not (self.actor or "").strip():
            raise MissingContext("a ledger write needs an actor: who is responsible for it")
        if not (self.reason or "").strip():
            raise MissingContext("a ledger write needs a reason: why it is made")
        if self.channel not in CHANNELS:
            raise MissingContext(f"unknown channel {self.channel!r}; expected one of {', '.join(CHANNELS)}")

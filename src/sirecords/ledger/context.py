"""Who writes, why, and through which entry point. Every append needs all three; a business transaction also says
for which pooling region it is made."""

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
    # The pooling region (6-digit GB/T 2260 code) whose agency makes the write: the business transaction's region.
    # Empty for writes that belong to no region (checkpoints); a type that needs it says so (register_person).
    region: str = ""

    def __post_init__(self) -> None:
        if not (self.actor or "").strip():
            raise MissingContext("a ledger write needs an actor: who is responsible for it")
        if not (self.reason or "").strip():
            raise MissingContext("a ledger write needs a reason: why it is made")
        if self.channel not in CHANNELS:
            raise MissingContext(f"unknown channel {self.channel!r}; expected one of {', '.join(CHANNELS)}")

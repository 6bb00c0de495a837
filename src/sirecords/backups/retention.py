"""The retention policy: which backups a target keeps when it is pruned (`sirecords backup prune`, or
`backup create --prune`).

The policy is configuration, SIRECORDS_BACKUP_RETENTION="daily=N,monthly=M" (default `daily=30,monthly=12`).
`keep()` is a pure function of the backups' creation times, the policy and the time now (all UTC). A backup is kept
when it is

- the newest backup of one of the last N calendar days (UTC), today included (daily=N);
- the newest backup of one of the last M calendar months (UTC), this month included (monthly=M);
- the newest backup of all (whatever the policy says, a target never loses its last backup);
- less than a day old (never deleted the day it was made, whatever the policy; a clock set back counts as young).

Everything else may be deleted. The periods are calendar days and months counted back from now, not "the last N days
that had a backup": a backup older than the policy's reach goes, even when no newer backup was made since (the newest
backup stays, so a target that stopped receiving backups keeps that one).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

VARIABLE = "SIRECORDS_BACKUP_RETENTION"
DEFAULT = "daily=30,monthly=12"
PERIODS = ("daily", "monthly")
LIMIT = 100_000  # a count above this is a typo, not a policy
YOUNG = timedelta(days=1)


class PolicyInvalid(ValueError):
    """A retention policy that does not parse; the message names the part and why."""


@dataclass(frozen=True)
class Policy:
    daily: int
    monthly: int

    def __str__(self) -> str:
        return f"daily={self.daily},monthly={self.monthly}"


def parse(text: str) -> Policy:
    """`daily=N,monthly=M` (either may be left out: 0; order free; spaces allowed). Raises PolicyInvalid."""
    counts: dict[str, int] = {}
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise PolicyInvalid(f"{VARIABLE} is empty: give e.g. {DEFAULT!r}")
    for part in parts:
        key, sep, value = (s.strip() for s in part.partition("="))
        if not sep:
            raise PolicyInvalid(f"{VARIABLE}: {part!r} is not PERIOD=COUNT (e.g. {DEFAULT!r})")
        if key not in PERIODS:
            raise PolicyInvalid(f"{VARIABLE}: unknown period {key!r}; the periods are {', '.join(PERIODS)}")
        if key in counts:
            raise PolicyInvalid(f"{VARIABLE}: {key} is given twice")
        if not value.isascii() or not value.isdigit() or int(value) > LIMIT:
            raise PolicyInvalid(f"{VARIABLE}: {key}={value!r} must be a whole number from 0 to {LIMIT}")
        counts[key] = int(value)
    return Policy(daily=counts.get("daily", 0), monthly=counts.get("monthly", 0))


def configured() -> Policy:
    """The policy of SIRECORDS_BACKUP_RETENTION, else the default daily=30,monthly=12."""
    return parse(os.environ.get(VARIABLE) or DEFAULT)


def _month(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def keep(created: Iterable[datetime], policy: Policy, now: datetime) -> set[datetime]:
    """The creation times (aware, any zone; compared in UTC) of the backups to keep; the others may be deleted."""
    times = sorted({t.astimezone(UTC) for t in created}, reverse=True)  # newest first
    if not times:
        return set()
    now = now.astimezone(UTC)
    kept = {times[0]}
    kept.update(t for t in times if now - t < YOUNG)
    today, this_month = now.date(), _month(now)
    newest_of_day: dict[object, datetime] = {}
    newest_of_month: dict[int, datetime] = {}
    for t in times:  # newest first: the first seen of each period is its newest
        newest_of_day.setdefault(t.date(), t)
        newest_of_month.setdefault(_month(t), t)
    kept.update(t for day, t in newest_of_day.items() if 0 <= (today - day).days < policy.daily)
    kept.update(t for month, t in newest_of_month.items() if 0 <= this_month - month < policy.monthly)
    return kept


def created_at(name: str) -> datetime | None:
    """The UTC time in a backup's name (`backup-20260105T013000123456Z`), None for a name of another form."""
    try:
        return datetime.strptime(name, "backup-%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def to_delete(names: Iterable[str], policy: Policy, now: datetime) -> list[str]:
    """The backup names the policy lets go, oldest first. A name whose time cannot be read is never deleted."""
    timed = {name: created_at(name) for name in names}
    kept = keep([t for t in timed.values() if t is not None], policy, now)
    return sorted(name for name, t in timed.items() if t is not None and t not in kept)

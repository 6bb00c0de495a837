"""The latest backup checks as the ledger states them, and the last backup made: for the supervisors' integrity
page and the metrics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sirecords.core.home import home
from sirecords.ledger.models import Entry
from sirecords.operations.kinds import BACKUP_DRILLED, BACKUP_VERIFIED


@dataclass(frozen=True)
class Check:
    seq: int
    actor: str
    body: dict[str, Any]

    @property
    def at(self) -> datetime:
        return datetime.strptime(self.body["checked_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    @property
    def ok(self) -> bool:
        return self.body.get("ok") is True

    @property
    def rto_seconds(self) -> str:
        """The drill's recovery time in seconds, to a tenth (what a person reads; the entry keeps milliseconds)."""
        return f"{int(self.body.get('rto_ms') or 0) / 1000:.1f}"

    @property
    def rpo_minutes(self) -> int:
        """The drill's recovery point in whole minutes: how old the newest restored data was."""
        return int(self.body.get("rpo_ms") or 0) // 60_000


def latest(kind: str, limit: int = 10) -> list[Check]:
    """The newest `limit` entries of `kind` (BACKUP_VERIFIED or BACKUP_DRILLED), newest first."""
    rows = Entry.objects.filter(kind=kind).order_by("-seq").values_list("seq", "actor", "payload")[:limit]
    return [Check(seq, actor, json.loads(payload)) for seq, actor, payload in rows]


def latest_readability(limit: int = 10) -> list[Check]:
    return latest(BACKUP_VERIFIED, limit)


def latest_drills(limit: int = 10) -> list[Check]:
    return latest(BACKUP_DRILLED, limit)


# --- the last backup made: $SIRECORDS_HOME/backup-last.json, as verify-last.json for `verify` ---

LAST_BACKUP = "backup-last.json"


@dataclass(frozen=True)
class LastBackup:
    id: str
    created_at: datetime
    targets: list[str]
    ledger_size: int


def remember_backup(backup_id: str, created_at: str, targets: list[str], ledger_size: int) -> None:
    """Written by `sirecords backup create` when a backup is complete in every target; read by the integrity page and
    the metrics (the age of the newest backup). Written whole under a temporary name, then renamed."""
    path = home() / LAST_BACKUP
    temporary = path.with_name(f".{LAST_BACKUP}.tmp")
    temporary.write_text(json.dumps({"id": backup_id, "created_at": created_at, "targets": targets,
                                     "ledger_size": ledger_size}, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def last_backup() -> LastBackup | None:
    """The last backup made, or None when none was made here or the file cannot be read."""
    try:
        data = json.loads((home() / LAST_BACKUP).read_text(encoding="utf-8"))
        created = datetime.fromisoformat(str(data["created_at"]).replace("Z", "+00:00")).astimezone(UTC)
        return LastBackup(str(data["id"]), created, [str(t) for t in data.get("targets") or []], int(data["ledger_size"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None

"""Each readability check and drill is posted to the ledger (operations app) by the account that runs it, besides
the target's journal (journal.py): the ledger is what supervisors read on the integrity page and what `verify`
protects; the journal stays with the backups, readable when the live database is gone.

The account is named up front (`--actor`, else SIRECORDS_OPERATIONS_ACCOUNT): a staff account with the sysadmin or
dba role — the timers run as one (docs/deployment.md). Checked before any work, so a drill that cannot be recorded
is not run."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from sirecords.backups.archive import BackupRefused
from sirecords.operations.services import may_record, record_backup_checks
from sirecords.transactions.actors import Actor
from sirecords.users.actors import actor_for

ACCOUNT_VARIABLE = "SIRECORDS_OPERATIONS_ACCOUNT"


def default_account() -> str:
    return os.environ.get(ACCOUNT_VARIABLE, "")


def operations_actor(username: str | None) -> Actor:
    name = (username or default_account()).strip()
    if not name:
        raise BackupRefused(f"the result is posted to the ledger by a staff account with the sysadmin or dba role: "
                            f"give --actor NAME or set {ACCOUNT_VARIABLE}")
    actor = actor_for(name)
    if not may_record(actor):
        raise BackupRefused(f"{name!r} is not an active staff account with the sysadmin or dba role: the result of a "
                            "backup check is posted to the ledger by one (docs/operations.md)")
    return actor


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(actor: Actor, reason: str, checks: list[dict[str, Any]]) -> int:
    """Post the checks; the seq of the transaction's first entry."""
    return record_backup_checks(actor, checks, reason=reason).posted_seq

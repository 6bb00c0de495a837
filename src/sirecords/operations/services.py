"""Posting the result of a backup check: the one way the operations app writes (第九条(二), 第二十五条)."""

from __future__ import annotations

from typing import Any

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from sirecords.operations.transactions import OPERATORS, RECORD_BACKUP_CHECK
from sirecords.transactions.actors import Actor
from sirecords.users.services import admin_region
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import Refused, execute


def record_backup_checks(actor: Actor, checks: list[dict[str, Any]], *, reason: str,
                         channel: str = "system-job") -> BusinessTransaction:
    """Post one run's results (an entry per backup checked) by `actor`, an active sysadmin or dba; Refused or
    InvalidTransaction (a field and why) otherwise, and nothing is written."""
    with db_transaction.atomic():
        txn = execute(actor, RECORD_BACKUP_CHECK, {"checks": checks}, region=admin_region(actor), reason=reason,
                      channel=channel)
        if txn.state != State.POSTED:  # stages.toml gives record_backup_check no review stage
            raise Refused(_("recording a backup check must need no review stage (workflow/stages.toml)"), txn)
    return txn


def may_record(actor: Actor | None) -> bool:
    return actor is not None and not actor.blocked() and any(actor.has(role, admin_region(actor)) for role in OPERATORS)

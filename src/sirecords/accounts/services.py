"""The accounts use cases that open workflow transactions: the annual crediting run, which the maintainer
prepares, opens and submits, and the correction of a person's account years; the reviewers approve in the pages
(separation of duties, 第七条). `approve` is for tests, the benchmark and the demo, which play the reviewers with the
actors they are given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction as db_transaction

from sirecords.accounts.crediting import Plan, plan_year
from sirecords.accounts.transactions import TYPE
from sirecords.transactions.actors import Actor
from sirecords.workflow import services
from sirecords.workflow.models import BusinessTransaction


@dataclass
class Prepared:
    plan: Plan
    txn: BusinessTransaction | None  # None: nothing to credit, no transaction opened


def prepare(actor: Actor, year: int, *, region: str, reason: str, channel: str = "cli") -> Prepared:
    """Plan the year; when any account is new or changed, open and submit the run for review."""
    plan = plan_year(region, year)
    if not plan.row_count:
        return Prepared(plan, None)
    return Prepared(plan, services.execute(actor, TYPE, plan.summary(), region=region, reason=reason, channel=channel))


def approve(txn: BusinessTransaction, reviewers: Sequence[Actor], opinion: str = "figures checked") -> BusinessTransaction:
    """Each reviewer approves the stage due, in order; the last approval posts the run."""
    for reviewer in reviewers:
        if txn.due_stage is None:
            break
        txn = services.review(reviewer, txn, "approve", opinion)
    return txn


def open_correction(actor: Actor, person: str, year: int, *, region: str, method: str, reason: str, evidence: bytes,
                    filename: str = "evidence.pdf", channel: str = "counter") -> BusinessTransaction:
    """Open a correction of the person's account years from `year` on with the recomputed figures, attach the
    evidence and submit it for review (accounts/corrections.py)."""
    from sirecords.accounts.corrections import TYPE as CORRECTION
    from sirecords.accounts.corrections import correction_payload

    with db_transaction.atomic():
        txn = services.open_transaction(actor, CORRECTION, correction_payload(region, person, year, method), region=region,
                                        reason=reason, channel=channel)
        services.attach(actor, txn, "evidence", evidence, filename)
        return services.submit(actor, txn)

"""A crew that plays every part of the review chain, for samples, tests and benchmarks: a clerk, a
maintainer and one reviewer per stage, each a separate person (separation of duties holds as in real
work). `make_staff(username, *roles)` returns an Actor (the tests' `staff` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sirecords.transactions.actors import Actor
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.stages import STAGE_ROLE

STAGE_ROLES = tuple(STAGE_ROLE.items())  # (stage, the role that acts on it), in order


def approve_stages(txn: BusinessTransaction, reviewers: Mapping[str, Actor] | Callable[[str], Actor],
                   opinion: str = "ok", *, until: int | None = None) -> BusinessTransaction:
    """Approve the transaction's stages in order, each by its own reviewer (`reviewers[stage]`, or
    `reviewers(stage)`), from the stage due; the last approval posts. With `until`, stop before the stage
    of that index. The one approve-every-stage loop of the demo, the tests and the bench."""
    from sirecords.workflow.services import review

    reviewer_for = reviewers.__getitem__ if isinstance(reviewers, Mapping) else reviewers
    for stage in txn.stage_list[txn.next_stage:until]:
        txn = review(reviewer_for(stage), txn, "approve", opinion)
    return txn


@dataclass
class Crew:
    clerk: Actor
    maintainer: Actor
    reviewers: dict[str, Actor]
    region: str

    def approve(self, txn: BusinessTransaction) -> BusinessTransaction:
        """Each stage due approved by its own reviewer, in order; the last approval posts."""
        return approve_stages(txn, self.reviewers)

    def open_approved(self, kind: str, payload: dict[str, Any], document: str) -> BusinessTransaction:
        """The clerk opens `kind` with a scan of `document`, submits it, and the reviewers approve it."""
        from sirecords.demo.documents import scan
        from sirecords.workflow.services import attach, open_transaction, submit

        txn = open_transaction(self.clerk, kind, payload, region=self.region, reason="sample", channel="counter")
        attach(self.clerk, txn, document, scan(kind), "scan.pdf")
        return self.approve(submit(self.clerk, txn))


def crew(make_staff, prefix: str, region: str) -> Crew:
    reviewers = {stage: make_staff(f"{prefix}.{stage}", role) for stage, role in STAGE_ROLES}
    return Crew(make_staff(f"{prefix}.clerk", "clerk"), make_staff(f"{prefix}.maintainer", "maintainer"), reviewers, region)

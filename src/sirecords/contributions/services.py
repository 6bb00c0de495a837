"""Importing a collection file: check it, and when it is clean open and submit ONE `import_contributions`
transaction for the clerk; the review stages (workflow/stages.toml) then act on it as on any other."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from sirecords.contributions import collection, filestore, rows
from sirecords.contributions.models import ContributionBatch
from sirecords.contributions.transactions import TYPE, remember
from sirecords.transactions.actors import Actor
from sirecords.workflow.models import OPEN_STATES, BusinessTransaction
from sirecords.workflow.services import execute, payload_of, review


@dataclass
class Outcome:
    prepared: collection.Prepared
    txn: BusinessTransaction | None = None
    refused: str = ""  # why the file was not taken (besides row problems): e.g. imported before

    @property
    def ok(self) -> bool:
        return self.txn is not None


def _seen_before(sha256: str) -> str:
    batch = ContributionBatch.objects.filter(file_sha256=sha256).values_list("uid", "txn").first()
    if batch:
        return f"this file (SHA-256 {sha256}) was already imported: batch {batch[0]}, transaction {batch[1]}"
    for txn in BusinessTransaction.objects.filter(type=TYPE, state__in=OPEN_STATES).order_by("created_at"):
        if payload_of(txn).get("file_sha256") == sha256:
            return (f"this file (SHA-256 {sha256}) is already being imported: transaction {txn.uid} "
                    f"({txn.get_state_display()})")
    return ""


def import_file(actor: Actor, data: bytes, *, reason: str, file_name: str = "", region: str | None = None,
                progress: bool = False, channel: str = "import") -> Outcome:
    """Check every row; with no problem, store the file sealed and open + submit the transaction."""
    region = region or settings.SIRECORDS_REGION
    prepared = collection.prepare(data, region, progress=progress)
    outcome = Outcome(prepared)
    outcome.refused = _seen_before(prepared.sha256)
    if outcome.refused or not prepared.ok:
        return outcome
    remember(prepared)
    filestore.store(data)
    payload = {"file_sha256": prepared.sha256, "file_name": file_name[:200], "region": region,
               "row_count": prepared.row_count, "rows_root": prepared.rows_root, "rule_versions": prepared.rule_versions,
               "summary": rows.summary_of(prepared.rows)}
    outcome.txn = execute(actor, TYPE, payload, region=region, reason=reason, channel=channel)
    return outcome


def review_all(txn: BusinessTransaction, *reviewers: Actor, opinion: str = "核对无误 checked") -> BusinessTransaction:
    """Approve every due stage, one reviewer per stage in order (tests, the demo and the bench)."""
    for reviewer in reviewers:
        txn = review(reviewer, txn, "approve", opinion)
    return txn


"""Importing a collection file: check it, and when it is clean claim it and open and submit ONE
`import_contributions` transaction for the clerk; the review stages (workflow/stages.toml) then act on it as on
any other. With `hold_invalid`, the rows with a problem of their own are held (collection.py) and the others are
opened for review; a file whose every row is held opens nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError
from django.db import transaction as db_transaction

from sirecords.contributions import collection, filestore
from sirecords.contributions.models import ContributionBatch, FileClaim
from sirecords.contributions.transactions import TYPE, remember
from sirecords.core.text import NotCanonical, ascii_digits
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow.models import OPEN_STATES, BusinessTransaction, State
from sirecords.workflow.services import execute, review


@dataclass
class Outcome:
    prepared: collection.Prepared
    txn: BusinessTransaction | None = None
    refused: str = ""  # why the file was not taken (besides row problems): e.g. imported before

    @property
    def ok(self) -> bool:
        return self.txn is not None

    @property
    def all_held(self) -> bool:
        """Checked with held rows, and every row is held: nothing to post."""
        return self.prepared.ok and bool(self.prepared.held_lines) and not self.prepared.row_count


def _imported(sha256: str) -> str:
    batch = ContributionBatch.objects.filter(file_sha256=sha256).values_list("uid", "txn").first()
    if batch:
        return f"this file (SHA-256 {sha256}) was already imported: batch {batch[0]}, transaction {batch[1]}"
    return ""


def _claim(sha256: str, actor: Actor) -> str:
    """Claim the file for a new import, in the caller's database transaction: "" when claimed, else why not. The
    claim is a row keyed by the SHA-256, so of two imports racing for one file the database lets one insert it; the
    other waits for that transaction and then finds the claim. A claim whose transaction ended without posting
    (withdrawn, or its draft gone) is taken over only if it is still the one read (compare and set)."""
    now = datetime.now(UTC)
    try:
        with db_transaction.atomic():
            FileClaim.objects.create(sha256=sha256, txn="", claimed_by=actor.username, claimed_at=now)
        return ""
    except IntegrityError:
        pass
    claim = FileClaim.objects.filter(sha256=sha256).values_list("txn", flat=True).first() or ""
    state = BusinessTransaction.objects.filter(uid=claim).values_list("state", flat=True).first() if claim else None
    if state == State.POSTED:
        return _imported(sha256) or f"this file (SHA-256 {sha256}) was already imported: transaction {claim}"
    if state in OPEN_STATES:
        label = BusinessTransaction.objects.get(uid=claim).get_state_display()
        return f"this file (SHA-256 {sha256}) is already being imported: transaction {claim} ({label})"
    taken = FileClaim.objects.filter(sha256=sha256, txn=claim).update(txn="", claimed_by=actor.username, claimed_at=now)
    return "" if taken else f"this file (SHA-256 {sha256}) is being imported by another process at this moment"


def import_file(actor: Actor, source, *, reason: str, file_name: str = "", region: str | None = None,
                progress: bool = False, channel: str = "import", hold_invalid: bool = False) -> Outcome:
    """Check every row of the file (bytes or a path, read in pieces); with no problem, claim the file by its SHA-256,
    store it sealed and open + submit the transaction — the claim, the transaction and its submission in one database
    transaction, so two imports of the same file cannot both open one. `hold_invalid`: the rows with a problem of
    their own are held (prepared.held_lines, held_problems, held_csv) and the others are opened for review."""
    try:
        region = ascii_digits(region or settings.SIRECORDS_REGION, "region", length=6)
    except NotCanonical as problem:
        raise InvalidTransaction({"region": problem.message}) from None
    prepared = collection.prepare(source, region, progress=progress, hold_invalid=hold_invalid)
    outcome = Outcome(prepared)
    outcome.refused = _imported(prepared.sha256)
    if outcome.refused or not prepared.ok:
        return outcome
    if outcome.all_held:
        outcome.refused = (f"every row of the file has a problem ({prepared.held_count} held): nothing was imported; "
                           "correct the held rows and import them as a new file")
        return outcome
    remember(prepared)
    payload = {"file_sha256": prepared.sha256, "file_name": file_name[:200], "region": region,
               "row_count": prepared.row_count, "rows_root": prepared.rows_root, "rule_versions": prepared.rule_versions,
               "summary": prepared.summary}
    if hold_invalid:
        payload.update(hold_invalid=True, held_count=prepared.held_count, held_sha256=prepared.held_sha256)
    with db_transaction.atomic():
        outcome.refused = _claim(prepared.sha256, actor)
        if outcome.refused:
            return outcome
        filestore.store_file(source, prepared.sha256)
        outcome.txn = execute(actor, TYPE, payload, region=region, reason=reason, channel=channel)
        FileClaim.objects.filter(sha256=prepared.sha256).update(txn=outcome.txn.uid)
    return outcome


def review_all(txn: BusinessTransaction, *reviewers: Actor, opinion: str = "核对无误 checked") -> BusinessTransaction:
    """Approve every due stage, one reviewer per stage in order (tests, the demo and the bench)."""
    for reviewer in reviewers:
        txn = review(reviewer, txn, "approve", opinion)
    return txn

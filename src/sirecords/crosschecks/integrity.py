"""`sirecords verify` for the cross-checks: every feed file the ledger says was received is kept, opens and still
holds the bytes it was compared from (sealed, by SHA-256) — the department's report is the evidence behind each
discrepancy and each fix, so a file deleted or replaced is named, as the collection files and scans are."""

from __future__ import annotations

from sirecords.crosschecks import filestore
from sirecords.crosschecks.models import FeedFile
from sirecords.ledger.verify import Report, register_check


@register_check
def feed_files(report: Report) -> None:
    for sha256, kind, txn in FeedFile.objects.order_by("last_seq").values_list("sha256", "kind", "txn").iterator():
        problem = filestore.problem(sha256)
        if problem is not None:
            report.add("files", filestore.where(sha256), f"the {kind} feed file received by txn:{txn} {problem}")

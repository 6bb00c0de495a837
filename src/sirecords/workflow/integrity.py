"""`sirecords verify` for the original documents (第六条, 第十三条): every stored scan is there and holds the bytes
whose SHA-256 the record names — the documents of each posted transaction, as its `transaction.posted` entry
names them, and those attached to transactions not posted (open, returned or withdrawn). Each file is read in
chunks (constant memory); a finding names the file under SIRECORDS_HOME and who names it."""

from __future__ import annotations

import json
import re

from sirecords.ledger.reading import entries_of_kind
from sirecords.ledger.verify import Report, register_check
from sirecords.transactions.kinds import TRANSACTION_POSTED
from sirecords.workflow import documents
from sirecords.workflow.models import Attachment, State

CHECK = "files"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _check(report: Report, digest: object, named_by: str) -> None:
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        report.add(CHECK, named_by, f"names the document {digest!r}, which is not a SHA-256")
        return
    problem = documents.problem(digest)
    if problem is not None:
        report.add(CHECK, documents.where(digest), f"the document {named_by} {problem}")


@register_check
def stored_documents(report: Report) -> None:
    for seq, subject, payload in entries_of_kind(TRANSACTION_POSTED):
        try:
            named = json.loads(payload).get("documents", [])
        except (ValueError, AttributeError):
            continue  # the chain check names the entry
        for digest in named:
            _check(report, digest, f"of {subject} (entry #{seq})")
    unposted = (Attachment.objects.exclude(txn__state=State.POSTED).order_by("id")
                .values_list("id", "txn_id", "sha256").iterator(chunk_size=2000))
    for pk, txn, digest in unposted:
        _check(report, digest, f"attached to txn:{txn} (workflow_attachment pk={pk})")

"""`sirecords verify` for transfers: every file another region sent that a posted step rests on (the contact letter of
a transfer out, the written refusal that closed a request, the package received, each supplementary package) is kept,
opens and still holds the bytes that were checked (sealed, by SHA-256) — the other agency's signed file is the evidence
of the step."""

from __future__ import annotations

import json

from sirecords.ledger.models import Entry
from sirecords.ledger.verify import Report, register_check
from sirecords.transfers import filestore
from sirecords.transfers.kinds import TRANSFER_CLOSED, TRANSFER_RECEIVED, TRANSFER_SENT, TRANSFER_SUPPLEMENT_RECEIVED

FILES = {TRANSFER_SENT: ("letter_sha256", "contact letter"), TRANSFER_CLOSED: ("refusal_sha256", "written refusal"),
         TRANSFER_RECEIVED: ("package_sha256", "package"),
         TRANSFER_SUPPLEMENT_RECEIVED: ("package_sha256", "supplementary package")}


@register_check
def transfer_files(report: Report) -> None:
    for seq, kind, payload in Entry.objects.filter(kind__in=FILES).order_by("seq").values_list("seq", "kind", "payload"):
        field, what = FILES[kind]
        sha256 = json.loads(payload).get(field, "")
        problem = filestore.problem(sha256) if sha256 else "is not named"
        if problem is not None:
            report.add("files", filestore.where(sha256) if sha256 else f"entry {seq}",
                       f"the {what} of transfer entry {seq} ({kind}) {problem}")

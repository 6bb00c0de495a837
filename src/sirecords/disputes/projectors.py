"""How a dispute's entries fill disputes_case and disputes_evidence (rebuilt from the ledger by `verify`)."""

from __future__ import annotations

from sirecords.disputes.kinds import (
    DISPUTE_CORRECTED,
    DISPUTE_EVIDENCE_ADDED,
    DISPUTE_EXAMINATION_STARTED,
    DISPUTE_RECEIVED,
    DISPUTE_REFERRED,
    DISPUTE_REFUSED,
)
from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, existing, projects

CASES, EVIDENCE = "disputes_case", "disputes_evidence"
# The columns a step may set (its payload's `after`); the rest of the case stays as it was.
STEP_COLUMNS = ("state", "examiner", "transaction", "reason_sealed", "referred_to", "decided_on")


@projects(DISPUTE_RECEIVED)
def dispute_received(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    a = p["after"]
    store.insert(CASES, p["case"], {
        "uid": p["case"], "person": a["person"], "employer": a["employer"], "requester_kind": a["requester_kind"],
        "requester": a["requester"], "delegate_sealed": a["delegate_sealed"], "channel": a["channel"], "item": a["item"],
        "period": a["period"], "claim_sealed": a["claim_sealed"], "state": a["state"], "received_on": a["received_on"],
        "due_on": a["due_on"], "examiner": "", "transaction": "", "reason_sealed": "", "referred_to": "",
        "decided_on": "", "last_seq": entry.seq})


@projects(DISPUTE_EXAMINATION_STARTED, DISPUTE_CORRECTED, DISPUTE_REFUSED, DISPUTE_REFERRED)
def dispute_step(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = existing(store, CASES, p["case"], entry)
    changed = {name: p["after"][name] for name in STEP_COLUMNS if name in p["after"]}
    store.put(CASES, p["case"], {**row, **changed, "last_seq": entry.seq})


@projects(DISPUTE_EVIDENCE_ADDED)
def dispute_evidence_added(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = existing(store, CASES, p["case"], entry)
    key = f"{p['case']}:{p['sha256']}"
    store.put(EVIDENCE, key, {"key": key, "case": p["case"], "sha256": p["sha256"], "kind": p["kind"],
                              "content_type": p["content_type"], "added_by": entry.actor, "added_at": entry.recorded_at,
                              "last_seq": entry.seq})
    store.put(CASES, p["case"], {**row, "last_seq": entry.seq})

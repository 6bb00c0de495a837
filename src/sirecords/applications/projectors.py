"""How application.approved and application.refused entries fill applications_decision."""

from __future__ import annotations

from sirecords.applications.kinds import APPLICATION_APPROVED, APPLICATION_REFUSED
from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects


@projects(APPLICATION_APPROVED, APPLICATION_REFUSED)
def application_decided(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    approved = entry.kind == APPLICATION_APPROVED
    store.put("applications_decision", p["application"], {
        "uid": p["application"], "applicant_kind": p["applicant_kind"], "organisation": p["organisation"],
        "region": p["region"], "decision": "approved" if approved else "refused", "decided_on": entry.recorded_at[:10],
        "agreed_use": p.get("agreed_use", ""), "legal_basis": p.get("legal_basis", ""),
        "items": " ".join(p.get("items", ())) if approved else "",
        "months": "..".join(p.get("months", ())) if approved else "",
        "persons": len(p.get("persons", ())), "disclose_on": p.get("disclose_on") or "",
        "reason": p.get("reason", ""), "last_seq": entry.seq})

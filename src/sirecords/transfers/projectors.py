"""How a transfer's entries fill transfers_transfer (rebuilt from the ledger by `verify`)."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects
from sirecords.transfers.kinds import TRANSFER_REQUESTED

TRANSFERS = "transfers_transfer"


@projects(TRANSFER_REQUESTED)
def transfer_requested(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    a = p["after"]
    store.insert(TRANSFERS, p["transfer"], {
        "uid": p["transfer"], "person": a["person"], "direction": a["direction"], "other_region": a["other_region"],
        "state": a["state"], "collect": a["collect"], "requested_on": a["requested_on"], "last_seq": entry.seq})

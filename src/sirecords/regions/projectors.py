"""How the regions' entries fill regions_region (rebuilt from the ledger by `verify`)."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, existing, projects
from sirecords.regions.kinds import REGION_KEYS_CHANGED, REGION_REGISTERED, REGION_RENAMED

REGIONS = "regions_region"
COLUMNS = ("name", "verifier_key", "encryption_key")


@projects(REGION_REGISTERED)
def region_registered(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.insert(REGIONS, p["code"], {"code": p["code"], **{name: p["after"][name] for name in COLUMNS},
                                      "registered_seq": entry.seq, "changed_seq": entry.seq})


@projects(REGION_KEYS_CHANGED, REGION_RENAMED)
def region_changed(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    row = existing(store, REGIONS, p["code"], entry)
    changed = {name: p["after"][name] for name in COLUMNS if name in p["after"]}
    store.put(REGIONS, p["code"], {**row, **changed, "changed_seq": entry.seq})

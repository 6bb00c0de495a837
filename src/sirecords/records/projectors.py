"""How read_disclosure.withheld entries fill records_withheld_reads."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects
from sirecords.records.kinds import READ_DISCLOSURE_WITHHELD


@projects(READ_DISCLOSURE_WITHHELD)
def read_disclosure_withheld(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put("records_withheld_reads", p["order"], {"uid": p["order"], "person_id": p["person"], "reference": p["reference"],
                                                     "authority": p["authority"], "disclose_on": p["disclose_on"],
                                                     "last_seq": entry.seq})

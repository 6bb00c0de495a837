"""Projector keeping subsidies_subsidy current from the subsidy.granted entries."""

from __future__ import annotations

from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, projects
from sirecords.subsidies.kinds import SUBSIDY_GRANTED

TABLE = "subsidies_subsidy"


@projects(SUBSIDY_GRANTED)
def subsidy_granted(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    for row in p["rows"]:
        key = f"{p['grant']}:{row['period']}:{row['insurance_type']}"
        store.put(TABLE, key, {"key": key, "grant": p["grant"], "person_id": p["person"], "region": p["region"],
                               "scheme": p["scheme"], "period": row["period"], "insurance_type": row["insurance_type"],
                               "category": row["category"],
                               "employer_paid_fen": row["employer_paid_fen"], "individual_paid_fen": row["individual_paid_fen"],
                               "amount_fen": row["amount_fen"], "rule_version": row["rule_version"], "last_seq": entry.seq})

"""How the cross-check entries fill crosscheck_feed_file, crosscheck_discrepancy and crosscheck_unmatched_row."""

from __future__ import annotations

import json

from sirecords.crosschecks.kinds import (
    DISCREPANCY_ASSIGNED,
    DISCREPANCY_DISMISSED,
    DISCREPANCY_FOUND,
    DISCREPANCY_REPEATED,
    DISCREPANCY_RESOLVED,
    FEED_RECEIVED,
    UNMATCHED_ROWS_KEPT,
)
from sirecords.crosschecks.models import DiscrepancyState
from sirecords.ledger.append import PostedEntry
from sirecords.ledger.projection import Store, existing, projects

DISCREPANCIES = "crosscheck_discrepancy"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _discrepancy(entry: PostedEntry, store: Store) -> dict:
    return existing(store, DISCREPANCIES, entry.payload["id"], entry)


@projects(FEED_RECEIVED)
def feed_received(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    store.put("crosscheck_feed_file", p["sha256"], {
        "sha256": p["sha256"], "kind": p["kind"], "file_name": p["file_name"], "encoding": p["encoding"], "period": p["period"],
        "rows": p["rows"],
        "held": p["held"], "unmatched": p["unmatched"], "repeated": p["repeated"], "found": p["found"],
        "received_at": entry.recorded_at, "txn": entry.txn, "last_seq": entry.seq})


@projects(DISCREPANCY_FOUND)
def discrepancy_found(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    earlier = store.get(DISCREPANCIES, p["id"]) if p.get("reopened", True) else None  # a dismissal reopened
    write = store.put if earlier else store.insert
    write(DISCREPANCIES, p["id"], {
        "id": p["id"], "kind": p["kind"], "subject": p["subject"], "hold": p.get("hold", ""), "key": p["key"],
        "detail": _json(p["detail"]),
        "figures": p["figures"], "state": DiscrepancyState.OPEN.value, "due_on": p["due_on"], "assigned_to": "",
        "transaction": "", "outcome": "", "feed": earlier["feed"] if earlier else p["feed"],
        "line": earlier["line"] if earlier else p["line"],
        "reports": earlier["reports"] + 1 if earlier else 1, "found_at": entry.recorded_at, "last_seq": entry.seq})


@projects(DISCREPANCY_REPEATED)
def discrepancy_repeated(entry: PostedEntry, store: Store) -> None:
    row = _discrepancy(entry, store)
    store.put(DISCREPANCIES, row["id"], {**row, "reports": row["reports"] + entry.payload["count"], "last_seq": entry.seq})


@projects(UNMATCHED_ROWS_KEPT)
def unmatched_rows_kept(entry: PostedEntry, store: Store) -> None:
    p = entry.payload
    for row in p["rows"]:
        key = f"{p['feed']}:{row['line']}"
        store.insert("crosscheck_unmatched_row", key, {"key": key, "feed": p["feed"], "line": row["line"], "kind": p["kind"],
                                                    "index": row["index"], "detail": _json(row["detail"]),
                                                    "last_seq": entry.seq})


def _settled(entry: PostedEntry, store: Store, state: str, outcome) -> None:
    row = _discrepancy(entry, store)
    store.put(DISCREPANCIES, row["id"], {**row, "state": state, "transaction": entry.payload["txn"], "outcome": _json(outcome),
                                         "last_seq": entry.seq})


@projects(DISCREPANCY_RESOLVED)
def discrepancy_resolved(entry: PostedEntry, store: Store) -> None:
    _settled(entry, store, DiscrepancyState.RESOLVED.value, entry.payload["outcome"])


@projects(DISCREPANCY_DISMISSED)
def discrepancy_dismissed(entry: PostedEntry, store: Store) -> None:
    _settled(entry, store, DiscrepancyState.DISMISSED.value, {"reason": entry.payload["reason"]})


@projects(DISCREPANCY_ASSIGNED)
def discrepancy_assigned(entry: PostedEntry, store: Store) -> None:
    row = _discrepancy(entry, store)
    store.put(DISCREPANCIES, row["id"], {**row, "assigned_to": entry.payload["to"], "last_seq": entry.seq})

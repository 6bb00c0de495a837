"""How an entry is hashed: the preimage is a canonical JSON array of its fields.

    ["sirecords/entry/v1", seq, kind, subject, txn, actor, reason, channel,
     recorded_at, effective, prev_hash, <payload object>]

The payload is spliced in as the stored canonical text, so verification hashes exactly the bytes
in the database, and any change to any column of the entry changes the hash.
"""

from __future__ import annotations

import hashlib
import json

VERSION = "sirecords/entry/v1"
GENESIS_PREV_HASH = "0" * 64

_dump_header = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def preimage(seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, prev_hash, payload_text) -> bytes:
    header = _dump_header([VERSION, seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, prev_hash])
    return (header[:-1] + "," + payload_text + "]").encode("utf-8")


def entry_hash(*fields) -> str:
    return hashlib.sha256(preimage(*fields)).hexdigest()

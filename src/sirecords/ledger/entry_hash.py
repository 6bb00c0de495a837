"""How an entry is hashed: the preimage is a canonical JSON array of its fields.

    ["sirecords/entry/v1", seq, kind, subject, txn, actor, reason, channel,
     recorded_at, effective, prev_hash, <payload object>]

The payload is spliced in as the stored canonical text, so verification hashes exactly the bytes
in the database, and any change to any column of the entry changes the hash.
"""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring  # JSON string literal, non-ASCII kept, as json.dumps(ensure_ascii=False)

VERSION = "sirecords/entry/v1"
GENESIS_PREV_HASH = "0" * 64
VERSION_JSON = encode_basestring(VERSION)


def preimage(seq, kind, subject, txn, actor, reason, channel, recorded_at, effective, prev_hash, payload_text) -> bytes:
    # Byte for byte what json.dumps([...], ensure_ascii=False, separators=(",", ":")) gives, built
    # without the list encoder: this runs for every entry on every append and every verify.
    if type(seq) is not int:
        raise TypeError(f"seq must be an int, not {type(seq).__name__}")
    e = encode_basestring
    return (f"[{VERSION_JSON},{seq},{e(kind)},{e(subject)},{e(txn)},{e(actor)},{e(reason)},{e(channel)},"
            f"{e(recorded_at)},{e(effective)},{e(prev_hash)},{payload_text}]").encode()


def entry_digest(*fields) -> bytes:
    return hashlib.sha256(preimage(*fields)).digest()


def entry_hash(*fields) -> str:
    return entry_digest(*fields).hex()

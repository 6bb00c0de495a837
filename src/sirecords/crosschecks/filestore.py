"""Feed files kept sealed (AES-GCM) by SHA-256 under SIRECORDS_HOME/feeds: they hold ID numbers and names, so never in
clear on disk; the ledger names each by its hash only, and posting reads it back from here."""

from __future__ import annotations

from sirecords.crypto.store import SealedStore

_store = SealedStore("feeds", "feed")
store, load, exists = _store.store, _store.load, _store.exists
problem, where = _store.problem, _store.where  # for `verify`

"""The files exchanged with other regions (letters, packages, refusals), kept sealed (AES-GCM) by SHA-256 under
SIRECORDS_HOME/transfers: they name persons, so never in clear on disk. A transaction names its file by hash; its
posting opens and checks the file again from here (the keys registered then are the ones that count)."""

from __future__ import annotations

from sirecords.crypto.store import SealedStore

_store = SealedStore("transfers", "transfer")
store, load, exists = _store.store, _store.load, _store.exists
problem, where = _store.problem, _store.where  # for `verify`

"""The ledger: append-only, hash-chained entries, a Merkle tree over them, signed checkpoints."""

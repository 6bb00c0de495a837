"""The ledger entry kinds the contributions app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

CONTRIBUTION_BATCH_POSTED = "contribution_batch.posted"  # a collection file's rows were posted, committed by their Merkle root

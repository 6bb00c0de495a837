"""The ledger entry kinds the contributions app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

CONTRIBUTION_BATCH_POSTED = "contribution_batch.posted"  # a collection file's rows were posted, committed by their Merkle root
CONTRIBUTION_ROWS_REVERSED = "contribution_rows.reversed"  # rows that no longer count: refunded, or replaced by a correction
CONTRIBUTION_ROW_CORRECTED = "contribution_row.corrected"  # the maintenance log's record of one corrected row (第十二条)

"""The ledger entry kinds the transactions app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

TRANSACTION_POSTED = "transaction.posted"  # a business transaction was posted: its type, documents and review trail

"""The ledger entry kinds the queries app writes (tests/test_kinds.py: noun.past_participle)."""

RECORD_QUERY_ANSWERED = "record_query.answered"  # a query of a person's record was answered at the counter (第十五条)

"""The ledger entry kinds the subsidies app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

SUBSIDY_GRANTED = "subsidy.granted"  # a social insurance subsidy was granted (第二条(二))

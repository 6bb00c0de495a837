"""The ledger entry kinds the parameters app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

PARAMETER_SET_LOADED = "parameter_set.loaded"  # a rule parameter set was loaded (第六条)

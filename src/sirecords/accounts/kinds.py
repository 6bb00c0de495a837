"""The ledger entry kinds the accounts app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

ACCOUNT_YEARS_CREDITED = "account_years.credited"  # a crediting run's account years were posted, committed by their Merkle root
DEEMED_SERVICE_RECOGNISED = "deemed_service.recognised"  # a period of deemed service was recognised

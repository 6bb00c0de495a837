"""The ledger entry kinds the accounts app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

ACCOUNT_YEARS_CREDITED = "account_years.credited"  # a crediting run's account years were posted, committed by their Merkle root
DEEMED_SERVICE_RECOGNISED = "deemed_service.recognised"  # a period of deemed service was recognised
ACCOUNT_YEAR_CORRECTED = "account_year.corrected"  # a person's account year was recomputed by a reviewed correction

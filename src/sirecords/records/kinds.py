"""The ledger entry kinds the records app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

# A court or authority ordered that its reads of a person's record be kept from the person until a date (第十八条).
READ_DISCLOSURE_WITHHELD = "read_disclosure.withheld"

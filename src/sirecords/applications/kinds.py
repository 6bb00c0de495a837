"""The ledger entry kinds the applications app writes (tests/test_kinds.py: noun.past_participle)."""

APPLICATION_APPROVED = "application.approved"  # a written application was reviewed and is answered (第二十条(一))
APPLICATION_REFUSED = "application.refused"  # it was refused, with the reason told to the applicant (第二十条(二))

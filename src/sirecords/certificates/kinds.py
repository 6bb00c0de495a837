"""The ledger entry kinds the certificates app writes (tests/test_kinds.py: noun.past_participle)."""

CERTIFICATE_ISSUED = "certificate.issued"  # a certificate or statement was issued to or about a person (第十五条)
CERTIFICATE_REVOKED = "certificate.revoked"  # an issued certificate was withdrawn: `verify` with the database refuses it

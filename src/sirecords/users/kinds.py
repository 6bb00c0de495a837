"""The ledger entry kinds the users app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

STAFF_ACCOUNT_CREATED = "staff_account.created"  # a staff or service account was created
STAFF_ACCOUNT_DEACTIVATED = "staff_account.deactivated"  # a staff account was deactivated
ROLE_GRANTED = "role.granted"  # a role was granted in a region
ROLE_REVOKED = "role.revoked"  # a role grant was revoked
AGREEMENT_RECORDED = "agreement.recorded"  # a confidentiality agreement was recorded (第十一条)
TOKEN_ISSUED = "token.issued"  # nosec B105 # an entry kind's name, not a secret: an API token was issued (only its SHA-256 is kept)
TOKEN_REVOKED = "token.revoked"  # nosec B105 # an entry kind's name, not a secret: an API token was revoked
# Credentials (users/credentials.py): only a keyed digest of what the auth tables hold, never a secret.
PASSWORD_CHANGED = "password.changed"  # nosec B105 # an entry kind's name, not a secret: a password was set (initial, changed, rehashed): its hash's digest
SECOND_FACTOR_ENROLLED = "second_factor.enrolled"  # a TOTP authenticator was enrolled: its sealed seed's digest
SECOND_FACTOR_REMOVED = "second_factor.removed"  # the authenticator was reset: the next sign-in enrols a new one

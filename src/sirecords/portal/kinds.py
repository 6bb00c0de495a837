"""The ledger entry kinds the portal app writes: one grammar, noun.past_participle (tests/test_kinds.py).
No code, password or seed is ever in them: only keyed digests (portal/credentials.py)."""

PERSON_ACTIVATION_ISSUED = "person_activation.issued"  # an activation code for a person's account (its digest)
EMPLOYER_PORTAL_ACCOUNT_CREATED = "employer_portal_account.created"  # an employer's user account, with a code
EMPLOYER_ACTIVATION_ISSUED = "employer_activation.issued"  # a new code for an employer account (a password reset)
PORTAL_ACCOUNT_ACTIVATED = "portal_account.activated"  # the holder set a password and enrolled TOTP with the code
PORTAL_ACCOUNT_LOCKED = "portal_account.locked"  # the agency locked the account (a lost phone, a misuse); a new code unlocks

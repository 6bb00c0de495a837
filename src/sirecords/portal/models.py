"""Portal accounts: projections of ledger entries (portal.*), like the staff accounts of users/models.py.

Each activated account is also a Django auth user (its username `person:<uid>` or `employer:<uid>:<user>`:
portal/credentials.py), so argon2 hashing, django-axes lockout, django-otp TOTP (users.models.SealedTOTPDevice:
the seed sealed) and Django's sessions are reused. The projection holds the keyed digests the ledger recorded of
its password hash and its authenticator, and of the pending activation code: sign-in (portal/backends.py) uses only
credentials that match them, and `verify` (portal/integrity.py) names any that do not.

API sessions of portal accounts (PortalToken) are not business data: like Django's sessions they live outside the
ledger, short-lived, and only the SHA-256 of the token is stored.
"""

from __future__ import annotations

from django.db import models

from sirecords.ledger.projection import projected_table


class PortalState(models.TextChoices):
    PENDING = "pending", "待激活"  # an activation code was issued; no password yet
    ACTIVE = "active", "已激活"
    LOCKED = "locked", "已由经办机构锁定"  # locked by the agency (not django-axes' temporary lockout)


class _Credentials(models.Model):
    state = models.CharField(max_length=16, choices=PortalState.choices, default=PortalState.PENDING)
    activation_digest = models.CharField(max_length=64, blank=True, default="",
                                         help_text="Keyed digest of the unused activation code; empty once used.")
    activation_expires_on = models.DateField(null=True, blank=True)
    password_digest = models.CharField(max_length=64, blank=True, default="",
                                       help_text="Keyed digest of the password hash the ledger last recorded.")
    second_factor_digest = models.CharField(max_length=64, blank=True, default="",
                                            help_text="Keyed digest of the enrolled authenticator; empty when none.")
    activated_on = models.DateField(null=True, blank=True)
    last_seq = models.BigIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.username


@projected_table
class PersonPortalAccount(_Credentials):
    username = models.CharField(primary_key=True, max_length=150, help_text="person:<person uid>")
    person_uid = models.CharField(max_length=32, unique=True)

    class Meta:
        db_table = "portal_person_account"
        constraints = [models.CheckConstraint(condition=models.Q(state__in=PortalState.values),
                                              name="portal_person_state_known")]


@projected_table
class EmployerPortalAccount(_Credentials):
    username = models.CharField(primary_key=True, max_length=150, help_text="employer:<employer uid>:<user name>")
    employer_uid = models.CharField(max_length=32)
    user_name = models.CharField(max_length=40)
    display_name = models.CharField(max_length=100)

    class Meta:
        db_table = "portal_employer_account"
        constraints = [models.UniqueConstraint(fields=["employer_uid", "user_name"], name="portal_employer_user_unique"),
                       models.CheckConstraint(condition=models.Q(state__in=PortalState.values),
                                              name="portal_employer_state_known")]


class PortalToken(models.Model):
    """A bearer token of a portal account's API session (POST /api/me/session, /api/employer/session)."""

    class Kind(models.TextChoices):
        PERSON = "person", "参保人"
        EMPLOYER = "employer", "用人单位"

    token_sha256 = models.CharField(primary_key=True, max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    username = models.CharField(max_length=150, db_index=True, help_text="The portal account's username.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "portal_token"
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=["person", "employer"]),
                                              name="portal_token_kind_known"),
                       models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                              name="portal_token_expires_after_creation")]

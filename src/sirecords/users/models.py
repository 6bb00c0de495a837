"""Staff accounts, role grants, confidentiality agreements and API tokens: projections of ledger
entries (users.*), so every grant and revocation says who changed what for whom, and why.

Credentials live in Django's auth tables (the password hash in auth_user, the TOTP devices of django-otp),
but each one set is a ledger entry holding a keyed digest of it (users/credentials.py), projected here as
`password_digest` and `second_factor_digest`: sign-in uses only credentials that match them, and `verify`
names any that do not. TOTP seeds are sealed at rest (SealedTOTPDevice below).
"""

from binascii import unhexlify

from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice

from sirecords.ledger.projection import projected_table
from sirecords.users.credentials import is_sealed, open_seed, seal_seed


class AccountKind(models.TextChoices):
    STAFF = "staff", "工作人员"
    SERVICE = "service", "服务账号"


@projected_table
class StaffAccount(models.Model):
    username = models.CharField(primary_key=True, max_length=150)
    display_name = models.CharField(max_length=100)
    organisation = models.CharField(max_length=200, blank=True, help_text="Empty for agency staff; the firm of an external maintainer.")
    kind = models.CharField(max_length=16, choices=AccountKind.choices, default=AccountKind.STAFF)
    active = models.BooleanField(default=True)
    created_on = models.DateField()
    password_digest = models.CharField(max_length=64, blank=True, default="",
                                       help_text="Keyed digest of the password hash the ledger last recorded.")
    second_factor_digest = models.CharField(max_length=64, blank=True, default="",
                                            help_text="Keyed digest of the enrolled authenticator; empty when none.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "users_account"

    @property
    def external(self) -> bool:
        return bool(self.organisation)

    def __str__(self) -> str:
        return self.username


@projected_table
class RoleGrant(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    account = models.ForeignKey(StaffAccount, on_delete=models.PROTECT, related_name="grants", db_column="username")
    role = models.CharField(max_length=32)
    region = models.CharField(max_length=6)
    granted_on = models.DateField()
    revoked_on = models.DateField(null=True, blank=True)
    request_ref = models.CharField(max_length=100, blank=True, default="",
                                   help_text="The agency's request this grant carries out (第二十六条).")
    bootstrap = models.BooleanField(default=False, help_text="The first approver of a fresh install, granted "
                                                             "without an approval because there was nobody to give one.")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "users_role_grant"

    def __str__(self) -> str:
        return f"{self.account_id}: {self.role}@{self.region}"


@projected_table
class ConfidentialityAgreement(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    account = models.ForeignKey(StaffAccount, on_delete=models.PROTECT, related_name="agreements", db_column="username")
    organisation = models.CharField(max_length=200)
    signed_on = models.DateField()
    expires_on = models.DateField()
    document_sha256 = models.CharField(max_length=64, blank=True)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "users_agreement"


@projected_table
class ApiToken(models.Model):
    uid = models.CharField(primary_key=True, max_length=32)
    account = models.ForeignKey(StaffAccount, on_delete=models.PROTECT, related_name="tokens", db_column="username")
    label = models.CharField(max_length=100)
    scopes = models.CharField(max_length=300, help_text="Space-separated scopes, e.g. 'transactions:write persons:read'.")
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_on = models.DateField(null=True, blank=True)
    request_ref = models.CharField(max_length=100, blank=True, default="",
                                   help_text="The agency's request this token carries out (第二十六条).")
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "users_api_token"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device (a proxy: same table, same verification) whose `key` column holds the seed
    sealed with the data key and bound to the account (users/credentials.py), never the seed itself.

    A device saved with a plain hex key (django-otp's default) is sealed on its first save; a key that is
    not sealed, or sealed for another account, does not open, so such a device verifies no code."""

    class Meta:
        proxy = True
        verbose_name = "sealed TOTP device"

    @property
    def bin_key(self) -> bytes:
        return open_seed(self.key, self.user.get_username())

    def save(self, *args, **kwargs) -> None:
        if not is_sealed(self.key):
            self.key = seal_seed(unhexlify(self.key.encode()), self.user.get_username())
        super().save(*args, **kwargs)


class StaffApiSession(models.Model):
    """A staff member's API session (POST /api/staff/session): a short-lived bearer token for the desk's own clients
    and scripts, signed in with password and authenticator code; roles as in a web session. Only the token's SHA-256
    is stored; outside the ledger, like a web session (users/api_sessions.py)."""

    token_sha256 = models.CharField(primary_key=True, max_length=64)
    username = models.CharField(max_length=150, db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "users_staff_api_session"
        constraints = [models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")),
                                              name="staff_api_session_expires_after_it_starts")]

"""Staff accounts, role grants, confidentiality agreements and API tokens: projections of ledger
entries (users.*), so every grant and revocation says who changed what for whom, and why.

Credentials (password hash, TOTP devices, last login) live in Django's auth tables: they are not
part of the record and change on every login.
"""

from django.db import models

from sirecords.ledger.projection import projected_table


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
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "users_api_token"

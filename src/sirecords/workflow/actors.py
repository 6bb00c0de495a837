"""Who is acting, with which roles in which regions. Built from the users projections on each request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from sirecords.users.models import ConfidentialityAgreement, RoleGrant, StaffAccount

ANY_REGION = "*"


@dataclass(frozen=True)
class Actor:
    username: str
    grants: frozenset[tuple[str, str]]  # (role, region)
    display_name: str = ""
    active: bool = True
    external: bool = False
    agreement_until: date | None = None
    operator: bool = False  # the information agency at the shell: administers users only

    def blocked(self, today: date | None = None) -> str | None:
        """Why this actor may not act at all, or None."""
        if not self.active:
            return _("this account is deactivated")
        if self.external and (self.agreement_until is None or self.agreement_until < (today or date.today())):
            return _("an external maintainer may act only under a recorded, unexpired confidentiality agreement "
                     "(第十一条); none is on record for this account")
        return None

    def has(self, role: str, region: str | None = None) -> bool:
        if self.blocked():
            return False
        return any(r == role and (region is None or g in (region, ANY_REGION)) for r, g in self.grants)

    @property
    def roles(self) -> set[str]:
        return {role for role, _ in self.grants} if not self.blocked() else set()

    def regions_for(self, role: str) -> list[str]:
        return sorted({g for r, g in self.grants if r == role}) if not self.blocked() else []


def actor_for(username: str) -> Actor | None:
    account = StaffAccount.objects.filter(pk=username).first()
    if account is None:
        return None
    grants = frozenset(RoleGrant.objects.filter(account=account, revoked_on__isnull=True).values_list("role", "region"))
    agreement = (ConfidentialityAgreement.objects.filter(account=account, signed_on__lte=date.today())
                 .order_by("-expires_on").values_list("expires_on", flat=True).first())
    return Actor(username=account.username, grants=grants, display_name=account.display_name, active=account.active,
                 external=account.external, agreement_until=agreement)


def operator(os_user: str) -> Actor:
    """The information agency's operator at the command line (creates the first sysadmin)."""
    return Actor(username=f"os:{os_user}", grants=frozenset({("sysadmin", ANY_REGION)}), display_name=os_user, operator=True)

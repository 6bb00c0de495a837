"""Who is acting, with which roles in which regions: a plain value every floor above the ledger passes around.
The users app builds it from its projections (users.actors.actor_for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

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

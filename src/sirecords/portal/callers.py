"""Who is using the portal: a plain value the page guards (portal/guard.py) and the API's bearer classes
(api/portal_auth.py) give to every portal view and endpoint, as `request.portal` and `request.auth`."""

from __future__ import annotations

from dataclasses import dataclass

from sirecords.portal.credentials import EMPLOYER, PERSON
from sirecords.portal.models import EmployerPortalAccount, PersonPortalAccount
from sirecords.registry.models import Employer, Person


@dataclass(frozen=True)
class PortalCaller:
    """kind: PERSON or EMPLOYER; subject: the Person or the Employer the account belongs to; account: its portal
    account; via: "session" (the pages) or "token" (the API)."""

    kind: str
    subject: Person | Employer
    account: PersonPortalAccount | EmployerPortalAccount
    via: str = "session"

    @property
    def username(self) -> str:
        """The account's username: also the actor of the access-log entries of its reads."""
        return self.account.username

    @property
    def person(self) -> Person | None:
        return self.subject if self.kind == PERSON else None

    @property
    def employer(self) -> Employer | None:
        return self.subject if self.kind == EMPLOYER else None


def caller_for(account: PersonPortalAccount | EmployerPortalAccount, via: str) -> PortalCaller | None:
    """The caller of an active account, or None when its person or employer is no longer registered."""
    if isinstance(account, PersonPortalAccount):
        person = Person.objects.filter(pk=account.person_uid).first()
        return PortalCaller(PERSON, person, account, via) if person else None
    employer = Employer.objects.filter(pk=account.employer_uid).first()
    return PortalCaller(EMPLOYER, employer, account, via) if employer else None

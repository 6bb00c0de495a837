"""The Actor of a staff account, built from the users projections on each request, and the operator at the shell."""

from __future__ import annotations

from datetime import date

from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.users.models import ConfidentialityAgreement, RoleGrant, StaffAccount


def actor_for(username: str) -> Actor | None:
    account = StaffAccount.objects.filter(pk=username).first()
    return None if account is None else actor_of(account)


def actor_of(account: StaffAccount) -> Actor:
    """The Actor of a staff account already read (an API token's, read with it): its grants and agreement."""
    grants = frozenset(RoleGrant.objects.filter(account=account, revoked_on__isnull=True).values_list("role", "region"))
    agreement = (ConfidentialityAgreement.objects.filter(account=account, signed_on__lte=date.today())
                 .order_by("-expires_on").values_list("expires_on", flat=True).first())
    return Actor(username=account.username, grants=grants, display_name=account.display_name, active=account.active,
                 external=account.external, agreement_until=agreement)


OPERATOR_PREFIX = "os:"  # the ledger's actor for the operating-system user at the shell


def operator(os_user: str) -> Actor:
    """The information agency's operator at the command line. It creates the first sysadmin of a fresh install
    (or the next one when none is active) and nothing else: users/transactions.py refuses the rest."""
    return Actor(username=f"{OPERATOR_PREFIX}{os_user}", grants=frozenset({("sysadmin", ANY_REGION)}), display_name=os_user,
                 operator=True)

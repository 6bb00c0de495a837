"""Who may sign in to the portal, and keep a portal session: Django's ModelBackend, for portal accounts the ledger
vouches for (as users/backends.py for staff).

A portal user (username `person:…` or `employer:…`: portal/credentials.py) signs in, and its session stays signed
in (Django asks the backend that logged it in on every request), only when
- its portal account is active (not pending, not locked by the agency) and its auth user is active;
- its stored password hash is the one the ledger recorded (its keyed digest matches).
Staff usernames are never answered here, and users.backends.StaffBackend never answers a portal username (it has no
staff account), so neither kind of session opens the other's pages.

A password hash is never upgraded here behind the ledger's back: the holder's next activation code sets a new one.
"""

from __future__ import annotations

import hmac
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password

from sirecords.portal.credentials import kind_of
from sirecords.portal.models import EmployerPortalAccount, PersonPortalAccount, PortalState
from sirecords.portal.transactions import account_named
from sirecords.users.credentials import password_digest

security_log = logging.getLogger("sirecords.security")


def portal_account(user) -> PersonPortalAccount | EmployerPortalAccount | None:
    """The active portal account `user` signs in as, or None (not a portal user, not active, hash not the ledger's)."""
    if user is None or not getattr(user, "is_active", False) or kind_of(user.get_username()) is None:
        return None
    account = account_named(user.get_username())
    if account is None or account.state != PortalState.ACTIVE:
        return None
    if not (account.password_digest and hmac.compare_digest(password_digest(user.get_username(), user.password),
                                                            account.password_digest)):
        security_log.error("portal sign-in refused for %s: the stored password hash is not the one the ledger "
                           "recorded", user.get_username())
        return None
    return account


class PortalBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and portal_account(user) is not None

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or kind_of(username) is None:
            return None  # a staff username: users.backends.StaffBackend's
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # as ModelBackend: the same time whether or not the account exists
            return None
        if check_password(password, user.password) and self.user_can_authenticate(user):
            return user
        return None

    def get_all_permissions(self, user_obj, obj=None):
        return set()  # portal users hold no Django permission, whatever the tables say

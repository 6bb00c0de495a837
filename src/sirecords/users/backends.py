"""Who may sign in, and keep a session: Django's ModelBackend, for staff accounts the ledger vouches for.

An account signs in (and its session stays signed in: Django asks the backend on every request) only when
- its staff account exists and is active, its auth user is active, and the ledger holds no deactivation of it;
- its stored password hash is the one the ledger recorded (its keyed digest matches: users/credentials.py),
  so a hash written into auth_user by someone who can write the database but not the ledger's key opens nothing.

The second factor is checked the same way by the sign-in pages (`authenticators`): only a confirmed device whose
digest is the one the ledger recorded verifies a code. A password rehashed at sign-in (Django upgrades the
hasher's parameters) is recorded like any other password change.
"""

from __future__ import annotations

import hmac
import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.db.models import Exists

from sirecords.ledger.models import Entry
from sirecords.users.credentials import device_digest, password_digest
from sirecords.users.kinds import STAFF_ACCOUNT_DEACTIVATED
from sirecords.users.models import AccountKind, SealedTOTPDevice, StaffAccount

security_log = logging.getLogger("sirecords.security")
BACKEND = "sirecords.users.backends.StaffBackend"  # the dotted path settings.AUTHENTICATION_BACKENDS names


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a, b)


def staff_account(user) -> StaffAccount | None:
    """The user's staff account when it may act at all (active on both sides, never deactivated in the ledger)."""
    if not getattr(user, "is_active", False):
        return None
    # One query (Django asks on every request): the active account, and whether the ledger holds its deactivation.
    deactivated = Entry.objects.filter(subject=f"user:{user.get_username()}", kind=STAFF_ACCOUNT_DEACTIVATED)
    account = (StaffAccount.objects.filter(pk=user.get_username(), active=True)
               .annotate(deactivated=Exists(deactivated)).first())
    if account is None or account.deactivated:
        return None
    return account


def password_recorded(user, account: StaffAccount) -> bool:
    """Whether the stored password hash is the one the ledger recorded."""
    return _same(password_digest(user.get_username(), user.password), account.password_digest)


def sign_in_account(user) -> StaffAccount | None:
    """The staff account `user` signs in as, or None when it may not sign in (or stay signed in)."""
    account = staff_account(user)
    if account is None or account.kind != AccountKind.STAFF:
        return None
    if not password_recorded(user, account):
        security_log.error("sign-in refused for %s: the stored password hash is not the one the ledger recorded",
                           user.get_username())
        return None
    return account


def sign_in_allowed(user) -> bool:
    return sign_in_account(user) is not None


def authenticators(user, account: StaffAccount) -> list[SealedTOTPDevice]:
    """The confirmed authenticators the ledger recorded for the account (at most one): those alone verify a code."""
    found = [d for d in SealedTOTPDevice.objects.filter(user=user, confirmed=True)
             if _same(device_digest(user.get_username(), d), account.second_factor_digest)]
    if account.second_factor_digest and not found:
        security_log.error("sign-in of %s: no authenticator matches the one the ledger recorded", user.get_username())
    return found


class StaffBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and sign_in_allowed(user)

    def authenticate(self, request, username=None, password=None, **kwargs):
        """ModelBackend.authenticate, with the account checked before the password's hash may be upgraded, and an
        upgraded hash recorded in the ledger."""
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)  # as ModelBackend: the same time whether or not the user exists
            return None
        allowed = self.user_can_authenticate(user)

        def rehashed(raw_password: str) -> None:
            from sirecords.users.services import set_password

            set_password(user, raw_password, actor=user.get_username(), reason="password hash upgraded at sign-in",
                         channel="web")

        if check_password(password, user.password, rehashed if allowed else None) and allowed:
            return user
        return None

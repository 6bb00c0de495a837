"""Staff API sessions (issue #17, point 6): `POST /api/staff/session` {"username", "password", "code"} signs a staff
member in as the sign-in pages do — the password through the staff backend (django-axes counts each failure and locks
the account), then the authenticator code (a wrong code counts like a wrong password) — and answers a bearer token
valid SIRECORDS_STAFF_TOKEN_SECONDS (15 minutes to 8 hours). The token acts with the account's roles, as a web session
does; only its SHA-256 is kept (StaffApiSession); it ends when it expires, when ended, or when the account may no
longer sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ImproperlyConfigured

from sirecords.core.text import canonical
from sirecords.users.backends import authenticators, sign_in_account
from sirecords.users.models import StaffApiSession

PREFIX = "sirs_"  # a staff session token, told apart from a service token (users_api_token) at a glance
SHORTEST, LONGEST = 15 * 60, 8 * 3600


class SignInFailed(Exception):
    def __init__(self, locked: bool) -> None:
        super().__init__("sign-in failed")
        self.locked = locked


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lifetime() -> int:
    seconds = settings.SIRECORDS_STAFF_TOKEN_SECONDS
    if not SHORTEST <= seconds <= LONGEST:
        raise ImproperlyConfigured(f"SIRECORDS_STAFF_TOKEN_SECONDS is {seconds}: between {SHORTEST} and {LONGEST}")
    return seconds


def locked(request, username: str) -> bool:
    return bool(getattr(request, "axes_locked_out", False)) or AxesProxyHandler.is_locked(request, {"username": username})


def sign_in(request, username: str, password: str, code: str):
    """The staff user, once password and code both check; SignInFailed (counted towards the lockout) otherwise."""
    if locked(request, username):
        raise SignInFailed(locked=True)
    user = authenticate(request, username=username, password=password or "")
    account = sign_in_account(user) if user is not None else None
    if account is None:
        raise SignInFailed(locked=locked(request, username))
    token = "".join(canonical(code or "").split())
    for device in authenticators(user, account):
        if len(token) == 6 and token.isascii() and token.isdigit() and device.verify_token(token):
            user_logged_in.send(sender=user.__class__, request=request, user=user)  # django-axes clears the failures
            return user
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    raise SignInFailed(locked=locked(request, username))


def issue(username: str) -> tuple[str, datetime]:
    """A new token (shown once) and when it expires."""
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(seconds=lifetime())
    token = PREFIX + secrets.token_urlsafe(32)
    StaffApiSession.objects.filter(expires_at__lte=now).delete()  # ended sessions are of no further use
    StaffApiSession.objects.create(token_sha256=digest(token), username=username, created_at=now, expires_at=expires)
    return token, expires


def holder(token: str) -> str | None:
    """The username whose live session this token is, or None."""
    found = StaffApiSession.objects.filter(token_sha256=digest(token), expires_at__gt=datetime.now(UTC)).first()
    return found.username if found else None


def end(token: str) -> None:
    StaffApiSession.objects.filter(token_sha256=digest(token)).delete()

"""Who is calling the API, and may they call this endpoint: the one gate in front of every operation.

Two ways in:
- a staff session: signed in, second factor verified, with Django's CSRF check as for any cookie;
- a service token: `Authorization: Bearer <token>`, found by its SHA-256 (the token itself is never
  stored or logged), refused when unknown, expired, revoked or its account is deactivated.

Then the endpoint's rule (api/rules.py) must admit one of the caller's roles, and a token must also
hold the endpoint's scope. `guard(url_name)` is given to each operation by api/operations.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from sirecords.api.rules import RULES, SCOPES
from sirecords.transactions.actors import Actor
from sirecords.users import api_sessions
from sirecords.users.access import permits
from sirecords.users.actors import actor_for, actor_of
from sirecords.users.models import ApiToken
from sirecords.users.roles import ROLES
from sirecords.users.services import token_digest

security_log = logging.getLogger("sirecords.security")


@dataclass(frozen=True)
class Caller:
    """The authenticated caller, as `request.auth` in every operation."""

    actor: Actor
    via: str  # "session" or "token"
    scopes: frozenset[str] | None = None  # a token's scopes; None for a staff session (roles alone decide)
    token: str = ""  # the token's uid (never the token itself)


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(rule) -> str:
    return "、".join(f"{ROLES[r][0]} ({r})" for r in sorted(rule)) if isinstance(rule, frozenset) else str(rule)


def authorize(url_name: str | None, caller: Caller) -> Caller:
    """Admit `caller` to the endpoint `url_name` or raise 403 saying what is missing."""
    actor = caller.actor
    if url_name is None or url_name not in RULES:
        raise AuthorizationError(403, "this endpoint has no access rule; nobody may call it")
    if actor.blocked():
        raise AuthorizationError(403, actor.blocked())
    rule = RULES[url_name]
    if not permits(rule, actor.roles):
        security_log.warning("api refused %s %s: lacks role", actor.username, url_name)
        raise AuthorizationError(403, f"this endpoint needs one of these roles: {_describe(rule)}")
    needed = SCOPES.get(url_name) or ""
    if needed.endswith(":"):  # a family of scopes (feed:<kind>): the operation checks which one
        if caller.scopes is not None and not any(scope.startswith(needed) for scope in caller.scopes):
            security_log.warning("api refused %s %s: token %s lacks scope", actor.username, url_name, caller.token)
            raise AuthorizationError(403, f"this token lacks a scope {needed}… that this endpoint needs")
    elif caller.scopes is not None and needed not in caller.scopes:
        security_log.warning("api refused %s %s: token %s lacks scope", actor.username, url_name, caller.token)
        raise AuthorizationError(403, f"this token lacks the scope {SCOPES.get(url_name)} that this endpoint needs")
    return caller


class ServiceToken(HttpBearer):
    """`Authorization: Bearer <token>` of a service account."""

    def __init__(self, url_name: str | None) -> None:
        self.url_name = url_name
        super().__init__()

    def __call__(self, request) -> Caller | None:
        # Parsed here rather than by HttpBearer, which logs the whole header of another scheme under DEBUG.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None  # no token: 401 unless a staff session answers
        return self.authenticate(request, token)

    def authenticate(self, request, token: str) -> Caller:
        token = token.strip()
        if token.startswith(api_sessions.PREFIX):  # a staff member's API session: roles as in a web session
            return self._staff_session(token)
        found = (ApiToken.objects.select_related("account").filter(token_sha256=token_digest(token)).first()
                 if token else None)
        if found is None:
            security_log.warning("api refused: unknown bearer token")
            raise AuthenticationError(401, "unknown API token")
        if found.revoked_on is not None:
            security_log.warning("api refused: token %s of %s is revoked", found.uid, found.account_id)
            raise AuthenticationError(401, f"this API token was revoked on {found.revoked_on.isoformat()}")
        if found.expires_at <= _now():
            security_log.warning("api refused: token %s of %s has expired", found.uid, found.account_id)
            raise AuthenticationError(401, "this API token has expired")
        actor = actor_of(found.account)  # the account was read with the token (select_related)
        if not found.account.active:
            raise AuthenticationError(401, "the account of this API token is deactivated")
        caller = Caller(actor, "token", frozenset(found.scopes.split()), found.uid)
        return authorize(self.url_name, caller)


    def _staff_session(self, token: str) -> Caller:
        username = api_sessions.holder(token)
        actor = actor_for(username) if username else None
        if actor is None:
            security_log.warning("api refused: unknown or ended staff session token")
            raise AuthenticationError(401, "unknown or ended staff session token: sign in again")
        return authorize(self.url_name, Caller(actor, "session"))


class StaffSession(APIKeyCookie):
    """A signed-in staff member's session (second factor verified); unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, url_name: str | None) -> None:
        self.url_name = url_name
        super().__init__(csrf=True)

    def __call__(self, request) -> Caller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # not a session: 401 unless another credential answers
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header")
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request, key: str | None) -> Caller:
        if not request.user.is_verified():
            raise AuthenticationError(401, "sign in with your second factor first")
        actor = actor_for(request.user.username)
        if actor is None:
            raise AuthorizationError(403, "this sign-in has no staff account")
        return authorize(self.url_name, Caller(actor, "session"))


def guard(url_name: str | None) -> list:
    """The credentials an operation accepts, each admitting the caller by the rule `url_name`.
    A bearer token is tried first, so that a token client is never asked for a CSRF token."""
    return [ServiceToken(url_name), StaffSession(url_name)]

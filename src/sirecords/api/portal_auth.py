"""Who is calling a portal endpoint: an insured person's or an employer user's API session (issue #10 §5).

`POST /api/me/session` (or /api/employer/session) signs in with the identifier, password and TOTP code, as the
portal's sign-in page does (portal/services.sign_in: one generic failure, django-axes' lockout, the security log),
and answers a short-lived token (SIRECORDS_PORTAL_TOKEN_SECONDS). Only its SHA-256 is stored (portal.PortalToken,
outside the ledger, like a session). Endpoints of each kind take `Authorization: Bearer <token>` only (no cookie, so
no CSRF), through `PersonBearer` or `EmployerBearer`, which give the operation a PortalCaller as `request.auth`.

Refused with 401 (and logged): an unknown or expired token; a token of the other kind (a person's on an employer
endpoint and the reverse); a token whose account may no longer sign in (locked, credential replaced). A staff
service token is unknown here, and a portal token is unknown to the staff endpoints (api/auth.py).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from ninja import Router
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from sirecords.api.operations import NAMESPACE, with_unavailable
from sirecords.api.rules import RULES
from sirecords.portal.backends import portal_account
from sirecords.portal.callers import PortalCaller, caller_for
from sirecords.portal.credentials import EMPLOYER, PERSON
from sirecords.portal.models import PortalToken

security_log = logging.getLogger("sirecords.security")
PERSON_API, EMPLOYER_API = "portal_person", "portal_employer"  # the rule kinds of the portal's endpoints


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(kind: str, username: str) -> tuple[str, datetime]:
    """A new session token of the portal account `username` (shown once): (token, expires_at)."""
    now = datetime.now(UTC).replace(microsecond=0)
    expires = now + timedelta(seconds=settings.SIRECORDS_PORTAL_TOKEN_SECONDS)
    token = "sirp_" + secrets.token_urlsafe(32)
    PortalToken.objects.filter(expires_at__lte=now).delete()  # expired sessions are of no further use
    PortalToken.objects.create(token_sha256=token_digest(token), kind=kind, username=username, created_at=now,
                               expires_at=expires)
    return token, expires


def end_token(token_sha256: str) -> None:
    PortalToken.objects.filter(token_sha256=token_sha256).delete()


class _PortalBearer(HttpBearer):
    kind = ""

    def __call__(self, request) -> PortalCaller | None:
        # Parsed here rather than by HttpBearer, which logs the whole header of another scheme under DEBUG.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None  # 401
        return self.authenticate(request, token)

    def authenticate(self, request, token: str) -> PortalCaller:
        token = token.strip()
        found = PortalToken.objects.filter(token_sha256=token_digest(token)).first() if token else None
        if found is None:
            security_log.warning("portal api refused %s: unknown session token", request.path)
            raise AuthenticationError(401, "unknown or ended session token: sign in again")
        if found.expires_at <= datetime.now(UTC):
            security_log.warning("portal api refused %s: expired session token of %s", request.path, found.username)
            raise AuthenticationError(401, "this session token has expired: sign in again")
        if found.kind != self.kind:
            security_log.warning("portal api refused %s: a %s session token of %s on a %s endpoint", request.path,
                                 found.kind, found.username, self.kind)
            raise AuthenticationError(401, f"this endpoint is for {self.kind} sessions only")
        user = get_user_model().objects.filter(username=found.username).first()
        account = portal_account(user)
        caller = caller_for(account, "token") if account is not None else None
        if caller is None:
            security_log.warning("portal api refused %s: the account %s may no longer sign in", request.path,
                                 found.username)
            raise AuthenticationError(401, "this account may no longer sign in")
        request.portal_token = found.token_sha256
        return caller


class PersonBearer(_PortalBearer):
    """`Authorization: Bearer <token>` of an insured person's API session: request.auth is a PortalCaller (PERSON)."""

    kind = PERSON


class EmployerBearer(_PortalBearer):
    """`Authorization: Bearer <token>` of an employer user's API session: request.auth is a PortalCaller (EMPLOYER)."""

    kind = EMPLOYER


BEARERS = {PERSON_API: PersonBearer, EMPLOYER_API: EmployerBearer}


def portal_endpoint(router: Router, method: str, path: str, name: str, **options):
    """router.api_operation for a portal endpoint whose rule (api/rules.py) is PERSON_API or EMPLOYER_API: the
    caller is authenticated by that kind's bearer class, and nobody else is admitted."""
    url_name = f"{NAMESPACE}:{name}"
    rule = RULES.get(url_name)
    if rule not in BEARERS:
        raise ImproperlyConfigured(f"portal API operation {url_name} needs the rule PERSON_API or EMPLOYER_API in "
                                   "sirecords/api/rules.py")
    options.setdefault("operation_id", f"{name}_{method.lower()}")
    return router.api_operation([method], path, url_name=name, auth=[BEARERS[rule]()], **with_unavailable(options))

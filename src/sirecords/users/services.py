"""Administering staff and service accounts: each step is a ledger-posted transaction (who changed
what for whom, and why); the credentials live in Django's auth tables beside it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.users.models import AccountKind
from sirecords.workflow.services import execute


def admin_region(actor: Actor) -> str:
    """Where an administrator's own transactions are kept: the region of their sysadmin role."""
    regions = [r for r in actor.regions_for("sysadmin") if r != ANY_REGION]
    return regions[0] if regions else settings.SIRECORDS_REGION


def create_account(actor: Actor, username: str, display_name: str, *, region: str, reason: str, channel: str,
                   roles: tuple[str, ...] = (), organisation: str = "", kind: str = AccountKind.STAFF,
                   password: str | None = None) -> str | None:
    """Create the account and grant its roles in `region`; return the initial password (None for a service account)."""
    with transaction.atomic():
        execute(actor, "create_user", {"username": username, "display_name": display_name, "organisation": organisation,
                                       "kind": kind}, region=admin_region(actor), reason=reason, channel=channel)
        for role in roles:
            execute(actor, "grant_role", {"username": username, "role": role, "region": region},
                    region=admin_region(actor), reason=reason, channel=channel)
        user = get_user_model()(username=username)
        if kind == AccountKind.SERVICE:
            user.set_unusable_password()  # service accounts authenticate with tokens only
            initial = None
        else:
            initial = password or secrets.token_urlsafe(12)
            user.set_password(initial)
        user.save()
    return initial


def grant(actor: Actor, username: str, role: str, *, region: str, reason: str, channel: str) -> None:
    execute(actor, "grant_role", {"username": username, "role": role, "region": region}, region=admin_region(actor),
            reason=reason, channel=channel)


def revoke(actor: Actor, username: str, role: str, *, region: str | None, reason: str, channel: str) -> None:
    """Revoke `role` in `region`, or in every region when region is None."""
    payload = {"username": username, "role": role, **({"region": region} if region else {})}
    execute(actor, "revoke_role", payload, region=admin_region(actor), reason=reason, channel=channel)


def issue_token(actor: Actor, username: str, label: str, scopes: str, *, days: int, reason: str, channel: str,
                region: str | None = None) -> str:
    """Issue an API token; it is shown once: only its SHA-256 is kept."""
    token = "sir_" + secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    execute(actor, "issue_token", {"username": username, "label": label, "scopes": scopes, "expires_at": expires.isoformat(),
                                   "token_sha256": token_digest(token)}, region=region or admin_region(actor), reason=reason,
            channel=channel)
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

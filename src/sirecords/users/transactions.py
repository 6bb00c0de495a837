"""User administration as transaction types (no review stages: the information agency's sysadmin
acts alone, but every act is a ledger entry with actor and reason). The rule of 第二十六条 is
enforced here: a grant that would mix administrator and business/query roles is refused."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import transaction_type
from sirecords.transactions.validation import Errors, a_date, region, text, unknown_fields
from sirecords.users.kinds import (
    AGREEMENT_RECORDED,
    ROLE_GRANTED,
    ROLE_REVOKED,
    STAFF_ACCOUNT_CREATED,
    STAFF_ACCOUNT_DEACTIVATED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
)
from sirecords.users.models import AccountKind, ApiToken, RoleGrant, StaffAccount
from sirecords.users.roles import ROLES, conflict

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,149}$")
ADMINISTRATORS = ("sysadmin",)  # 第二十六条: the information agency manages users
SCOPES = frozenset({"transactions:read", "transactions:write", "persons:read", "employers:read"})


def _today() -> str:
    return date.today().isoformat()


def _account(payload: dict, errors: Errors, *, active: bool = True) -> StaffAccount | None:
    username = payload.get("username")
    if not username:
        errors["username"] = _("is required")
        return None
    account = StaffAccount.objects.filter(pk=username).first()
    if account is None:
        errors["username"] = _("no user {username}").format(username=repr(username))
    elif active and not account.active:
        errors["username"] = _("user {username} is deactivated").format(username=repr(username))
    return account


def held_roles(username: str) -> set[str]:
    return set(RoleGrant.objects.filter(account_id=username, revoked_on__isnull=True).values_list("role", flat=True))


def account_summary(payload: dict[str, Any]) -> list[str]:
    """The account and role a user-administration transaction is about."""
    return [str(payload[key]) for key in ("username", "role") if payload.get(key)]


@transaction_type("create_user", "新增用户", creators=ADMINISTRATORS, summary=account_summary)
def create_user(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "display_name", "organisation", "kind"}, errors)
    username = text(payload, "username", errors, required=True, max_length=150)
    if username and not USERNAME.match(username):
        errors["username"] = _("must be 3–150 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    elif username and StaffAccount.objects.filter(pk=username).exists():
        errors["username"] = _("user {username} already exists").format(username=repr(username))
    display_name = text(payload, "display_name", errors, required=True, max_length=100)
    organisation = text(payload, "organisation", errors, required=False, max_length=200)
    kind = payload.get("kind") or AccountKind.STAFF.value
    if kind not in AccountKind.values:
        errors["kind"] = _("must be one of {values}").format(values=", ".join(AccountKind.values))
    errors.raise_if_any()
    body = {"username": username, "display_name": display_name, "organisation": organisation, "kind": kind}
    return [NewEntry(STAFF_ACCOUNT_CREATED, f"user:{username}", body, _today())]


@transaction_type("deactivate_user", "停用用户", creators=ADMINISTRATORS, summary=account_summary)
def deactivate_user(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username"}, errors)
    account = _account(payload, errors)
    if account and account.username == ctx.actor:
        errors["username"] = _("you cannot deactivate your own account")
    errors.raise_if_any()
    entries = [NewEntry(ROLE_REVOKED, f"user:{account.username}", {"grant": grant, "username": account.username}, _today())
               for grant in RoleGrant.objects.filter(account=account, revoked_on__isnull=True).values_list("uid", flat=True)]
    return entries + [NewEntry(STAFF_ACCOUNT_DEACTIVATED, f"user:{account.username}", {"username": account.username}, _today())]


@transaction_type("grant_role", "授予角色", creators=ADMINISTRATORS, summary=account_summary)
def grant_role(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "role", "region"}, errors)
    account = _account(payload, errors)
    role = text(payload, "role", errors, required=True, max_length=32)
    region_code = region(payload, "region", errors, required=False) or settings.SIRECORDS_REGION
    if account and role:
        if account.username == ctx.actor:
            errors["username"] = _("you cannot change your own roles")
        why = conflict(held_roles(account.username), role)
        if why:
            errors["role"] = why
        elif RoleGrant.objects.filter(account=account, role=role, region=region_code, revoked_on__isnull=True).exists():
            errors["role"] = _("{username} already holds {role} in {region}").format(
                username=account.username, role=role, region=region_code)
    elif role and role not in ROLES:
        errors["role"] = _("unknown role {role}").format(role=repr(role))
    errors.raise_if_any()
    body = {"grant": uuid.uuid4().hex, "username": account.username, "role": role, "region": region_code}
    return [NewEntry(ROLE_GRANTED, f"user:{account.username}", body, _today())]


@transaction_type("revoke_role", "撤销角色", creators=ADMINISTRATORS, summary=account_summary)
def revoke_role(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "role", "region"}, errors)
    account = _account(payload, errors, active=False)
    role = text(payload, "role", errors, required=True, max_length=32)
    region_code = region(payload, "region", errors, required=False)
    grants = []
    if account and role:
        if account.username == ctx.actor:
            errors["username"] = _("you cannot change your own roles")
        found = RoleGrant.objects.filter(account=account, role=role, revoked_on__isnull=True)
        if region_code:
            found = found.filter(region=region_code)
        grants = list(found.values_list("uid", flat=True))
        if not grants:
            errors["role"] = (_("{username} does not hold {role} in {region}") if region_code
                              else _("{username} does not hold {role}")).format(
                username=account.username, role=role, region=region_code)
    errors.raise_if_any()
    return [NewEntry(ROLE_REVOKED, f"user:{account.username}", {"grant": grant, "username": account.username}, _today())
            for grant in grants]


@transaction_type("record_agreement", "登记保密协议", creators=ADMINISTRATORS, summary=account_summary)
def record_agreement(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "organisation", "signed_on", "expires_on", "document_sha256"}, errors)
    account = _account(payload, errors)
    organisation = text(payload, "organisation", errors, required=True, max_length=200)
    signed_on = a_date(payload, "signed_on", errors)
    expires_on = a_date(payload, "expires_on", errors, future_ok=True)
    document = text(payload, "document_sha256", errors, required=False, max_length=64)
    if document and not re.fullmatch(r"[0-9a-f]{64}", document):
        errors["document_sha256"] = _("is not a SHA-256 in hex")
    if signed_on and expires_on and expires_on <= signed_on:
        errors["expires_on"] = _("must be after the signing date")
    errors.raise_if_any()
    body = {"agreement": uuid.uuid4().hex, "username": account.username, "organisation": organisation,
            "signed_on": signed_on.isoformat(), "expires_on": expires_on.isoformat(), "document_sha256": document}
    return [NewEntry(AGREEMENT_RECORDED, f"user:{account.username}", body, signed_on.isoformat())]


@transaction_type("issue_token", "签发接口令牌", creators=ADMINISTRATORS, summary=account_summary)
def issue_token(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """The token itself is made by the caller (users/tokens.py) and shown once; only its hash is kept."""
    errors = Errors()
    unknown_fields(payload, {"username", "label", "scopes", "expires_at", "token_sha256"}, errors)
    account = _account(payload, errors)
    if account and account.kind != AccountKind.SERVICE:
        errors["username"] = _("tokens are only for service accounts")
    label = text(payload, "label", errors, required=True, max_length=100)
    scopes = sorted(set(str(payload.get("scopes") or "").split()))
    if not scopes:
        errors["scopes"] = _("is required: one or more of {scopes}").format(scopes=", ".join(sorted(SCOPES)))
    elif set(scopes) - SCOPES:
        errors["scopes"] = _("unknown scope(s) {scopes}").format(scopes=", ".join(sorted(set(scopes) - SCOPES)))
    try:
        expires_at = datetime.fromisoformat(str(payload.get("expires_at"))).astimezone(UTC).replace(microsecond=0)
        if expires_at <= datetime.now(UTC):
            errors["expires_at"] = _("must be in the future")
        elif (expires_at - datetime.now(UTC)).days > 366:
            errors["expires_at"] = _("may be at most one year ahead")
    except ValueError:
        errors["expires_at"] = _("is not a date and time (ISO 8601)")
    digest = str(payload.get("token_sha256") or "")
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        errors["token_sha256"] = _("is not a SHA-256 in hex")
    errors.raise_if_any()
    body = {"token": uuid.uuid4().hex, "username": account.username, "label": label, "scopes": " ".join(scopes),
            "token_sha256": digest, "expires_at": expires_at.isoformat()}
    return [NewEntry(TOKEN_ISSUED, f"user:{account.username}", body, _today())]


@transaction_type("revoke_token", "吊销接口令牌", creators=ADMINISTRATORS, summary=account_summary)
def revoke_token(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"token"}, errors)
    token = ApiToken.objects.filter(pk=payload.get("token") or "").first()
    if token is None:
        errors["token"] = _("no such token")
    elif token.revoked_on is not None:
        errors["token"] = _("already revoked on {date}").format(date=token.revoked_on.isoformat())
    errors.raise_if_any()
    return [NewEntry(TOKEN_REVOKED, f"user:{token.account_id}", {"token": token.uid}, _today())]

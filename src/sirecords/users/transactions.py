"""User administration as transaction types. The rule of 第二十六条 is enforced here: a grant that would mix
administrator and business/query roles is refused, and the information agency never gives anyone access to
personal data alone:

- a role that reaches personal data (every role but sysadmin and dba: users.roles.needs_approval) is granted
  by `grant_role`, and an API token by `issue_token`, only at the agency's request (`request_ref`, and the
  request document's SHA-256 when there is one) and only once a business-side approver has approved it (the
  审批 stage of workflow/stages.toml; the approver may not be the account's holder);
- administrator roles (`grant_admin_role`), account creation, agreements and every removal of a power
  (revoke, deactivate, revoke a token) need no review: they give no access to personal data;
- a fresh install has no approver to approve the first one: `grant_first_approver` grants it once, at the
  agency's request, as an explicit bootstrap entry (`"bootstrap": true`, shown on the accounts pages), and
  is refused for ever after the first approver grant;
- the shell's operator (users.actors.operator) may only create a system administrator when no active one
  exists (a fresh install, or one that lost all of them); every other act names a sysadmin account.

Credentials (`record_credential`, no review stage) are recorded by users/services.py as they change: only their
keyed digests (users/credentials.py), by the administrator acting or by the account's holder on their own.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.transactions.posting import NO_PERSON, added, transaction_type
from sirecords.transactions.validation import Errors, a_date, region, text, unknown_fields
from sirecords.users.actors import OPERATOR_PREFIX
from sirecords.users.kinds import (
    AGREEMENT_RECORDED,
    PASSWORD_CHANGED,
    ROLE_GRANTED,
    ROLE_REVOKED,
    SECOND_FACTOR_ENROLLED,
    SECOND_FACTOR_REMOVED,
    STAFF_ACCOUNT_CREATED,
    STAFF_ACCOUNT_DEACTIVATED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
)
from sirecords.users.models import AccountKind, ApiToken, RoleGrant, StaffAccount
from sirecords.users.roles import ADMIN_ROLES, APPROVER, ROLES, conflict, needs_approval
from sirecords.workflow.models import Action

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,149}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ADMINISTRATORS = ("sysadmin",)  # 第二十六条: the information agency manages users
# A department's channel token holds feed:<kind> for the feeds it sends (api/feeds.py; the kinds of crosschecks/feeds.py).
FEED_SCOPES = frozenset(f"feed:{kind}" for kind in ("person_events", "employer_status", "tax_paid", "id_changes",
                                                    "establishment", "payment_returns"))
SCOPES = frozenset({"transactions:read", "transactions:write", "persons:read", "employers:read", "stats:read",
                    "disputes:read", "disputes:write", "transfers:read"}) | FEED_SCOPES
# Not a role (users/roles.py): what users.services.holder grants, so that an account's holder records their own
# credential (record_credential), whatever roles they hold, if any. No page or rule knows it.
CREDENTIAL_HOLDER = "credential_holder"
# What record_credential records: the kind of entry for each event.
CREDENTIAL_EVENTS = {"password": PASSWORD_CHANGED, "second_factor": SECOND_FACTOR_ENROLLED,
                     "second_factor_removed": SECOND_FACTOR_REMOVED}


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


def active_sysadmins() -> bool:
    return RoleGrant.objects.filter(role="sysadmin", revoked_on__isnull=True, account__active=True).exists()


def account_summary(payload: dict[str, Any]) -> list[str]:
    """The account and role a user-administration transaction is about."""
    return [str(payload[key]) for key in ("username", "role") if payload.get(key)]


def no_person(payload: dict[str, Any], posted: bool) -> str:
    """User administration names staff, never an insured person."""
    return NO_PERSON


def _not_the_shell(ctx: WriteContext, errors: Errors, *, unless_first_sysadmin: bool = False) -> None:
    """Every act names a sysadmin account as its actor, but creating the first system administrator (while none is
    active), which the shell's operator does."""
    if ctx.actor.startswith(OPERATOR_PREFIX) and not (unless_first_sysadmin and not active_sysadmins()):
        errors["actor"] = _("the shell alone may only create the first system administrator; name an existing "
                            "sysadmin account as the actor (--actor)")


def _request(payload: dict, errors: Errors, *, required: bool) -> dict[str, str]:
    """The agency's request a grant carries out (第二十六条 按经办机构要求): its reference and its document's hash."""
    reference = text(payload, "request_ref", errors, required=False, max_length=100)
    if required and not reference and "request_ref" not in errors:
        errors["request_ref"] = _("is required: the reference of the agency's written request for this access "
                                  "(第二十六条)")
    document = text(payload, "request_document_sha256", errors, required=False, max_length=64)
    if document and not SHA256.fullmatch(document):
        errors["request_document_sha256"] = _("is not a SHA-256 in hex")
    return {"request_ref": reference, "request_document_sha256": document}


def _approvers(ctx: WriteContext) -> set[str]:
    """Who approved the transaction now being posted (none while it is checked as a draft)."""
    return set(Action.objects.filter(txn_id=ctx.txn, kind=Action.Kind.APPROVE).values_list("actor", flat=True))


def _label(account: StaffAccount | None, username: Any) -> str:
    return f"{account.display_name} ({account.username})" if account else str(username or "")


def describe_grant(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What the approver approves: whose access, which role where, on which request."""
    account = StaffAccount.objects.filter(pk=payload.get("username") or "").first()
    role = payload.get("role") or APPROVER
    return [added("username", "账号 account", _label(account, payload.get("username"))),
            added("organisation", "外部单位 external organisation", account.organisation if account else ""),
            added("role", "角色 role", f"{ROLES[role][0]} ({role})" if role in ROLES else role),
            added("region", "统筹地区 region", payload.get("region") or settings.SIRECORDS_REGION),
            added("request_ref", "经办机构申请文号 agency's request", payload.get("request_ref")),
            added("request_document_sha256", "申请材料 request document (SHA-256)", payload.get("request_document_sha256"))]


def describe_token(payload: dict[str, Any]) -> list[dict[str, Any]]:
    account = StaffAccount.objects.filter(pk=payload.get("username") or "").first()
    roles = sorted(held_roles(account.username)) if account else []
    return [added("username", "服务账号 service account", _label(account, payload.get("username"))),
            added("roles", "账号角色 roles of the account", ", ".join(roles)),
            added("label", "用途 label", payload.get("label")),
            added("scopes", "权限范围 scopes", payload.get("scopes")),
            added("expires_at", "有效期至 expires (UTC)", payload.get("expires_at")),
            added("request_ref", "经办机构申请文号 agency's request", payload.get("request_ref")),
            added("request_document_sha256", "申请材料 request document (SHA-256)", payload.get("request_document_sha256"))]


@transaction_type("create_user", "新增用户", creators=ADMINISTRATORS, summary=account_summary, subject=no_person)
def create_user(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """A new account holds no role: it reaches nothing until a grant is posted."""
    errors = Errors()
    unknown_fields(payload, {"username", "display_name", "organisation", "kind", "request_ref"}, errors)
    _not_the_shell(ctx, errors, unless_first_sysadmin=True)
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
    request = _request(payload, errors, required=False)
    errors.raise_if_any()
    body = {"username": username, "display_name": display_name, "organisation": organisation, "kind": kind,
            "request_ref": request["request_ref"]}
    return [NewEntry(STAFF_ACCOUNT_CREATED, f"user:{username}", body, _today())]


@transaction_type("deactivate_user", "停用用户", creators=ADMINISTRATORS, summary=account_summary, subject=no_person)
def deactivate_user(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username"}, errors)
    _not_the_shell(ctx, errors)
    account = _account(payload, errors)
    if account and account.username == ctx.actor:
        errors["username"] = _("you cannot deactivate your own account")
    errors.raise_if_any()
    entries = [NewEntry(ROLE_REVOKED, f"user:{account.username}", {"grant": grant, "username": account.username}, _today())
               for grant in RoleGrant.objects.filter(account=account, revoked_on__isnull=True).values_list("uid", flat=True)]
    return entries + [NewEntry(STAFF_ACCOUNT_DEACTIVATED, f"user:{account.username}", {"username": account.username}, _today())]


def _grant_checks(payload: dict[str, Any], ctx: WriteContext, errors: Errors, role: str) -> tuple[StaffAccount | None, str]:
    """The checks every grant shares: the account, the region, 第二十六条's combinations, no grant to oneself."""
    account = _account(payload, errors)
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
    return account, region_code


def _granted(account: StaffAccount, role: str, region_code: str, request: dict[str, str], *, bootstrap: bool = False) -> NewEntry:
    body = {"grant": uuid.uuid4().hex, "username": account.username, "role": role, "region": region_code,
            "request_ref": request["request_ref"], "request_document_sha256": request["request_document_sha256"],
            "bootstrap": bootstrap}
    return NewEntry(ROLE_GRANTED, f"user:{account.username}", body, _today())


@transaction_type("grant_role", "授予角色", creators=ADMINISTRATORS, summary=account_summary, describe=describe_grant,
                  subject=no_person)
def grant_role(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """A role that reaches personal data, at the agency's request; posted when a business-side approver approves."""
    errors = Errors()
    unknown_fields(payload, {"username", "role", "region", "request_ref", "request_document_sha256"}, errors)
    _not_the_shell(ctx, errors)
    role = text(payload, "role", errors, required=True, max_length=32)
    account, region_code = _grant_checks(payload, ctx, errors, role)
    if role in ADMIN_ROLES and "role" not in errors:
        errors["role"] = _("{role} is an administrator role: it is granted without the agency's request "
                           "(grant_admin_role)").format(role=role)
    request = _request(payload, errors, required=True)
    if account and account.username in _approvers(ctx):
        errors["username"] = _("{username} approved a grant of their own role; another approver must (第二十六条)").format(
            username=account.username)
    errors.raise_if_any()
    return [_granted(account, role, region_code, request)]


@transaction_type("grant_admin_role", "授予管理员角色", creators=ADMINISTRATORS, summary=account_summary, subject=no_person)
def grant_admin_role(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """sysadmin or dba: the information agency's own staff, who never reach personal data (第二十六条)."""
    errors = Errors()
    unknown_fields(payload, {"username", "role", "region", "request_ref", "request_document_sha256"}, errors)
    _not_the_shell(ctx, errors, unless_first_sysadmin=True)
    role = text(payload, "role", errors, required=True, max_length=32)
    account, region_code = _grant_checks(payload, ctx, errors, role)
    if role and role in ROLES and needs_approval(role) and "role" not in errors:
        errors["role"] = _("{role} reaches personal data: it is granted only at the agency's request, with a "
                           "business-side approval (grant_role)").format(role=role)
    if ctx.actor.startswith(OPERATOR_PREFIX) and role != "sysadmin" and "actor" not in errors:
        errors["role"] = _("the shell alone may only create a system administrator")
    request = _request(payload, errors, required=False)
    errors.raise_if_any()
    return [_granted(account, role, region_code, request)]


@transaction_type("grant_first_approver", "授予首位审批员", creators=ADMINISTRATORS, summary=account_summary,
                  describe=describe_grant, subject=no_person)
def grant_first_approver(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """The bootstrap of a fresh install: nobody can approve the first approver, so a system administrator grants
    it once, at the agency's request, and the grant says so for ever (bootstrap). Refused once any approver grant
    exists or ever existed: from then on an approver approves every grant."""
    errors = Errors()
    unknown_fields(payload, {"username", "region", "request_ref", "request_document_sha256"}, errors)
    if ctx.actor.startswith(OPERATOR_PREFIX):
        errors["actor"] = _("the first approver is granted by a system administrator account (--actor), not the "
                            "shell alone")
    if RoleGrant.objects.filter(role=APPROVER).exists():
        errors["role"] = _("an approver has already been granted on this installation: the first-approver bootstrap "
                           "is closed, and an approver approves every grant (grant_role)")
    account, region_code = _grant_checks(payload, ctx, errors, APPROVER)
    request = _request(payload, errors, required=True)
    errors.raise_if_any()
    return [_granted(account, APPROVER, region_code, request, bootstrap=True)]
@transaction_type("revoke_role", "撤销角色", creators=ADMINISTRATORS, summary=account_summary, subject=no_person)
def revoke_role(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "role", "region"}, errors)
    _not_the_shell(ctx, errors)
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


@transaction_type("record_agreement", "登记保密协议", creators=ADMINISTRATORS, summary=account_summary, subject=no_person)
def record_agreement(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "organisation", "signed_on", "expires_on", "document_sha256"}, errors)
    _not_the_shell(ctx, errors)
    account = _account(payload, errors)
    organisation = text(payload, "organisation", errors, required=True, max_length=200)
    signed_on = a_date(payload, "signed_on", errors)
    expires_on = a_date(payload, "expires_on", errors, future_ok=True)
    document = text(payload, "document_sha256", errors, required=False, max_length=64)
    if document and not SHA256.fullmatch(document):
        errors["document_sha256"] = _("is not a SHA-256 in hex")
    if signed_on and expires_on and expires_on <= signed_on:
        errors["expires_on"] = _("must be after the signing date")
    errors.raise_if_any()
    body = {"agreement": uuid.uuid4().hex, "username": account.username, "organisation": organisation,
            "signed_on": signed_on.isoformat(), "expires_on": expires_on.isoformat(), "document_sha256": document}
    return [NewEntry(AGREEMENT_RECORDED, f"user:{account.username}", body, signed_on.isoformat())]


@transaction_type("issue_token", "签发接口令牌", creators=ADMINISTRATORS, summary=account_summary, describe=describe_token,
                  subject=no_person)
def issue_token(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """At the agency's request; posted (and so usable) when a business-side approver approves. The token itself is
    made by users/services.py and shown once; only its SHA-256 is kept."""
    errors = Errors()
    unknown_fields(payload, {"username", "label", "scopes", "expires_at", "token_sha256", "request_ref",
                             "request_document_sha256"}, errors)
    _not_the_shell(ctx, errors)
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
    if not SHA256.fullmatch(digest):
        errors["token_sha256"] = _("is not a SHA-256 in hex")
    request = _request(payload, errors, required=True)
    errors.raise_if_any()
    body = {"token": uuid.uuid4().hex, "username": account.username, "label": label, "scopes": " ".join(scopes),
            "token_sha256": digest, "expires_at": expires_at.isoformat(), **request}
    return [NewEntry(TOKEN_ISSUED, f"user:{account.username}", body, _today())]


@transaction_type("revoke_token", "吊销接口令牌", creators=ADMINISTRATORS, summary=account_summary, subject=no_person)
def revoke_token(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"token"}, errors)
    _not_the_shell(ctx, errors)
    token = ApiToken.objects.filter(pk=payload.get("token") or "").first()
    if token is None:
        errors["token"] = _("no such token")
    elif token.revoked_on is not None:
        errors["token"] = _("already revoked on {date}").format(date=token.revoked_on.isoformat())
    errors.raise_if_any()
    return [NewEntry(TOKEN_REVOKED, f"user:{token.account_id}", {"token": token.uid}, _today())]


@transaction_type("record_credential", "登记凭据变更", creators=(*ADMINISTRATORS, CREDENTIAL_HOLDER), summary=account_summary,
                  subject=no_person)
def record_credential(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """A credential set in the auth tables, as its keyed digest (users/credentials.py): a password, an enrolled
    authenticator, or the removal of one. Recorded by users/services.py as it happens, by the holder on their own,
    or by a system administrator: an initial password, a reset, or an authenticator handed to an account that has
    none (the demo's; a hardware token). Replacing an enrolled authenticator takes a recorded reset first."""
    errors = Errors()
    unknown_fields(payload, {"username", "event", "digest", "device"}, errors)
    event = payload.get("event")
    if event == "second_factor" and ctx.actor != payload.get("username"):
        holder = StaffAccount.objects.filter(pk=payload.get("username") or "").first()
        if holder is not None and holder.second_factor_digest:
            errors["username"] = _("{username} has an enrolled authenticator: only its holder replaces it, or a "
                                   "system administrator after a reset").format(username=holder.username)
    if event not in CREDENTIAL_EVENTS:
        errors["event"] = _("must be one of {values}").format(values=", ".join(CREDENTIAL_EVENTS))
    account = _account(payload, errors, active=event != "second_factor_removed")
    body: dict[str, Any] = {"username": payload.get("username")}
    if event in ("password", "second_factor"):
        digest = str(payload.get("digest") or "")
        if not SHA256.fullmatch(digest):
            errors["digest"] = _("is not a SHA-256 in hex")
        body["digest"] = digest
    if event == "second_factor":
        if not isinstance(payload.get("device"), int) or isinstance(payload.get("device"), bool):
            errors["device"] = _("must be the device's id")
        body["device"] = payload.get("device")
    errors.raise_if_any()
    return [NewEntry(CREDENTIAL_EVENTS[event], f"user:{account.username}", body, _today())]

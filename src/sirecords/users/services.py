"""Administering staff and service accounts, and their credentials.

Each administrative step is a workflow transaction (who changed what for whom, and why). A role that reaches
personal data and an API token are granted only at the agency's request and wait for a business-side approver
(users/transactions.py); what does not reach personal data, and every removal of a power, is posted at once.

Every credential set in Django's auth tables (a password, an authenticator, its removal) is recorded in the
same database transaction as a ledger entry holding its keyed digest (users/credentials.py), so sign-in
(users/backends.py) and `verify` (users/integrity.py) tell a credential the ledger recorded from one put there
behind its back. They are `record_credential` transactions with no review stage, through the workflow like
every write: opened by the system administrator who sets an initial password or resets an authenticator, or
by the account's holder for their own (`holder`: an Actor whose only grant lets it record its own credential).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from sirecords.crypto.sealing import SealBroken
from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.credentials import device_digest, password_digest
from sirecords.users.models import AccountKind, SealedTOTPDevice, StaffAccount
from sirecords.users.roles import conflict, needs_approval
from sirecords.users.transactions import CREDENTIAL_HOLDER
from sirecords.workflow import documents
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import Refused, execute

AUTHENTICATOR = "authenticator"  # the name of the TOTP device a staff member enrols at first sign-in


def admin_region(actor: Actor) -> str:
    """Where an administrator's own transactions are kept, and so whose approvers approve them: the region of
    their sysadmin role (this agency's for the shell's operator)."""
    regions = [r for r in actor.regions_for("sysadmin") if r != ANY_REGION]
    return regions[0] if regions else settings.SIRECORDS_REGION


def request_fields(request_ref: str = "", request_document: bytes | None = None, request_document_name: str = "") -> dict[str, str]:
    """The payload fields naming the agency's request: its reference, and the stored document's SHA-256."""
    fields = {"request_ref": request_ref} if request_ref else {}
    if request_document:
        try:
            documents.check(request_document, request_document_name)
        except documents.DocumentRefused as refused:
            raise InvalidTransaction({"request_document": str(refused)}) from None
        fields["request_document_sha256"] = documents.store(request_document)
    return fields


@dataclass(frozen=True)
class NewAccount:
    password: str | None  # the initial password, shown once (None for a service account)
    awaiting: tuple[BusinessTransaction, ...]  # grants of roles that reach personal data, awaiting an approver


def create_account(actor: Actor, username: str, display_name: str, *, region: str, reason: str, channel: str,
                   roles: tuple[str, ...] = (), organisation: str = "", kind: str = AccountKind.STAFF,
                   password: str | None = None, request_ref: str = "", request_document: bytes | None = None) -> NewAccount:
    """Create the account, set its initial password (recorded), and grant its roles in `region`: administrator
    roles at once, the others opened for a business-side approver at the agency's request. All or nothing."""
    held: set[str] = set()
    for role in roles:  # the whole combination, before a grant waits for approval (第二十六条)
        why = conflict(held, role)
        if why:
            raise InvalidTransaction({"role": why})
        held.add(role)
    request = request_fields(request_ref, request_document)
    with transaction.atomic():
        execute(actor, "create_user", {"username": username, "display_name": display_name, "organisation": organisation,
                                       "kind": kind, **({"request_ref": request_ref} if request_ref else {})},
                region=admin_region(actor), reason=reason, channel=channel)
        user = get_user_model()(username=username)
        if kind == AccountKind.SERVICE:
            user.set_unusable_password()  # service accounts authenticate with tokens only
            initial = None
        else:
            initial = password or secrets.token_urlsafe(12)
            user.set_password(initial)
        user.save()
        record_password(user, actor=actor, reason=reason, channel=channel)
        opened = [_grant(actor, username, role, region=region, reason=reason, channel=channel, request=request)
                  for role in roles]
    return NewAccount(initial, tuple(txn for txn in opened if txn.state != State.POSTED))


def _grant(actor: Actor, username: str, role: str, *, region: str, reason: str, channel: str,
           request: dict[str, str]) -> BusinessTransaction:
    type_name = "grant_role" if needs_approval(role) else "grant_admin_role"
    return execute(actor, type_name, {"username": username, "role": role, "region": region, **request},
                   region=admin_region(actor), reason=reason, channel=channel)


def grant(actor: Actor, username: str, role: str, *, region: str, reason: str, channel: str, request_ref: str = "",
          request_document: bytes | None = None) -> BusinessTransaction:
    """Grant `role`: posted at once for sysadmin and dba; otherwise submitted for a business-side approver."""
    return _grant(actor, username, role, region=region, reason=reason, channel=channel,
                  request=request_fields(request_ref, request_document))


def grant_first_approver(actor: Actor, username: str, *, region: str, reason: str, channel: str, request_ref: str,
                         request_document: bytes | None = None) -> BusinessTransaction:
    """The bootstrap of a fresh install (once ever): the first approver, granted without an approval."""
    return execute(actor, "grant_first_approver", {"username": username, "region": region,
                                                   **request_fields(request_ref, request_document)},
                   region=admin_region(actor), reason=reason, channel=channel)


def revoke(actor: Actor, username: str, role: str, *, region: str | None, reason: str, channel: str) -> None:
    """Revoke `role` in `region`, or in every region when region is None. At once: removing a power needs no approval."""
    payload = {"username": username, "role": role, **({"region": region} if region else {})}
    execute(actor, "revoke_role", payload, region=admin_region(actor), reason=reason, channel=channel)


def deactivate(actor: Actor, username: str, *, reason: str, channel: str) -> None:
    """Deactivate the account at once: its roles are revoked, and its sign-in (auth_user.is_active) ends with them."""
    with transaction.atomic():
        execute(actor, "deactivate_user", {"username": username}, region=admin_region(actor), reason=reason,
                channel=channel)
        get_user_model().objects.filter(username=username).update(is_active=False)


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its SHA-256 is kept
    txn: BusinessTransaction  # the issue_token transaction: the token works once it is posted (approved)


def issue_token(actor: Actor, username: str, label: str, scopes: str, *, days: int, reason: str, channel: str,
                region: str | None = None, request_ref: str = "", request_document: bytes | None = None) -> IssuedToken:
    """Make an API token and submit its issue for a business-side approver; it works once approved."""
    token = "sir_" + secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    txn = execute(actor, "issue_token", {"username": username, "label": label, "scopes": " ".join(sorted(set(scopes.split()))),
                                         "expires_at": expires.isoformat(), "token_sha256": token_digest(token),
                                         **request_fields(request_ref, request_document)},
                  region=region or admin_region(actor), reason=reason, channel=channel)
    return IssuedToken(token, txn)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- Credentials ---------------------------------------------------------------------------------------------


def holder(username: str) -> Actor:
    """The account's holder recording their own credential (a password they chose, the authenticator they enrolled,
    a hash Django upgraded as they signed in): whatever roles they hold, or none yet."""
    return Actor(username=username, grants=frozenset({(CREDENTIAL_HOLDER, settings.SIRECORDS_REGION)}), display_name=username)


def _record(event: str, username: str, *, actor: Actor | str, reason: str, channel: str, **fields) -> None:
    """`actor`: the administrator acting, or the username of the holder acting on their own credential."""
    who = holder(actor) if isinstance(actor, str) else actor
    region = settings.SIRECORDS_REGION if isinstance(actor, str) else admin_region(actor)
    execute(who, "record_credential", {"username": username, "event": event, **fields}, region=region, reason=reason,
            channel=channel)


def record_password(user, *, actor: Actor | str, reason: str, channel: str) -> None:
    """Record the password hash `user` now holds (as its keyed digest). Call it in the transaction that saves it."""
    _record("password", user.get_username(), digest=password_digest(user.get_username(), user.password),
            actor=actor, reason=reason, channel=channel)


def set_password(user, raw_password: str, *, actor: Actor | str, reason: str, channel: str) -> None:
    """Set and save the password, and record it: both, or neither."""
    with transaction.atomic():
        user.set_password(raw_password)
        user.save(update_fields=["password"])
        record_password(user, actor=actor, reason=reason, channel=channel)


def start_enrolment(user, name: str = AUTHENTICATOR) -> SealedTOTPDevice:
    """The authenticator being enrolled at first sign-in (not yet confirmed, so not yet usable): its seed sealed.
    One whose seed does not open (not sealed by us for this account) is never offered: a new one is made."""
    for device in SealedTOTPDevice.objects.filter(user=user, name=name, confirmed=False).order_by("pk"):
        try:
            device.bin_key  # noqa: B018 (opens the seed, or raises)
        except SealBroken:
            continue
        return device
    return SealedTOTPDevice.objects.create(user=user, name=name, confirmed=False)


def confirm_enrolment(device: SealedTOTPDevice, *, actor: Actor | str, reason: str, channel: str) -> None:
    """The holder proved the device with a code: it becomes the account's authenticator, recorded in the ledger."""
    with transaction.atomic():
        device.confirmed = True
        device.save()
        username = device.user.get_username()
        _record("second_factor", username, digest=device_digest(username, device), device=device.pk,
                actor=actor, reason=reason, channel=channel)


def enrol_authenticator(username: str, *, key: str | None = None, name: str = AUTHENTICATOR, actor: Actor | str,
                        reason: str, channel: str) -> SealedTOTPDevice:
    """A confirmed authenticator with the given hex seed (or a random one), recorded, set up by its holder or handed
    over by a system administrator: the demo's accounts, whose codes `sirecords demo --totp` prints, and the tests'
    signed-in staff."""
    user = get_user_model().objects.get(username=username)
    with transaction.atomic():
        device = SealedTOTPDevice(user=user, name=name, confirmed=False, **({"key": key} if key else {}))
        device.save()
        confirm_enrolment(device, actor=actor, reason=reason, channel=channel)
    return device


def reset_second_factor(actor: Actor, username: str, *, reason: str, channel: str) -> int:
    """A system administrator removes the account's authenticators (a lost phone): its holder enrols a new one
    at the next sign-in, with their own password. At once, recorded; returns how many devices were removed."""
    if actor.blocked() or not actor.has("sysadmin", admin_region(actor)):
        raise Refused(_("resetting an authenticator needs the role sysadmin"))
    if username == actor.username:
        raise Refused(_("you cannot reset your own authenticator; another system administrator must"))
    if not (reason or "").strip():
        raise InvalidTransaction({"reason": _("is required: why is the authenticator reset")})
    account = StaffAccount.objects.filter(pk=username).first()
    if account is None or account.kind != AccountKind.STAFF:
        raise InvalidTransaction({"username": _("no staff account {username}").format(username=repr(username))})
    with transaction.atomic():
        removed, _kinds = SealedTOTPDevice.objects.filter(user__username=username).delete()
        _record("second_factor_removed", username, actor=actor, reason=reason.strip(), channel=channel)
    return removed

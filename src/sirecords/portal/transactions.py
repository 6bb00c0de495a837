"""Portal accounts as transaction types (第十五条: a self-query needs the person's identity).

- `issue_portal_activation`: a query officer who checked the person's ID document at the counter (or the annual
  statement's run, issue #11) issues an activation code for the person's account; no review stage: the identity
  check is the officer's, and the code gives nothing until its holder also knows the ID number. The first code
  creates the (pending) account; a later one is the only way to reset a password (there is no e-mail or SMS reset).
- `create_employer_portal_account`: a clerk creates a user account of a registered employer, with its code; one
  review stage (review1), since it opens the employees' records of that unit to whoever holds the code.
- `issue_employer_activation`: a clerk issues a new code for an employer account (its password reset); no review.
- `lock_portal_account`: a query officer or clerk locks an account at once (a stolen phone, a misuse reported):
  sign-in and every session and API token of it stop, and its pending code is void. Only a new code lifts it: the
  holder's identity is checked again (at the counter) before it is issued, and the activation sets new credentials.
- `activate_portal_account`: the holder, with a valid unused code, set a password and enrolled an authenticator;
  recorded by themselves (PORTAL_HOLDER), no review.

Codes, password hashes and TOTP seeds never reach a payload: only their keyed digests (portal/credentials.py).
"""

from __future__ import annotations

import hmac
import re
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.portal.credentials import EMPLOYER, PERSON, USER_NAME, employer_username, kind_of, person_username
from sirecords.portal.kinds import (
    EMPLOYER_ACTIVATION_ISSUED,
    EMPLOYER_PORTAL_ACCOUNT_CREATED,
    PERSON_ACTIVATION_ISSUED,
    PORTAL_ACCOUNT_ACTIVATED,
    PORTAL_ACCOUNT_LOCKED,
)
from sirecords.portal.models import EmployerPortalAccount, PersonPortalAccount, PortalState
from sirecords.registry.models import Employer, EmployerStatus, Person
from sirecords.transactions.posting import NO_PERSON, added, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Not a role (users/roles.py): what portal.services.holder grants, so that a portal account's holder records their
# own activation. No page or rule knows it.
PORTAL_HOLDER = "portal_holder"
OFFICERS = ("query_officer",)  # 第十五条: the identity is checked at the counter by the query officer
CLERKS = ("clerk",)


def activation_expiry(today: date | None = None) -> date:
    """The last day a code issued today may be used (settings.SIRECORDS_ACTIVATION_DAYS)."""
    return (today or date.today()) + timedelta(days=settings.SIRECORDS_ACTIVATION_DAYS)


def _digest(payload: dict, name: str, errors: Errors) -> str:
    value = str(payload.get(name) or "")
    if not SHA256.fullmatch(value):
        errors[name] = _("is not a SHA-256 in hex")
    return value


def account_named(username: str) -> PersonPortalAccount | EmployerPortalAccount | None:
    model = {PERSON: PersonPortalAccount, EMPLOYER: EmployerPortalAccount}.get(kind_of(username or "") or "")
    return model.objects.filter(pk=username).first() if model else None


def portal_subject(payload: dict[str, Any], posted: bool) -> str:
    """The person whose account it is; employer accounts name nobody."""
    if payload.get("person"):
        return f"person:{payload['person']}"
    username = str(payload.get("username") or "")
    return f"person:{username.partition(':')[2]}" if kind_of(username) == PERSON else NO_PERSON


def portal_summary(payload: dict[str, Any]) -> list[str]:
    return [str(payload[key]) for key in ("user_name", "display_name") if payload.get(key)]


def describe_employer_account(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What the reviewer checks: which unit, which user."""
    employer = Employer.objects.filter(pk=payload.get("employer") or "").first()
    return [added("employer", "用人单位 employer", f"{employer.name} ({employer.uscc})" if employer else payload.get("employer")),
            added("user_name", "用户名 user name", payload.get("user_name")),
            added("display_name", "显示名称 display name", payload.get("display_name"))]


@transaction_type("issue_portal_activation", "签发个人网上查询激活码", creators=OFFICERS, subject=portal_subject)
def issue_portal_activation(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"person", "code_digest"}, errors)
    person = Person.objects.filter(pk=payload.get("person") or "").first()
    if person is None:
        errors["person"] = _("no registered person {person}").format(person=repr(payload.get("person")))
    digest = _digest(payload, "code_digest", errors)
    errors.raise_if_any()
    body = {"username": person_username(person.uid), "person": person.uid, "code_digest": digest,
            "expires_on": activation_expiry().isoformat()}
    return [NewEntry(PERSON_ACTIVATION_ISSUED, f"portal:{body['username']}", body, date.today().isoformat())]


@transaction_type("create_employer_portal_account", "开设单位网上查询账号", creators=CLERKS, subject=portal_subject,
                  summary=portal_summary, describe=describe_employer_account)
def create_employer_portal_account(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"employer", "user_name", "display_name", "code_digest"}, errors)
    employer = Employer.objects.filter(pk=payload.get("employer") or "").first()
    if employer is None:
        errors["employer"] = _("no registered employer {employer}").format(employer=repr(payload.get("employer")))
    elif employer.status == EmployerStatus.CLOSED:
        errors["employer"] = _("the employer is closed")
    user_name = text(payload, "user_name", errors, required=True, max_length=40)
    if user_name and not USER_NAME.fullmatch(user_name):
        errors["user_name"] = _("must be 2–40 lower-case letters, digits, '.', '_' or '-', starting with a letter")
    elif employer is not None and user_name and EmployerPortalAccount.objects.filter(
            employer_uid=employer.uid, user_name=user_name).exists():
        errors["user_name"] = _("the employer already has a user {user_name}").format(user_name=repr(user_name))
    display_name = text(payload, "display_name", errors, required=True, max_length=100)
    digest = _digest(payload, "code_digest", errors)
    errors.raise_if_any()
    username = employer_username(employer.uid, user_name)
    body = {"username": username, "employer": employer.uid, "user_name": user_name, "display_name": display_name,
            "code_digest": digest, "expires_on": activation_expiry().isoformat()}
    return [NewEntry(EMPLOYER_PORTAL_ACCOUNT_CREATED, f"portal:{username}", body, date.today().isoformat())]


@transaction_type("issue_employer_activation", "签发单位网上查询激活码", creators=CLERKS, subject=portal_subject,
                  summary=portal_summary)
def issue_employer_activation(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username", "code_digest"}, errors)
    account = EmployerPortalAccount.objects.filter(pk=payload.get("username") or "").first()
    if account is None:
        errors["username"] = _("no employer portal account {username}").format(username=repr(payload.get("username")))
    digest = _digest(payload, "code_digest", errors)
    errors.raise_if_any()
    body = {"username": account.username, "code_digest": digest, "expires_on": activation_expiry().isoformat()}
    return [NewEntry(EMPLOYER_ACTIVATION_ISSUED, f"portal:{account.username}", body, date.today().isoformat())]


@transaction_type("activate_portal_account", "激活网上查询账号", creators=(PORTAL_HOLDER,), subject=portal_subject)
def activate_portal_account(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    """Only with the unused, unexpired code of the account, and only by the account's holder."""
    errors = Errors()
    unknown_fields(payload, {"username", "code_digest", "password_digest", "second_factor_digest", "device"}, errors)
    username = str(payload.get("username") or "")
    account = account_named(username)
    code = _digest(payload, "code_digest", errors)
    if account is None:
        errors["username"] = _("no portal account {username}").format(username=repr(username))
    elif ctx.actor != username:
        errors["username"] = _("only the account's holder activates it")
    elif not account.activation_digest or not hmac.compare_digest(account.activation_digest, code):
        errors["code_digest"] = _("is not the account's unused activation code")
    elif account.activation_expires_on is None or account.activation_expires_on < date.today():
        errors["code_digest"] = _("the activation code has expired")
    password = _digest(payload, "password_digest", errors)
    second_factor = _digest(payload, "second_factor_digest", errors)
    if not isinstance(payload.get("device"), int) or isinstance(payload.get("device"), bool):
        errors["device"] = _("must be the device's id")
    errors.raise_if_any()
    body = {"username": username, "password_digest": password, "second_factor_digest": second_factor,
            "device": payload["device"]}
    return [NewEntry(PORTAL_ACCOUNT_ACTIVATED, f"portal:{username}", body, date.today().isoformat())]


@transaction_type("lock_portal_account", "锁定网上查询账号", creators=(*OFFICERS, *CLERKS), subject=portal_subject)
def lock_portal_account(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"username"}, errors)
    username = str(payload.get("username") or "")
    account = account_named(username)
    if account is None:
        errors["username"] = _("no portal account {username}").format(username=repr(username))
    elif account.state == PortalState.LOCKED:
        errors["username"] = _("the account is already locked")
    errors.raise_if_any()
    return [NewEntry(PORTAL_ACCOUNT_LOCKED, f"portal:{username}", {"username": username}, date.today().isoformat())]

"""Opening portal accounts, activating them, and signing in: the only module of the portal that opens workflow
transactions (pyproject's import contract), and the functions the web pages, the API and the demo call.

Every credential set in Django's auth tables (the password hash, the TOTP device) is recorded in the same database
transaction as the ledger entry holding its keyed digest (`activate_portal_account`), as users/services.py does for
staff: the sign-in (portal/backends.py) and `verify` (portal/integrity.py) then tell them from ones put there behind
the ledger's back.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import date

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sirecords.core.identifiers import InvalidIdentifier, parse_id_number, parse_uscc
from sirecords.core.text import canonical
from sirecords.crypto.sealing import blind_index
from sirecords.portal.backends import portal_account
from sirecords.portal.credentials import (
    EMPLOYER,
    PERSON,
    code_digest,
    employer_username,
    kind_of,
    new_code,
    person_username,
)
from sirecords.portal.models import EmployerPortalAccount, PersonPortalAccount
from sirecords.portal.transactions import PORTAL_HOLDER, account_named
from sirecords.registry.models import Employer, Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.users.backends import authenticators
from sirecords.users.credentials import DIGEST_SPACE, device_digest, password_digest
from sirecords.users.models import SealedTOTPDevice
from sirecords.users.services import start_enrolment
from sirecords.workflow.models import BusinessTransaction
from sirecords.workflow.services import execute, open_transaction, submit

security_log = logging.getLogger("sirecords.security")
AUTHENTICATOR = "portal"  # the name of a portal account's TOTP device
BACKEND = "sirecords.portal.backends.PortalBackend"  # as settings.AUTHENTICATION_BACKENDS names it


def holder(username: str) -> Actor:
    """The account's holder recording their own activation (their only power: PORTAL_HOLDER)."""
    return Actor(username=username, grants=frozenset({(PORTAL_HOLDER, ANY_REGION)}), display_name=username)


def _person(person: Person | str) -> Person:
    found = person if isinstance(person, Person) else Person.objects.filter(pk=person).first()
    if found is None:
        raise InvalidTransaction({"person": _("no registered person {person}").format(person=repr(person))})
    return found


# --- Accounts and activation codes -----------------------------------------------------------------------------


def issue_activation_code(person: Person | str, *, actor: Actor, channel: str,
                          reason: str = "identity checked; portal activation code issued") -> tuple[str, date]:
    """A new activation code for the person's portal account (made pending by the first one), posted at once:
    (the code, shown once; the last day it may be used). The query officer at the counter, after checking the ID
    document (第十五条); or the annual statement's run (issue #11), which prints it. A later code resets the password."""
    person = _person(person)
    username = person_username(person.uid)
    code = new_code()
    execute(actor, "issue_portal_activation", {"person": person.uid, "code_digest": code_digest(username, code)},
            region=person.pooling_region, reason=reason, channel=channel)
    return code, PersonPortalAccount.objects.get(pk=username).activation_expires_on


@dataclass(frozen=True)
class NewEmployerAccount:
    username: str
    code: str  # shown once to the clerk, who hands it to the employer; usable once the account is approved
    txn: BusinessTransaction  # awaiting review1


def create_employer_account(actor: Actor, employer: Employer | str, user_name: str, display_name: str, *, channel: str,
                            reason: str = "employer portal account requested", region: str | None = None) -> NewEmployerAccount:
    """Open and submit `create_employer_portal_account` (one review stage): the account exists once reviewed, and
    its code is then valid for SIRECORDS_ACTIVATION_DAYS days from the approval."""
    uid = employer.uid if isinstance(employer, Employer) else employer
    name = (user_name or "").strip().lower()
    code = new_code()
    payload = {"employer": uid, "user_name": name, "display_name": display_name,
               "code_digest": code_digest(employer_username(uid, name), code)}
    with transaction.atomic():
        txn = open_transaction(actor, "create_employer_portal_account", payload,
                               region=region or settings.SIRECORDS_REGION, reason=reason, channel=channel)
        txn = submit(actor, txn)
    return NewEmployerAccount(employer_username(uid, name), code, txn)


def issue_employer_activation_code(actor: Actor, username: str, *, channel: str,
                                   reason: str = "employer portal password reset",
                                   region: str | None = None) -> tuple[str, date]:
    """A new code for an employer account (its only password reset), posted at once: (code, last valid day)."""
    code = new_code()
    execute(actor, "issue_employer_activation", {"username": username, "code_digest": code_digest(username, code)},
            region=region or settings.SIRECORDS_REGION, reason=reason, channel=channel)
    return code, EmployerPortalAccount.objects.get(pk=username).activation_expires_on


def lock_account(actor: Actor, username: str, *, reason: str, channel: str, region: str | None = None) -> None:
    """Lock the portal account at once (a query officer or clerk): no sign-in, no session, no API token works."""
    execute(actor, "lock_portal_account", {"username": username},
            region=region or _region_of(username), reason=reason, channel=channel)


def code_valid(username: str, code: str) -> bool:
    """Whether `code` is the account's unused, unexpired activation code (it is not used up here)."""
    return digest_valid(username, code_digest(username, code))


def digest_valid(username: str, digest: str) -> bool:
    """code_valid, given the code's keyed digest (what a page keeps in the session between its two steps)."""
    account = account_named(username)
    if account is None or not account.activation_digest:  # a lock voids the code; a code issued after it lifts it
        return False
    if account.activation_expires_on is None or account.activation_expires_on < date.today():
        return False
    return hmac.compare_digest(account.activation_digest, digest)


def start_activation(username: str, *, key: str | None = None) -> SealedTOTPDevice:
    """The authenticator being enrolled (unconfirmed: it verifies nothing yet), seed sealed; its auth user is made
    when there is none (unusable password, inactive: nothing signs in with it before the activation is recorded)."""
    user, _created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": False})
    if _created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if key is None:
        return start_enrolment(user, AUTHENTICATOR)  # as staff enrol: an unconfirmed device whose seed opens, or a new one
    device = SealedTOTPDevice(user=user, name=AUTHENTICATOR, confirmed=False, key=key)
    device.save()
    return device


def activate(username: str, code: str, password: str, device: SealedTOTPDevice, *, channel: str) -> None:
    """Set the password (Django's validators) and confirm the authenticator, and record both with the code
    (`activate_portal_account`): all or nothing. The caller has checked that the holder proved the device with a
    code. Raises InvalidTransaction naming the field (code, password)."""
    activate_by_digest(username, code_digest(username, code), password, device, channel=channel)


def activate_by_digest(username: str, digest: str, password: str, device: SealedTOTPDevice, *, channel: str) -> None:
    """activate, given the code's keyed digest."""
    user = device.user
    if user.get_username() != username:
        raise InvalidTransaction({"device": _("the authenticator is not this account's")})
    if not digest_valid(username, digest):
        raise InvalidTransaction({"code": _("is not a valid, unused activation code")})
    try:
        validate_password(password, user)
    except ValidationError as refused:
        raise InvalidTransaction({"password": " ".join(refused.messages)}) from None
    with transaction.atomic():
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()  # a reset replaces the old one
        device.confirmed = True
        device.save()
        region = _region_of(username)
        execute(holder(username), "activate_portal_account",
                {"username": username, "code_digest": digest,
                 "password_digest": password_digest(username, user.password),
                 "second_factor_digest": device_digest(username, device), "device": device.pk},
                region=region, reason="portal account activated by its holder", channel=channel)


def _region_of(username: str) -> str:
    if kind_of(username) == PERSON:
        return Person.objects.get(pk=username.partition(":")[2]).pooling_region
    return settings.SIRECORDS_REGION


def activate_with_code(username: str, code: str, *, password: str, channel: str, key: str | None = None) -> SealedTOTPDevice:
    """Activation without the pages (the demo; tests): the device with the hex seed `key` (random when None)."""
    device = start_activation(username, key=key)
    activate(username, code, password, device, channel=channel)
    return device


def activate_person_account(person: Person | str, *, password: str, actor: Actor, channel: str,
                            key: str | None = None) -> SealedTOTPDevice:
    """For the demo: a code issued by `actor` (a query officer) and used at once with `password` and the TOTP seed
    `key` (hex; random when None), through the same transactions as at the counter and on /my/activate/. The
    device's key gives the current code (django_otp.oath.totp)."""
    person = _person(person)
    code, _expires = issue_activation_code(person, actor=actor, channel=channel)
    return activate_with_code(person_username(person.uid), code, password=password, channel=channel, key=key)


# --- Sign-in ---------------------------------------------------------------------------------------------------


class SignInFailed(Exception):
    """A sign-in that failed; `locked` when django-axes locks the account. The message never says which part was
    wrong, nor whether the ID number (or USCC and user) is registered."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__("locked out" if locked else "sign-in failed")
        self.locked = locked


def _probe(kind: str, typed: str) -> str:
    """The lockout key of a sign-in whose account does not exist: a keyed digest of what was typed, so guessing is
    counted and slowed as for a real account, and nothing in clear is kept."""
    digest = blind_index(DIGEST_SPACE, "portal-probe\x00" + kind + "\x00" + typed)
    return f"{kind}:?{digest[:24]}"


def person_login_name(id_number: str) -> str:
    """The username the ID number signs in as (canonicalised: core/identifiers.py; found by the blind index)."""
    try:
        normalized = parse_id_number(id_number or "").normalized
    except InvalidIdentifier:
        return _probe(PERSON, (id_number or "").strip())
    person = find_person_by_id_number(normalized)
    return person_username(person.uid) if person is not None else _probe(PERSON, normalized)


def employer_login_name(uscc: str, user_name: str) -> str:
    name = (user_name or "").strip().lower()
    try:
        code = parse_uscc(uscc or "")
    except InvalidIdentifier:
        return _probe(EMPLOYER, f"{(uscc or '').strip()}\x00{name}")
    employer = Employer.objects.filter(uscc=code).first()
    return employer_username(employer.uid, name) if employer is not None else _probe(EMPLOYER, f"{code}\x00{name}")


def locked(request, username: str) -> bool:
    return bool(getattr(request, "axes_locked_out", False)) or AxesProxyHandler.is_locked(request, {"username": username})


def sign_in(request, username: str, password: str, code: str):
    """Check password and TOTP code of the portal account `username` in one step: (user, device), or SignInFailed.
    Every failure counts towards django-axes' lockout of the account and is logged to the security log; the caller
    logs the session in (the pages) or issues a token (the API)."""
    if locked(request, username):
        security_log.warning("portal sign-in refused for %s: locked out", username)
        raise SignInFailed(locked=True)
    user = authenticate(request, username=username, password=password or "")
    if user is None or kind_of(user.get_username()) is None:
        security_log.warning("portal sign-in failed for %s: wrong credentials or no such account", username)
        raise SignInFailed(locked=locked(request, username))
    token = "".join(canonical(code or "").split())  # full-width digits typed with an IME are read (core/text.py)
    for device in authenticators(user, portal_account(user)):
        if len(token) == 6 and token.isascii() and token.isdigit() and device.verify_token(token):
            return user, device
    # A wrong code counts like a wrong password.
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    security_log.warning("portal sign-in failed for %s: wrong authenticator code", username)
    raise SignInFailed(locked=locked(request, username))


def signed_in_without_session(request, user) -> None:
    """An API sign-in: clears the account's failures (django-axes, at user_logged_in) and records the time, as the
    pages' login() does."""
    user_logged_in.send(sender=user.__class__, request=request, user=user)

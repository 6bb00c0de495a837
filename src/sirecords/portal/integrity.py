"""`verify` checks of the portal app: the credential tables hold what the ledger recorded for portal accounts.

Each auth_user with a portal username belongs to a portal account; before activation it has no usable password and
is inactive; once active, its password hash has the digest the ledger last recorded (a hash replaced in the database
is named here, and refused at sign-in by portal/backends.py); its confirmed TOTP device is the one the ledger
recorded, its seed sealed. (users/integrity.py leaves these users to this check.)
"""

from __future__ import annotations

import hmac

from django.contrib.auth import get_user_model

from sirecords.ledger.verify import Report, register_check
from sirecords.portal.credentials import kind_of
from sirecords.portal.models import PortalState
from sirecords.portal.transactions import account_named
from sirecords.users.credentials import device_digest, is_sealed, password_digest
from sirecords.users.models import SealedTOTPDevice


@register_check
def portal_credentials_match_the_ledger(report: Report) -> None:
    for user in get_user_model().objects.filter(username__contains=":").order_by("username").iterator():
        username = user.get_username()
        where = f"auth_user username={username}"
        account = account_named(username) if kind_of(username) else None
        if account is None:
            report.add("credentials", where, "has no portal account in the ledger (added behind its back)")
            continue
        if account.password_digest:
            if not hmac.compare_digest(password_digest(username, user.password), account.password_digest):
                report.add("credentials", where, "password hash was replaced: it is not the one the ledger recorded "
                                                 "(its digest differs)")
        elif user.has_usable_password() or user.is_active:
            report.add("credentials", where, "has a password or is active, but the ledger recorded no activation")
        if user.is_active and account.state == PortalState.LOCKED:
            report.add("credentials", where, "is active, but the ledger says the account is locked by the agency")
        confirmed = []
        for device in SealedTOTPDevice.objects.filter(user=user).order_by("pk"):
            dwhere = f"otp_totp_totpdevice pk={device.pk} ({username})"
            if not is_sealed(device.key):
                report.add("credentials", dwhere, "TOTP seed is stored in clear (not sealed)")
            if not device.confirmed:
                continue
            confirmed.append(device)
            if not (account.second_factor_digest and hmac.compare_digest(device_digest(username, device),
                                                                         account.second_factor_digest)):
                report.add("credentials", dwhere, "TOTP seed or settings were replaced, or the device was added: it is "
                                                  "not the authenticator the ledger recorded (its digest differs)")
        if account.second_factor_digest and not confirmed:
            report.add("credentials", where, "the authenticator the ledger recorded is missing")

"""`verify` checks of the users app.

- No account holds an administrator role together with any other (第二十八条(二)). Grants are refused at the
  door; this finds a combination that got into the data some other way.
- Every role that reaches personal data, and every API token, in force was approved by a business-side
  approver other than the administrator who carried it out (第二十六条), or is the recorded first-approver
  bootstrap: read from the review trail the ledger's `transaction.posted` entry keeps.
- The credential tables hold what the ledger recorded (users/credentials.py): each auth_user belongs to a staff
  account, its active flag is the account's, its password hash has the digest the ledger last recorded; each
  confirmed TOTP device is the one the ledger recorded, its seed sealed. (users_api_token is a projection:
  its token_sha256 is compared with the ledger by the projection check.)
"""

from __future__ import annotations

import hmac
import json

from django.contrib.auth import get_user_model

from sirecords.ledger.models import Entry
from sirecords.ledger.verify import Report, register_check
from sirecords.transactions.kinds import TRANSACTION_POSTED
from sirecords.users.credentials import device_digest, is_sealed, password_digest
from sirecords.users.models import ApiToken, RoleGrant, SealedTOTPDevice, StaffAccount
from sirecords.users.roles import ADMIN_ROLES, APPROVED_ROLES


@register_check
def administrators_hold_no_other_role(report: Report) -> None:
    held: dict[str, set[str]] = {}
    for username, role in RoleGrant.objects.filter(revoked_on__isnull=True).values_list("account_id", "role"):
        held.setdefault(username, set()).add(role)
    for username, roles in sorted(held.items()):
        if roles & ADMIN_ROLES and roles - ADMIN_ROLES:
            report.add("roles", f"users_account pk={username}",
                       f"holds {', '.join(sorted(roles & ADMIN_ROLES))} together with {', '.join(sorted(roles - ADMIN_ROLES))} "
                       f"(第二十六条, 第二十八条(二))")


def _unapproved(seqs: set[int], chunk: int = 5000) -> dict[int, str]:
    """Why each entry #seq of `seqs` was not approved by someone other than its actor (entries approved are left out):
    the entries and their transactions' `transaction.posted` entries read in a few queries, not two per grant."""
    entries: dict[int, dict] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), chunk):
        for row in Entry.objects.filter(seq__in=ordered[start:start + chunk]).values("seq", "txn", "actor"):
            entries[row["seq"]] = row
    txns = sorted({row["txn"] for row in entries.values()})
    posted: dict[str, str] = {}
    for start in range(0, len(txns), chunk):
        rows = (Entry.objects.filter(txn__in=txns[start:start + chunk], kind=TRANSACTION_POSTED).order_by("seq")
                .values_list("txn", "payload"))
        for txn, payload in rows:
            posted.setdefault(txn, payload)
    why: dict[int, str] = {}
    for seq in ordered:
        entry = entries.get(seq)
        if entry is None:
            why[seq] = f"its entry #{seq} is missing"
            continue
        try:
            review = json.loads(posted.get(entry["txn"]) or "{}").get("review") or []
        except ValueError:
            why[seq] = f"the review trail of entry #{seq} is unreadable"
            continue
        if not any(step.get("decision") == "approve" and step.get("actor") not in ("", entry["actor"]) for step in review):
            why[seq] = f"entry #{seq} was posted by {entry['actor']} without a business-side approval (第二十六条)"
    return why


@register_check
def powers_were_approved(report: Report) -> None:
    grants = list(RoleGrant.objects.filter(revoked_on__isnull=True, role__in=APPROVED_ROLES, bootstrap=False)
                  .order_by("uid").values_list("uid", "account_id", "role", "last_seq"))
    tokens = list(ApiToken.objects.filter(revoked_on__isnull=True).order_by("uid").values_list("uid", "account_id", "last_seq"))
    why = _unapproved({row[-1] for row in grants} | {row[-1] for row in tokens})
    for uid, username, role, seq in grants:
        if seq in why:
            report.add("roles", f"users_role_grant pk={uid}", f"{role} of {username}: {why[seq]}")
    for uid, username, seq in tokens:
        if seq in why:
            report.add("roles", f"users_api_token pk={uid}", f"token of {username}: {why[seq]}")


PORTAL_MARK = ":"  # in every portal username (portal/credentials.py), in no staff one (users/transactions.py USERNAME)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


@register_check
def credentials_match_the_ledger(report: Report) -> None:
    accounts = {a.username: a for a in StaffAccount.objects.all()}
    users = {}
    for user in get_user_model().objects.order_by("username").iterator():
        users[user.pk] = user.get_username()
        if PORTAL_MARK in user.get_username():
            continue  # a portal account's user (never a staff username): portal/integrity.py checks it
        where = f"auth_user username={user.get_username()}"
        account = accounts.get(user.get_username())
        if account is None:
            report.add("credentials", where, "has no staff account in the ledger (added behind its back)")
            continue
        if user.is_active != account.active:
            report.add("credentials", where, f"is_active is {user.is_active}; the ledger gives {account.active}")
        if not _same(password_digest(user.get_username(), user.password), account.password_digest):
            report.add("credentials", where, "password hash was replaced: it is not the one the ledger recorded "
                                             "(its digest differs)")
    for username in sorted(set(accounts) - set(users.values())):
        report.add("credentials", f"users_account pk={username}", "has no auth_user row (deleted behind the ledger's back)")
    confirmed: set[str] = set()
    for device in SealedTOTPDevice.objects.order_by("pk").iterator():
        username = users.get(device.user_id, "")
        if PORTAL_MARK in username:
            continue
        where = f"otp_totp_totpdevice pk={device.pk} ({username or f'user id {device.user_id}'})"
        if not is_sealed(device.key):
            report.add("credentials", where, "TOTP seed is stored in clear (not sealed)")
        if not device.confirmed:
            continue  # an enrolment in progress verifies nothing until confirmed (and then recorded)
        confirmed.add(username)
        account = accounts.get(username)
        if account is None or not _same(device_digest(username, device), account.second_factor_digest):
            report.add("credentials", where, "TOTP seed or settings were replaced, or the device was added: it is not "
                                             "the authenticator the ledger recorded (its digest differs)")
    for username, account in sorted(accounts.items()):
        if account.second_factor_digest and username not in confirmed:
            report.add("credentials", f"users_account pk={username}",
                       "the authenticator the ledger recorded is missing (deleted or replaced behind its back)")

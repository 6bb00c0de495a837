"""Demo staff: one account per role (and a reviewer with two stage roles, to show that one person acts
on one stage only), made the way a real installation makes them (第二十六条): the shell creates the first
system administrator; that administrator grants the first approver, once, as the recorded bootstrap of the
installation; every other role is granted at the agency's request and approved by that approver.

Every demo account has a TOTP device with a key derived from its name (recorded in the ledger like any
enrolment), so `sirecords demo --totp NAME` can print the current code. Real accounts enrol their own device.

`open_approved` and `approver` are also how the tests and the benches make staff."""

from __future__ import annotations

import hashlib
from datetime import date

from django_otp.oath import TOTP

from sirecords.transactions.actors import Actor
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for, operator
from sirecords.users.models import RoleGrant, SealedTOTPDevice
from sirecords.users.roles import APPROVER
from sirecords.workflow.services import execute, review

DEMO_PASSWORD = "Demo-2026-sirecords"  # nosec B105 # the demo's published password (README), demo settings only
DEMO_DEVICE = "demo"
REGION = "440300"
EXTERNAL_FIRM = "深圳数维信息技术有限公司"

# username → (display name, roles, organisation)
STAFF: dict[str, tuple[str, tuple[str, ...], str]] = {
    "admin.wang": ("王系统", ("sysadmin",), ""),
    "dba.zhao": ("赵数据库", ("dba",), ""),
    "clerk.li": ("李经办", ("clerk",), ""),
    "clerk.chen": ("陈经办", ("clerk",), ""),
    "review1.zhang": ("张初审", ("reviewer1",), ""),
    "review2.liu": ("刘审核", ("reviewer2",), ""),
    "review3.huang": ("黄复核", ("reviewer3",), ""),
    "approve.zhou": ("周审批", ("approver",), ""),
    "review.multi": ("吴双岗", ("reviewer1", "reviewer2"), ""),
    "maint.wu": ("吴维护", ("maintainer",), ""),
    "ext.sun": ("孙外协", ("maintainer",), EXTERNAL_FIRM),
    "query.he": ("何查询", ("query_officer",), ""),
    "super.lin": ("林监督", ("supervisor",), ""),
}
REVIEWERS = {"review1": "review1.zhang", "review2": "review2.liu", "review3": "review3.huang", "approval": "approve.zhou"}
FIRST_APPROVER = "approve.zhou"
REQUEST = "演示-人社经办〔2026〕1号"  # the agency's (demo) request the accounts were made at


def demo_key(username: str) -> str:
    return hashlib.sha256(f"sirecords-demo-totp:{username}".encode()).hexdigest()[:40]


def current_code(username: str) -> str:
    device = SealedTOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE).first()
    if device is None:
        raise LookupError(f"{username} has no demo authenticator (only demo accounts do)")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def open_approved(admin: Actor, approver: Actor, username: str, display_name: str, *, roles: tuple[str, ...] = (),
                  region: str = REGION, reason: str, request_ref: str, channel: str = "web", **account) -> staff_accounts.NewAccount:
    """Create the account at the agency's request, and have `approver` approve each grant that waits for one."""
    created = staff_accounts.create_account(admin, username, display_name, region=region, reason=reason, channel=channel,
                                            roles=roles, request_ref=request_ref, **account)
    for txn in created.awaiting:
        review(approver, txn, "approve", "按经办机构申请 / as the agency requested")
    return created


def sysadmin(username: str, *, reason: str, password: str | None = None, os_user: str = "demo-loader",
             display_name: str = "", region: str = REGION) -> Actor:
    """The system administrator `username` (of `region`), made if need be: by the shell's operator on a fresh
    installation (the first), else by an active system administrator, as on a real one."""
    found = actor_for(username)
    if found is None:
        other = (RoleGrant.objects.filter(role="sysadmin", revoked_on__isnull=True, account__active=True)
                 .values_list("account_id", flat=True).first())
        staff_accounts.create_account(actor_for(other) if other else operator(os_user), username, display_name or username,
                                      region=region, reason=reason, channel="cli", roles=("sysadmin",), password=password)
        found = actor_for(username)
    return found


def approver(admin: Actor, username: str, *, region: str = REGION, reason: str, request_ref: str, display_name: str = "",
             password: str | None = None, first_reason: str = "") -> Actor:
    """An active approver named `username` in `region` (the admin's): made if need be, by the first-approver bootstrap
    on a fresh install (with `first_reason`), else approved by an approver already there."""
    found = actor_for(username)
    if found is not None and found.has(APPROVER, region):
        return found
    if found is None:
        staff_accounts.create_account(admin, username, display_name or username, region=region, reason=reason,
                                      channel="cli", password=password, request_ref=request_ref)
    if not RoleGrant.objects.filter(role=APPROVER).exists():
        staff_accounts.grant_first_approver(admin, username, region=region, reason=first_reason or reason, channel="cli",
                                            request_ref=request_ref)
    else:
        other = (RoleGrant.objects.filter(role=APPROVER, region=region, revoked_on__isnull=True, account__active=True)
                 .exclude(account_id=username).values_list("account_id", flat=True).first())
        if other is None:
            raise LookupError(f"no approver in {region} to approve {username} as one")
        txn = staff_accounts.grant(admin, username, APPROVER, region=region, reason=reason, channel="cli",
                                   request_ref=request_ref)
        review(actor_for(other), txn, "approve", "按经办机构申请 / as the agency requested")
    return actor_for(username)


def create_staff(region: str = REGION) -> None:
    """Every demo account, with its roles in `region` (the same names and roles in each demo region)."""
    reason = "演示账号 / demo account"
    admin = sysadmin("admin.wang", display_name=STAFF["admin.wang"][0], reason=reason, password=DEMO_PASSWORD, region=region)
    first = approver(admin, FIRST_APPROVER, region=region, display_name=STAFF[FIRST_APPROVER][0], password=DEMO_PASSWORD,
                     reason=reason, request_ref=REQUEST, first_reason="首位审批员（安装时） / the installation's first approver")
    for username, (display, roles, organisation) in STAFF.items():
        if username in ("admin.wang", FIRST_APPROVER):
            continue
        open_approved(admin, first, username, display, roles=roles, region=region, reason=reason, request_ref=REQUEST,
                      organisation=organisation, password=DEMO_PASSWORD)
    execute(admin, "record_agreement", {"username": "ext.sun", "organisation": EXTERNAL_FIRM, "signed_on": "2026-01-05",
                                        "expires_on": "2027-12-31"}, region=region, reason="外协维护保密协议 / agreement on file",
            channel="web")
    _actors.clear()
    for username in STAFF:
        staff_accounts.enrol_authenticator(username, key=demo_key(username), name=DEMO_DEVICE, actor=admin,
                                           reason="演示认证器 / demo authenticator", channel="cli")


_actors: dict[str, Actor] = {}


def actor(username: str) -> Actor:
    """The demo staff member as an Actor. Cached for the load: the demo's roles do not change once created."""
    if username not in _actors:
        found = actor_for(username)
        if found is None:
            raise LookupError(username)
        _actors[username] = found
    return _actors[username]


def today() -> date:
    return date.today()

"""Demo staff: one account per role (and a reviewer with two stage roles, to show that one person acts
on one stage only). Every demo account has a TOTP device with a key derived from its name, so
`sirecords demo --totp NAME` can print the current code. Real accounts enrol their own device."""

from __future__ import annotations

import hashlib
from datetime import date

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sirecords.transactions.actors import Actor
from sirecords.users import services as staff_accounts
from sirecords.users.actors import actor_for, operator
from sirecords.workflow.services import execute

DEMO_PASSWORD = "Demo-2026-sirecords"
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


def demo_key(username: str) -> str:
    return hashlib.sha256(f"sirecords-demo-totp:{username}".encode()).hexdigest()[:40]


def current_code(username: str) -> str:
    device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE).first()
    if device is None:
        raise LookupError(f"{username} has no demo authenticator (only demo accounts do)")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def create_staff() -> None:
    sysadmin_cli = operator("demo-loader")
    reason = "演示账号 / demo account"
    staff_accounts.create_account(sysadmin_cli, "admin.wang", STAFF["admin.wang"][0], region=REGION, reason=reason,
                            channel="cli", roles=("sysadmin",), password=DEMO_PASSWORD)
    admin = actor_for("admin.wang")
    for username, (display, roles, organisation) in STAFF.items():
        if username == "admin.wang":
            continue
        staff_accounts.create_account(admin, username, display, region=REGION, reason=reason, channel="web", roles=roles,
                                organisation=organisation, password=DEMO_PASSWORD)
    execute(admin, "record_agreement", {"username": "ext.sun", "organisation": EXTERNAL_FIRM, "signed_on": "2026-01-05",
                                        "expires_on": "2027-12-31"}, region=REGION, reason="外协维护保密协议 / agreement on file",
            channel="web")
    _actors.clear()
    for user in get_user_model().objects.filter(username__in=STAFF):
        TOTPDevice.objects.create(user=user, name=DEMO_DEVICE, key=demo_key(user.username), confirmed=True)


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

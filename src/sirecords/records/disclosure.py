"""Who read my record (第二十一条, 第二十二条; issue 10): every read of a person's data by staff, an employer or a
third party, as the person may see it — the date, the organisation and the role (never the staff member's name), the
channel and the purpose — and the reads of the person's own record through the portal, logged but not listed back.

Reads that an administrative or judicial body ordered kept from the person (第十八条: a reviewed
`withhold_read_disclosure`, records/transactions.py) appear only from the order's disclosure date. The filtering
is here, once: the portal page and the API both call `reads_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sirecords.records.access_log import record_access
from sirecords.records.limits import REFUSED
from sirecords.records.models import AccessEvent, WithheldReads
from sirecords.records.purposes import label as purpose_label
from sirecords.records.reads import READING_ROLES, subjects_of
from sirecords.registry.models import Employer, Person
from sirecords.users.models import AccountKind, RoleGrant, StaffAccount
from sirecords.users.roles import ROLES

# The access-log actor of a portal account (portal/): "person:<uid>" for the insured person, "employer:<employer
# uid>:<user name>" for an employer's user. Staff user names never hold ':' (users/transactions.USERNAME).
PERSON_ACTOR = "person:"
EMPLOYER_ACTOR = "employer:"
LOOKUP = "look-up:"  # a look-up of a number nobody was registered with: no data of the person was read

# The purposes of the portal's own reads (not chosen by staff, so not in SIRECORDS_READ_PURPOSES).
PORTAL_PURPOSES = {
    "self": ("本人查询（第十五条）", "the insured person's own query (第十五条)"),
    "employer": ("用人单位查询本单位职工的参保缴费记录（第十四条）",
                 "an employer's query of its employees' registration and contributions (第十四条)"),
}
CHANNELS = {
    "web": ("经办机构业务系统", "the agency's staff pages"),
    "counter": ("服务窗口", "service counter"),
    "api": ("系统接口", "system interface (API)"),
    "portal": ("网上服务", "online service"),
    "terminal": ("自助终端", "self-service terminal"),
    "phone": ("电话", "telephone"),
}


def _in_language(pair: tuple[str, str]) -> str:
    return pair[1] if (get_language() or "zh-hans").startswith("en") else pair[0]


def person_actor(person: Person) -> str:
    return f"{PERSON_ACTOR}{person.uid}"


def employer_actor(employer_uid: str, username: str) -> str:
    return f"{EMPLOYER_ACTOR}{employer_uid}:{username}"


def record_own_read(person: Person, what: str, channel: str) -> None:
    """The person read their own record (portal page or API): in the access log like every read of it."""
    record_access(person_actor(person), f"person:{person.uid}", what, channel, f"self: {PORTAL_PURPOSES['self'][1]}")


def record_employer_read(employer_uid: str, username: str, person_uid: str, what: str, channel: str) -> None:
    """An employer's user read an employee's registration and contributions (within its scope: queries/)."""
    record_access(employer_actor(employer_uid, username), f"person:{person_uid}", what, channel,
                  f"employer: {PORTAL_PURPOSES['employer'][1]}")


@dataclass(frozen=True)
class Order:
    reference: str
    disclose_on: str

    def hides(self, event: AccessEvent, today: str) -> bool:
        return today < self.disclose_on and event.purpose.startswith(f"case [{self.reference}]")


def withholding_orders(person: Person) -> list[Order]:
    return [Order(reference, disclose_on) for reference, disclose_on in
            WithheldReads.objects.filter(person_id=person.uid).values_list("reference", "disclose_on")]


def _role_at(grants: list[tuple[str, date, date | None, str]], region: str, day: str) -> str:
    """The reading roles held in `region` on `day`, by name, from the account's grant history."""
    held = {role for role, granted, revoked, where in grants
            if where == region and granted.isoformat() <= day and (revoked is None or revoked.isoformat() > day)}
    names = [_in_language(ROLES[role]) for role in sorted(held, key=list(ROLES).index) if role in ROLES]
    return "、".join(names) or _("agency staff")


class _Names:
    """Organisation and role names of the actors of a page of reads, each looked up once."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.accounts: dict[str, StaffAccount | None] = {}
        self.employers: dict[str, str] = {}
        self.grants: dict[str, list] = {}

    def organisation(self, actor: str) -> str:
        if actor.startswith(EMPLOYER_ACTOR):
            uid = actor.removeprefix(EMPLOYER_ACTOR).split(":", 1)[0]
            if uid not in self.employers:
                self.employers[uid] = (Employer.objects.filter(uid=uid).values_list("name", flat=True).first()
                                       or _("an employer"))
            return self.employers[uid]
        account = self._account(actor)
        if account is not None and account.organisation:
            return account.organisation
        return _("Social insurance agency of region {region}").format(region=self.person.pooling_region)

    def role(self, actor: str, day: str) -> str:
        if actor.startswith(EMPLOYER_ACTOR):
            return _("employer's user")
        account = self._account(actor)
        if account is not None and account.kind == AccountKind.SERVICE:
            return _("system of {name}").format(name=account.display_name)
        if actor not in self.grants:  # one query per reader, not per read
            self.grants[actor] = list(RoleGrant.objects.filter(account_id=actor, role__in=READING_ROLES).values_list(
                "role", "granted_on", "revoked_on", "region"))
        return _role_at(self.grants[actor], self.person.pooling_region, day)

    def _account(self, username: str) -> StaffAccount | None:
        if username not in self.accounts:
            self.accounts[username] = StaffAccount.objects.filter(pk=username).first()
        return self.accounts[username]


def _purpose(stored: str) -> str:
    """The purpose as the person reads it: the configured label and the reader's stated detail, not the internal
    reference (a case or transaction number)."""
    code = stored.split(":", 1)[0].split(" [", 1)[0].strip()
    detail = stored.split(": ", 1)[1] if ": " in stored else ""
    if code in PORTAL_PURPOSES:
        return _in_language(PORTAL_PURPOSES[code])
    named = purpose_label(code)
    return f"{named}：{detail}" if detail and detail != named else named


def _channel(code: str) -> str:
    return _in_language(CHANNELS[code]) if code in CHANNELS else code


def reads_of(person: Person, *, today: date | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The reads of `person`'s data by others, newest first: staff (pages, counter, API), employers and the systems
    of third parties. Left out: the person's own reads, refused attempts (no data was shown), look-ups of the
    number before it was registered that found nobody, and reads a 第十八条 order keeps back until its date."""
    day = (today or date.today()).isoformat()
    orders = withholding_orders(person)
    own = person_actor(person)
    names = _Names(person)
    shown = []
    events = (AccessEvent.objects.filter(subject__in=subjects_of(f"person:{person.uid}")).exclude(actor=own)
              .exclude(what__startswith=REFUSED).exclude(what__startswith=LOOKUP).order_by("-seq"))
    for event in events.iterator():
        if any(order.hides(event, day) for order in orders):
            continue
        on = event.at[:10]
        shown.append({"at": event.at, "date": on, "organisation": names.organisation(event.actor),
                      "role": names.role(event.actor, on), "channel": _channel(event.channel),
                      "purpose": _purpose(event.purpose), "what": event.what})
        if len(shown) >= limit:
            break
    return shown

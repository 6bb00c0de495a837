"""The demo's portal (issue 10): accounts for three insured persons and two employers, and some reads of them by
staff, an employer and a court, so that "who read my record" has something to show.

- the worker: a demo person whose first employer's period ended and who now works for another; the first employer
  has a portal account too, and must never see her months with the second;
- the retiree: the first of the demo's retirees (pension, adjustments, payments, deemed service);
- the flexible worker (demo/flexible.py): contributions on her own, no employer;
- the mover (demo/mover.py): contributions here until 2025-06, then in the second demo region (510100), where he has
  the same login.

Every account is made as at a real agency: a query officer issues a person's activation code after checking the ID
document, a clerk opens an employer's account and a first reviewer approves it, and the holder activates with the
code, a password and an authenticator. The demo's authenticator seeds are derived from the login (demo_key), so
`sirecords demo --totp LOGIN` prints the current code; LOGIN is the ID number or the employer user's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django_otp.oath import TOTP

from sirecords.core.identifiers import InvalidIdentifier, parse_id_number
from sirecords.demo import accounts, disputes, flexible, mover, retirees
from sirecords.demo.generate import DemoData
from sirecords.portal import services as portal
from sirecords.portal.credentials import employer_username, person_username
from sirecords.portal.models import EmployerPortalAccount
from sirecords.records import disclosure, reads
from sirecords.records.purposes import implied
from sirecords.registry.models import Employer
from sirecords.registry.queries import find_person_by_id_number
from sirecords.users.models import SealedTOTPDevice

PASSWORD = accounts.DEMO_PASSWORD
CHANNEL = "counter"
# The 第十八条 case the demo's court read is under: kept from the worker for half a year.
COURT_CASE = "(2026)粤0304民初8812号"
COURT = "深圳市福田区人民法院"
# The month of her contributions the demo worker disputes (demo/disputes.py): one the demo holds.
DISPUTED_MONTH = "2025-06"


@dataclass(frozen=True)
class PortalLogin:
    kind: str  # "person" or "employer"
    login: str  # the ID number, or the employer user's name
    who: str  # what the demo shows with it
    uscc: str = ""
    label: str = ""  # what the login is for scripts (demo --logins --json): worker, retiree, flexible, mover; employer


def _worker(data: DemoData) -> tuple[int, int, int]:
    """(person index, former employer index, current employer index): the first demo person whose first employment
    ended and who works for another employer now, both within the demo's contribution years."""
    jobs: dict[int, list] = {}
    for job in sorted(data.employments, key=lambda j: (j.person_index, j.start)):
        jobs.setdefault(job.person_index, []).append(job)
    for index in sorted(jobs):
        runs = jobs[index]
        if (index < len(data.persons) - 6 and len(runs) == 2 and runs[0].end is not None and runs[1].end is None
                and runs[0].employer_index != runs[1].employer_index and runs[0].start.year >= 2013):
            return index, runs[0].employer_index, runs[1].employer_index
    raise LookupError("the demo data has no person who changed employer")


def logins(data: DemoData) -> list[PortalLogin]:
    worker, former, current = _worker(data)
    return [
        PortalLogin("person", data.persons[worker].id_number, "在职职工 worker (changed employer)", label="worker"),
        PortalLogin("person", retirees.id_number(retirees.RETIREES[0]), "退休人员 retiree", label="retiree"),
        PortalLogin("person", flexible.id_number(), "灵活就业人员 flexible worker", label="flexible"),
        PortalLogin("person", mover.id_number(), "跨地区流动人员 mover (to 成都市 510100 from 2025-07)", label=mover.LABEL),
        PortalLogin("employer", "hr.qian", "原单位 the worker's former employer", data.employers[former].uscc,
                    label="former_employer"),
        PortalLogin("employer", "hr.sun", "现单位 the worker's current employer", data.employers[current].uscc,
                    label="employer"),
    ]


def demo_key(login: str) -> str:
    return accounts.demo_key(f"portal:{login}")


def load(data: DemoData, approve, open_and_approve) -> int:
    """Make and activate the demo's portal accounts; leave some reads of the persons. Returns the accounts made.
    `approve(txn)` and `open_and_approve(clerk, type, payload)` play the reviewers (demo/load.py)."""
    officer, clerk = accounts.actor("query.he"), accounts.actor("clerk.li")
    made = 0
    for login in logins(data):
        if login.kind == "person":
            person = find_person_by_id_number(login.login)
            portal.activate_person_account(person, password=PASSWORD, actor=officer, channel=CHANNEL, key=demo_key(login.login))
        else:
            employer = Employer.objects.get(uscc=login.uscc)
            new = portal.create_employer_account(clerk, employer, login.login, f"{employer.name} 人事专员",
                                                 channel=CHANNEL, reason="单位申请开通网上服务 / the unit applied")
            approve(new.txn)
            portal.activate_with_code(new.username, new.code, password=PASSWORD, channel="web", key=demo_key(login.login))
        made += 1
    _leave_reads(data, open_and_approve)
    people = {login.label: find_person_by_id_number(login.login) for login in logins(data) if login.kind == "person"}
    disputes.load(people["worker"], people["flexible"], DISPUTED_MONTH)
    return made


def _leave_reads(data: DemoData, open_and_approve) -> None:
    """Reads of the demo persons by a query officer, a clerk, the worker's former employer, and a court whose reads
    of the worker an order keeps from her until later (第十八条)."""
    people = [find_person_by_id_number(login.login) for login in logins(data)
              if login.kind == "person" and login.label != mover.LABEL]
    officer, clerk = accounts.actor("query.he"), accounts.actor("clerk.chen")
    for person in people:
        reads.read(reads.Reader(officer, "counter"), f"person:{person.uid}", "person.record",
                   implied("counter", "本人到窗口查询缴费记录 / counter enquiry by the insured person"))
    worker, retiree = people[0], people[1]
    reads.read(reads.Reader(clerk, "phone"), f"person:{retiree.uid}", "person.record",
               implied("phone", "电话咨询养老金调整 / phone enquiry about the pension adjustment"))
    former = next(login for login in logins(data) if login.kind == "employer")
    employer = Employer.objects.get(uscc=former.uscc)
    disclosure.record_employer_read(employer.uid, former.login, worker.uid, "employee.contributions", "portal")
    reads.read(reads.Reader(clerk, "web"), f"person:{worker.uid}", "person.record",
               implied("case", "法院调查被执行人财产 / court enquiry into assets", COURT_CASE))
    open_and_approve("clerk.chen", "withhold_read_disclosure", {
        "person": worker.uid, "reference": COURT_CASE, "authority": COURT,
        "disclose_on": (accounts.today() + timedelta(days=183)).isoformat()})


def username_for(login: str) -> str | None:
    """The auth username a demo login signs in as: a person's ID number, an employer user's name, or a staff name."""
    try:
        number = parse_id_number(login).normalized
    except InvalidIdentifier:
        number = None
    if number is not None:
        person = find_person_by_id_number(number)
        return person_username(person.uid) if person is not None else None
    found = list(EmployerPortalAccount.objects.filter(user_name=login.strip().lower()).values_list("employer_uid", "user_name"))
    if len(found) == 1:
        return employer_username(*found[0])
    return None


def current_code(login: str) -> str:
    """The current TOTP code of a demo portal login (LookupError when it is none)."""
    username = username_for(login)
    device = SealedTOTPDevice.objects.filter(user__username=username, confirmed=True).first() if username else None
    if device is None:
        raise LookupError(f"{login} is no demo portal login (an ID number or employer user name with an account)")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"

"""Loading the demo through the same reviewed business transactions the front desk uses: a clerk
opens each one with its original document, and the reviewers of each required stage approve it.
A few transactions are left waiting at each stage, so every queue has work in it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection

from sirecords.core.identifiers import make_uscc
from sirecords.core.periods import Month
from sirecords.demo import accounts, arrears, chengdu, contributions, flexible, mover, portal, recomputed, retirees
from sirecords.demo.crew import approve_stages
from sirecords.demo.documents import scan
from sirecords.demo.generate import DemoData, generate
from sirecords.ledger.append import COLUMNS
from sirecords.ledger.reading import entry_rows
from sirecords.registry.models import Person
from sirecords.transactions.kinds import TRANSACTION_POSTED
from sirecords.transactions.posting import transaction_type_named
from sirecords.workflow import services
from sirecords.workflow.models import BusinessTransaction

REASON = "演示数据 / demo data"
REGION = accounts.REGION


def already_loaded() -> bool:
    return Person.objects.exists()


def _open(clerk: str, kind: str, payload: dict[str, Any], region: str = REGION) -> BusinessTransaction:
    actor = accounts.actor(clerk)
    txn = services.open_transaction(actor, kind, payload, region=region, reason=REASON, channel="counter")
    for document in [group[0] for group in transaction_type_named(kind).requirements]:  # one of each group
        services.attach(actor, txn, document, scan(f"{document} for {kind} {txn.uid[:8]}"), f"{document}.pdf")
    return services.submit(actor, txn)


def _approve(txn: BusinessTransaction, until: int | None = None) -> BusinessTransaction:
    """Approve stage by stage, each by its own reviewer; stop before stage index `until`."""
    return approve_stages(txn, lambda stage: accounts.actor(accounts.REVIEWERS[stage]),
                          "材料齐全，信息一致 / documents complete", until=until)


def _posted(clerk: str, kind: str, payload: dict[str, Any], key: str, region: str = REGION) -> str:
    txn = _approve(_open(clerk, kind, payload, region))
    return services.payload_of(txn).get(key) or _created_uid(txn, key)


def _created_uid(txn: BusinessTransaction, key: str) -> str:
    """The uid the posting gave the record it created: in its first entry (the last is its transaction.posted)."""
    row = next(entry_rows(after=txn.posted_seq - 1, up_to=txn.posted_seq))
    if row[COLUMNS.index("txn")] != txn.uid or row[COLUMNS.index("kind")] == TRANSACTION_POSTED:
        raise LookupError(f"entry #{txn.posted_seq} is not the first entry posted by {txn.uid}")
    return json.loads(row[COLUMNS.index("payload")])[key]


@contextmanager
def commits_without_waiting_for_the_disk() -> Iterator[None]:
    """The load's commits are not each waited for on disk; everything is on disk when it ends.

    The demo load is one job of some 6,000 small commits (each service call of each reviewed transaction), which
    with every commit flushed to disk (settings: SQLite synchronous=FULL) spends most of its time waiting for
    fsync. During the load only: SQLite in WAL mode with synchronous=NORMAL (the write-ahead log is flushed at each
    WAL checkpoint, not at each commit: the database cannot be corrupted, but a power cut may lose the last
    commits), PostgreSQL with synchronous_commit off (the same trade, made by the server). Nothing of what is
    written changes: the same transactions, entries, signatures and checkpoints. A load cut short by a power cut is
    incomplete whatever the setting: the demo is loaded again from an empty SIRECORDS_HOME (`rm -rf var`). At the
    end the SQLite log is checkpointed into the database file and flushed (wal_checkpoint(FULL)) and the
    connection goes back to the durable setting the served instance uses."""
    vendor = connection.vendor if not connection.in_atomic_block else ""  # (SQLite refuses it inside a transaction)
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            before = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous=NORMAL")
        elif vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute(f"PRAGMA synchronous={int(before)}")
                cursor.execute("PRAGMA wal_checkpoint(FULL)")
            elif vendor == "postgresql":
                cursor.execute("RESET synchronous_commit")


def load(data: DemoData | None = None) -> dict[str, int]:
    """The demo of this home's region: the second demo region's (chengdu.REGION, 510100) when SIRECORDS_REGION names
    it, else the first demo's (440300, from `data`)."""
    with commits_without_waiting_for_the_disk():
        if settings.SIRECORDS_REGION == chengdu.REGION:
            return chengdu.load(partial(_posted, region=chengdu.REGION), _approve)
        return _load(data or generate())


def logins() -> list[portal.PortalLogin]:
    """The portal logins of this home's demo (see `load`)."""
    if settings.SIRECORDS_REGION == chengdu.REGION:
        return chengdu.logins()
    return portal.logins(generate())


SCHOOL = {"uscc": make_uscc("1", "2", "440305", "MB2C0000"), "name": "深圳市南山区实验学校", "address": "广东省深圳市南山区学府路1号",
          "region": "440305", "registered_on": "2000-09-01", "scheme": "public_institution"}


def _public_institution(persons: list[str], jobs, first_start: dict[int, date]) -> None:
    """A school in the public-institution pension scheme (AAE140 120), which has employed since 2026 two demo persons
    whose earlier jobs ended: the staffing authority's establishment list is compared with it (examples/feeds)."""
    school = _posted("clerk.li", "register_employer", SCHOOL, "employer")
    still_employed = {job.person_index for job in jobs if job.end is None}
    for index in [i for i in sorted(first_start) if i < len(persons) and i not in still_employed][:2]:
        _posted("clerk.li", "start_employment", {"person": persons[index], "employer": school, "start": "2026-01-01"},
                "employment")


def _load(data: DemoData) -> dict[str, int]:
    accounts.create_staff()
    first_start: dict[int, date] = {}
    employer_first: dict[int, date] = {}
    for job in data.employments:
        first_start[job.person_index] = min(job.start, first_start.get(job.person_index, job.start))
        employer_first[job.employer_index] = min(job.start, employer_first.get(job.employer_index, job.start))
    clerks = ("clerk.li", "clerk.chen")
    employers = [
        _posted(clerks[i % 2], "register_employer", {"uscc": e.uscc, "name": e.name, "address": e.address, "region": e.region,
                "registered_on": employer_first.get(i, date(2000, 1, 1)).isoformat()}, "employer")
        for i, e in enumerate(data.employers)
    ]
    persons = [
        _posted(clerks[i % 2], "register_person", {"id_number": p.id_number, "name": p.name, "phone": p.phone,
                "address": p.address, "region": p.region,
                "registered_on": first_start.get(i, date(2020, 1, 1)).isoformat()}, "person")
        for i, p in enumerate(data.persons[:-6])
    ]
    jobs = [job for job in data.employments if job.person_index < len(persons)]
    for job in jobs:
        employment = _posted(clerks[job.person_index % 2], "start_employment",
                             {"person": persons[job.person_index], "employer": employers[job.employer_index],
                              "start": job.start.isoformat()}, "employment")
        if job.end is not None:
            _posted(clerks[job.person_index % 2], "end_employment", {"employment": employment, "end": job.end.isoformat()},
                    "employment")
    _public_institution(persons, jobs, first_start)
    retiree_uids = [_posted("clerk.li", "register_person", payload, "person") for payload in retirees.registrations()]
    for uid, retiree in zip(retiree_uids, retirees.RETIREES, strict=True):
        employment = _posted("clerk.li", "start_employment", {"person": uid, "employer": employers[0], "start": "2012-01-01"},
                             "employment")
        _posted("clerk.li", "end_employment", {"employment": employment, "end": _month_end(retirees.last_paid_month(retiree))},
                "employment")
    worker = _posted("clerk.chen", "register_person", flexible.registration(), "person")  # contributes on her own: no employer
    _mover()
    contributions.load_parameters(_approve)  # first: every computation below uses only sets the ledger holds
    deemed = retirees.recognise_deemed_service(retiree_uids, _open_and_approve)
    retired = []
    paid = contributions.load(
        data, len(persons), _approve,
        extra_rows=retirees.collection_rows(data.employers[0].uscc, contributions.FIRST_YEAR, contributions.LAST_YEAR)
        + arrears.left_in_arrears(flexible.collection_rows(contributions.LAST_YEAR), flexible.id_number(), contributions.LAST_YEAR)
        + mover.collection_rows(REGION, accounts.today()),
        before_crediting=lambda year: (_pay_late(worker, year),
                                       retired.append(retirees.approve_retirements(year, retiree_uids, _open_and_approve))))
    retired.append(retirees.approve_retirements(contributions.LAST_YEAR + 1, retiree_uids, _open_and_approve))
    # Paid up to the recomputation (demo/recomputed.py), then on to this month: its run pays the back pay.
    today = Month(date.today().year, date.today().month)
    pensions = retirees.pay_and_adjust(min(recomputed.BEFORE_RUN - 1, today), _approve)
    awards_recomputed = recomputed.recompute(retiree_uids, _open_and_approve) if today >= recomputed.BEFORE_RUN else 0
    later = retirees.pay_and_adjust(today, _approve, start=recomputed.BEFORE_RUN) if today >= recomputed.BEFORE_RUN else {}
    pensions = {key: pensions[key] + later.get(key, 0) for key in pensions}
    subsidised = retirees.grant_subsidies(persons, _open_and_approve)
    portal_accounts = portal.load(data, _approve, _open_and_approve)
    waiting = _leave_waiting(data)
    return {"persons": len(persons) + len(retiree_uids) + 2, "employers": len(employers) + 1,
            "employments": len(jobs) + len(retiree_uids) + 1,
            "waiting": waiting, **paid, "deemed_service": deemed, "retirements": sum(retired), **pensions,
            "recomputed_awards": awards_recomputed,
            "subsidies": subsidised, "portal_accounts": portal_accounts}


def _mover() -> None:
    """The mover (demo/mover.py) in this region: registered, employed from his first month to the last he spent here."""
    employer = _posted("clerk.li", "register_employer", mover.EMPLOYERS[REGION], "employer")
    person = _posted("clerk.chen", "register_person", mover.registration(REGION), "person")
    first, last = mover.months(REGION, accounts.today())
    employment = _posted("clerk.chen", "start_employment", {"person": person, "employer": employer, "start": f"{first}-01"},
                         "employment")
    _posted("clerk.chen", "end_employment", {"employment": employment, "end": _month_end(last)}, "employment")


def _pay_late(worker: str, year: int) -> None:
    """The flexible worker's month left in arrears by the collection file, paid at the counter before her year is credited."""
    if year == contributions.LAST_YEAR:
        arrears.pay(worker, year, _open_and_approve)


def _open_and_approve(clerk: str, kind: str, payload: dict[str, Any]) -> BusinessTransaction:
    return _approve(_open(clerk, kind, payload))


def _month_end(month: Month) -> str:
    after = month + 1
    return (date(after.year, after.month, 1) - timedelta(days=1)).isoformat()


def _leave_waiting(data: DemoData) -> int:
    """The last six demo persons: registrations waiting at each stage, one returned, one still a draft."""
    rest = data.persons[-6:]
    payloads = [{"id_number": p.id_number, "name": p.name, "phone": p.phone, "address": p.address, "region": p.region}
                for p in rest]
    for stages_done, payload in enumerate(payloads[:4]):
        _approve(_open("clerk.li", "register_person", payload), until=stages_done)
    returned = _open("clerk.chen", "register_person", payloads[4])
    services.review(accounts.actor("review1.zhang"), returned, "reject", "身份证复印件不清晰，请重新扫描 / ID card scan unreadable")
    services.open_transaction(accounts.actor("clerk.li"), "register_person", payloads[5], region=REGION, reason=REASON,
                              channel="counter")
    person = Person.objects.order_by("uid").first()
    correction = services.open_transaction(
        accounts.actor("maint.wu"), "correction",
        {"target": "person", "uid": person.uid, "changes": {"address": "广东省深圳市福田区福华一路1号"},
         "method": "依据户籍证明更正地址 / corrected from the household register"},
        region=REGION, reason="参保人反映地址有误 / the insured person reported a wrong address", channel="counter")
    services.attach(accounts.actor("maint.wu"), correction, "evidence", scan("household register extract"), "evidence.pdf")
    services.submit(accounts.actor("maint.wu"), correction)
    return 7

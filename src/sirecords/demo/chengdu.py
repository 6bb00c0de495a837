"""The second demo region, 成都市 (510100): `SIRECORDS_REGION=510100 sirecords demo --load-only` in a home of its own,
the other end of a transfer from the first demo region (深圳市, 440300; README: a transfer between two demo regions).

Small and quick to load, through the same reviewed transactions as the first demo: the same staff (names and roles, in
510100), the region's parameter sets (engine/data/510100, demo values), two employers, three local insured persons
contributing since January of FIRST_YEAR, and the mover (demo/mover.py), registered here on 2025-07-01 and contributing
through his new employer from 2025-07 to the last complete month; every complete year credited; the mover's portal
account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sirecords.core.identifiers import make_id_number, make_uscc
from sirecords.core.periods import Month
from sirecords.demo import accounts, contributions, mover
from sirecords.demo.portal import PASSWORD, PortalLogin, demo_key
from sirecords.portal import services as portal
from sirecords.registry.queries import find_person_by_id_number

REGION = mover.CHENGDU
FIRST_YEAR = 2025  # the first year of the local persons' contributions here


@dataclass(frozen=True)
class LocalPerson:
    name: str
    birth: date
    sequence: int  # GB 11643: odd male, even female
    region: str  # household register (GB/T 2260), in Chengdu
    address: str
    employer: int  # index in EMPLOYERS
    wage_fen: int  # monthly wage in January of FIRST_YEAR


EMPLOYERS = (
    mover.EMPLOYERS[REGION],
    {"uscc": make_uscc("9", "1", "510106", "MA6D2231"), "name": "成都天府蓉欧供应链管理有限公司",
     "address": "四川省成都市金牛区一环路北三段9号", "region": "510106", "registered_on": "2015-09-01"},
)
LOCALS = (
    LocalPerson("王建川", date(1982, 4, 9), 131, "510104", "四川省成都市锦江区春熙路18号5栋402", 0, 900_000),
    LocalPerson("李雪梅", date(1991, 11, 23), 242, "510107", "四川省成都市武侯区科华北路65号2栋1103", 1, 780_000),
    LocalPerson("杨涛", date(1978, 8, 30), 353, "510106", "四川省成都市金牛区一环路北三段9号7栋601", 1, 650_000),
)


def id_number(person: LocalPerson) -> str:
    return make_id_number(person.region, person.birth, person.sequence)


def logins() -> list[PortalLogin]:
    return [PortalLogin("person", mover.id_number(), "跨地区流动人员 mover (深圳市 2016-01–2025-06, 成都市 from 2025-07)",
                        label=mover.LABEL)]


def _local_rows(today: date) -> list[tuple[str, str, str, str, int, str]]:
    """The local persons' pension months from January of FIRST_YEAR to the last complete month, paid the next month."""
    rows, last = [], Month(today.year, today.month) - 1
    for person in LOCALS:
        month = Month(FIRST_YEAR, 1)
        while month <= last:
            wage = int(person.wage_fen * (1.05 ** (month.year - FIRST_YEAR))) // 100 * 100
            paid = min(date.fromisoformat(f"{month + 1}-15"), today)
            rows.append((id_number(person), EMPLOYERS[person.employer]["uscc"], str(month), "pension", wage, paid.isoformat()))
            month += 1
    return rows


def load(posted: Callable[[str, str, dict[str, Any], str], str], approve) -> dict[str, int]:
    """`posted(clerk, type, payload, key)` opens a transaction in 510100, has it approved and returns the uid it made
    (`key`); `approve(txn)` plays the reviewers (demo/load.py)."""
    today = accounts.today()
    accounts.create_staff(REGION)
    employers = [posted("clerk.li", "register_employer", employer, "employer") for employer in EMPLOYERS]
    for person in LOCALS:
        uid = posted("clerk.chen", "register_person", {
            "id_number": id_number(person), "name": person.name, "phone": f"1350000{person.sequence:04d}",
            "address": person.address, "region": person.region, "registered_on": f"{FIRST_YEAR}-01-01"}, "person")
        posted("clerk.chen", "start_employment", {"person": uid, "employer": employers[person.employer],
                                                   "start": f"{FIRST_YEAR}-01-01"}, "employment")
    moved = posted("clerk.li", "register_person", mover.registration(REGION), "person")
    posted("clerk.li", "start_employment", {"person": moved, "employer": employers[0], "start": mover.JOINED.isoformat()},
           "employment")
    years = range(FIRST_YEAR, today.year + 1)
    loaded = contributions.load_parameters(approve, region=REGION, years=years)
    rows = _local_rows(today) + mover.collection_rows(REGION, today)
    contributions.import_rows(rows, approve, file_name=f"demo-collection-{REGION}.csv", region=REGION)
    credited = sum(contributions.credit(year, approve, region=REGION) for year in years if year < today.year)
    for login in logins():
        portal.activate_person_account(find_person_by_id_number(login.login), password=PASSWORD,
                                       actor=accounts.actor("query.he"), channel="counter", key=demo_key(login.login))
    return {"persons": len(LOCALS) + 1, "employers": len(employers), "employments": len(LOCALS) + 1, "waiting": 0,
            "parameter_sets": loaded, "contribution_rows": len(rows), "credited_years": credited,
            "portal_accounts": len(logins())}

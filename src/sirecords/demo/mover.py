"""The demo's mover (流动就业人员): a person of both demo regions, for a transfer between them (第十条).

He worked in 深圳市 (440300) for one employer from 2016-01 to 2025-06, his pension contributions in that region's
collection file and his account credited there every year like the other demo persons; then he moved to 成都市
(510100), was registered there on 2025-07-01 and contributes through an employer there from 2025-07 on (the 510100
demo, demo/chengdu.py). Same ID number and name in both regions; his household register (户籍) is in 湖南省长沙市,
in neither province. He was 35 when he joined 510100 (a man under 50), so joining it opens no temporary account
(engine/transfers.temporary_account, 66号 第五条). He is no pensioner and disputes nothing.

His portal login (the ID number, label `mover`) exists in both demo homes, with the same authenticator seed.
"""

from __future__ import annotations

from datetime import date

from sirecords.core.identifiers import make_id_number, make_uscc
from sirecords.core.periods import Month

LABEL = "mover"
NAME = "邓文博"
BIRTH = date(1990, 3, 18)
SEQUENCE = 517  # odd: a man (GB 11643)
BIRTH_REGION = "430102"  # 湖南省长沙市芙蓉区: the ID number's address code and his household register
PHONE = "13700000517"

SHENZHEN, CHENGDU = "440300", "510100"
# His months in each region: in 440300 from FIRST_MONTH to LAST_MONTH_THERE; in 510100 from JOINED's month on.
FIRST_MONTH = Month(2016, 1)
LAST_MONTH_THERE = Month(2025, 6)
JOINED = date(2025, 7, 1)

EMPLOYERS = {
    SHENZHEN: {"uscc": make_uscc("9", "1", "440305", "MA5G0517"), "name": "深圳市南粤通达物流有限公司",
               "address": "广东省深圳市南山区科苑路88号", "region": "440305", "registered_on": "2010-05-01"},
    CHENGDU: {"uscc": make_uscc("9", "1", "510107", "MA6C0517"), "name": "成都锦城数智科技有限公司",
              "address": "四川省成都市武侯区天府大道北段1700号", "region": "510107", "registered_on": "2018-03-01"},
}
ADDRESSES = {SHENZHEN: "广东省深圳市南山区桃园路88号3栋1201", CHENGDU: "四川省成都市武侯区紫荆西路6号2栋803"}
REGISTERED_ON = {SHENZHEN: "2016-01-01", CHENGDU: JOINED.isoformat()}
# Monthly wage (fen) in his first month in each region, growing 5 % a year.
FIRST_WAGE_FEN = {SHENZHEN: 800_000, CHENGDU: 1_100_000}


def id_number() -> str:
    return make_id_number(BIRTH_REGION, BIRTH, SEQUENCE)


def registration(region: str) -> dict:
    """The register_person payload in the demo region `region` (440300 or 510100)."""
    return {"id_number": id_number(), "name": NAME, "phone": PHONE, "address": ADDRESSES[region], "region": BIRTH_REGION,
            "registered_on": REGISTERED_ON[region]}


def months(region: str, today: date) -> tuple[Month, Month]:
    """His first and last contribution months in `region`: in 510100 up to the last complete month before `today`."""
    if region == SHENZHEN:
        return FIRST_MONTH, LAST_MONTH_THERE
    return Month(JOINED.year, JOINED.month), Month(today.year, today.month) - 1


def collection_rows(region: str, today: date) -> list[tuple[str, str, str, str, int, str]]:
    """His pension months in `region` for the collection file, each paid on the 15th of the next month (at the latest
    `today`: a payment date in the future is refused)."""
    first, last = months(region, today)
    uscc, rows, month = EMPLOYERS[region]["uscc"], [], first
    while month <= last:
        wage = int(FIRST_WAGE_FEN[region] * (1.05 ** (month.year - first.year))) // 100 * 100
        paid = min(date.fromisoformat(f"{month + 1}-15"), today)
        rows.append((id_number(), uscc, str(month), "pension", wage, paid.isoformat()))
        month += 1
    return rows

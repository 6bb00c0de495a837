"""The demo's flexible worker (灵活就业人员): registered without an employer, paying pension contributions on her own
(category `flexible` in the collection file) since 2016, so the portal shows a record with no employer in it."""

from __future__ import annotations

from datetime import date

from sirecords.core.identifiers import make_id_number
from sirecords.core.periods import Month

NAME = "黄丽娟"
BIRTH = date(1985, 6, 12)
SEQUENCE = 222  # even: a woman (GB 11643)
REGION_CODE = "440305"  # 南山区
FIRST_MONTH = Month(2016, 1)
WAGE_2016_FEN = 600_000


def id_number() -> str:
    return make_id_number(REGION_CODE, BIRTH, SEQUENCE)


def registration() -> dict:
    return {"id_number": id_number(), "name": NAME, "phone": "13900000222", "address": "广东省深圳市南山区桃园路222号",
            "region": REGION_CODE, "registered_on": "2016-01-04"}


def collection_rows(last_year: int) -> list[tuple[str, str, str, str, int, str]]:
    """Her months from FIRST_MONTH to December of `last_year`, no employer (uscc empty: flexible), paid the next month."""
    rows, month = [], FIRST_MONTH
    while month <= Month(last_year, 12):
        wage = int(WAGE_2016_FEN * (1.05 ** (month.year - FIRST_MONTH.year))) // 100 * 100
        rows.append((id_number(), "", str(month), "pension", wage, f"{month + 1}-20"))
        month += 1
    return rows

"""A database thief: reads every table and every ledger payload, holds no key, and counts for each person the resident
ID numbers consistent with what is in clear about them (finding 1 of issue 9; docs/privacy.md).

An ID number is address code (6) + birth date (8) + sequence (3, its last digit odd for a man) + check character
(ISO 7064 MOD 11-2 over the first 17). The thief gathers a dossier per person: every row of every table that holds the
person's uid, and the rows of the business transactions whose ledger entries do (the workflow's summaries, actions
and attachments). From the dossier it takes:

* masks: any text shaped like an ID number with hidden characters (`410102********8773`), or a whole ID number;
* the birth date or year-month: any field whose name says birth (`birth_date`, `birth_month`);
* the sex: a `sex` field (the parity of the sequence's last digit);
* the address code: the mask's first 6 characters, else the household region (`region` of registry_person);
* a latest birth date: an employment start (`start` of registry_employment and of employment entries) is on or after
  the 16th birthday (劳动法 第十五条, checked by start_employment).

It counts the ID numbers that fit all of them (`count`), and says whether the true number is among them (`fits`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection

from sirecords.core.identifiers import id_check_char

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST, MINIMUM_WORKING_AGE = date(1900, 1, 1), 16
UID = re.compile(r"\b[0-9a-f]{32}\b")
ID_SHAPED = re.compile(r"(?<![0-9A-Za-z*])([0-9*]{17}[0-9X*]|[0-9*]{15})(?![0-9A-Za-z*])")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def read_everything() -> dict[str, list[dict]]:
    """Every row of every table in the database, column → value, as stored (no key opens anything)."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [d[0] for d in cursor.description]
            tables[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return tables


def _pairs(key: str, value) -> Iterator[tuple[str, object]]:
    """(field name, value) for a column and, inside a JSON column, for every field at any depth."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _pairs(str(k), v)
    elif isinstance(value, list):
        for v in value:
            yield from _pairs(key, v)
    else:
        yield key, value


@dataclass
class Clues:
    masks: set[str] = field(default_factory=set)  # 18 characters, '*' where hidden
    birth_dates: set[date] = field(default_factory=set)
    birth_months: set[tuple[int, int]] = field(default_factory=set)
    sexes: set[str] = field(default_factory=set)
    household_regions: set[str] = field(default_factory=set)
    starts: set[date] = field(default_factory=set)

    def take(self, table: str, key: str, value) -> None:
        if isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, str):
            return
        for found in ID_SHAPED.findall(value):
            shaped = found if len(found) == 18 else found[:6] + "19" + found[6:] + "*"
            if "*" not in shaped and id_check_char(shaped[:17]) != shaped[17]:
                continue  # a long number, not an ID number
            if "*" not in shaped[:6]:
                self.masks.add(shaped)
        name = key.lower()
        if "birth" in name:
            if m := ISO_DATE.match(value):
                self.birth_dates.add(date(int(m[1]), int(m[2]), int(m[3])))
            elif m := ISO_MONTH.match(value):
                self.birth_months.add((int(m[1]), int(m[2])))
        elif name == "sex" and value in ("M", "F"):
            self.sexes.add(value)
        elif name == "region" and table == "registry_person" and re.fullmatch(r"\d{6}", value):
            self.household_regions.add(value)
        elif name == "start" and (m := ISO_DATE.match(value)) and table in ("registry_employment", "ledger_entry"):
            self.starts.add(date(int(m[1]), int(m[2]), int(m[3])))


def dossiers(tables: dict[str, list[dict]]) -> dict[str, Clues]:
    """Per registered person (registry_person.uid) and per transaction that registers someone not yet in the registry
    (its uid): the clues in clear in every row that holds that uid, and in the rows of the business transactions
    whose ledger entries hold it."""
    rows = [(table, row) for table, listed in tables.items() for row in listed]
    holding: dict[str, list[int]] = {}  # uid → the rows that mention it
    for n, (_, row) in enumerate(rows):
        for uid in set(UID.findall(" ".join(str(v) for v in row.values()))):
            holding.setdefault(uid, []).append(n)
    persons = {row["uid"] for row in tables.get("registry_person", [])}
    txns_of: dict[str, set[str]] = {uid: set() for uid in persons}
    for row in tables.get("ledger_entry", []):
        for uid in set(UID.findall(f"{row['subject']} {row['payload']}")) & persons:
            txns_of[uid].add(row["txn"])
    registered_txns = {txn for txns in txns_of.values() for txn in txns}
    pending = {row["uid"] for row in tables.get("workflow_transaction", []) if row["type"] == "register_person"
               and row["uid"] not in registered_txns}
    out = {}
    for key in (*persons, *pending):
        clues = Clues()
        for n in sorted({n for k in (key, *txns_of.get(key, ())) for n in holding.get(k, ())}):
            table, row = rows[n]
            for column, value in row.items():
                for name, v in _pairs(column, value):
                    clues.take(table, name, v)
        out[key] = clues
    return out


def _month_days(year: int, month: int) -> Iterator[date]:
    day = date(year, month, 1)
    while day.month == month:
        yield day
        day += timedelta(days=1)


def _dates(clues: Clues) -> list[date]:
    """The birth dates the thief must try: the dates it holds, else the days of the months it holds, else every day
    since 1900; none after the 16th birthday an employment start implies."""
    if clues.birth_dates:
        days = sorted(clues.birth_dates)
    elif clues.birth_months:
        days = [day for year, month in sorted(clues.birth_months) for day in _month_days(year, month)]
    else:
        days = [EARLIEST + timedelta(days=n) for n in range((date.today() - EARLIEST).days + 1)]
    for start in clues.starts:
        try:
            latest = start.replace(year=start.year - MINIMUM_WORKING_AGE)
        except ValueError:  # 29 February
            latest = date(start.year - MINIMUM_WORKING_AGE, 2, 28)
        days = [day for day in days if day <= latest]
    return days


def _mask_for(clues: Clues) -> str:
    """The masks merged, from the one that shows the most, skipping any that contradicts it (a corrected number's
    old mask); or the household region as the address code."""
    if clues.masks:
        ordered = sorted(clues.masks, key=lambda m: (-sum(c != "*" for c in m), m))
        merged = list(ordered[0])
        for mask in ordered[1:]:
            if all(a == "*" or b == "*" or a == b for a, b in zip(merged, mask, strict=True)):
                merged = [a if a != "*" else b for a, b in zip(merged, mask, strict=True)]
        return "".join(merged)
    region = min(clues.household_regions) if clues.household_regions else "******"
    return region + "*" * 12


def count_candidates(clues: Clues) -> int:
    """How many ID numbers fit every clue (the address code taken as the mask or household region gives it)."""
    mask = _mask_for(clues)
    if "*" in mask[:6]:
        return 10**12  # the thief does not even know the address code
    parity = {"M": 1, "F": 0}[min(clues.sexes)] if len(clues.sexes) == 1 else None
    # How many sequences have each weighted sum mod 11 (the sequence's part of the check character's sum).
    by_residue = [0] * 11
    for sequence in range(1000):
        digits = f"{sequence:03d}"
        if parity is not None and int(digits[2]) % 2 != parity:
            continue
        if any(m != "*" and m != d for m, d in zip(mask[14:17], digits, strict=True)):
            continue
        by_residue[sum(int(d) * w for d, w in zip(digits, WEIGHTS[14:17], strict=True)) % 11] += 1
    total = 0
    for day in _dates(clues):
        body = mask[:6] + f"{day:%Y%m%d}"
        if any(m != "*" and m != d for m, d in zip(mask[6:14], body[6:14], strict=True)):
            continue
        if mask[17] == "*":
            total += sum(by_residue)
            continue
        base = sum(int(d) * w for d, w in zip(body, WEIGHTS[:14], strict=True))
        wanted = CHECK_CHARS.index(mask[17])  # the total mod 11 that gives this check character
        total += by_residue[(wanted - base) % 11]
    return total


def fits(clues: Clues, id_number: str) -> bool:
    """Whether the true ID number is among the ones counted: the thief's reasoning is sound."""
    mask = _mask_for(clues)
    if any(m != "*" and m != c for m, c in zip(mask, id_number, strict=True)):
        return False
    if clues.sexes and {"M": 1, "F": 0}[min(clues.sexes)] != int(id_number[16]) % 2:
        return False
    if id_check_char(id_number[:17]) != id_number[17]:
        return False
    birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return birth in _dates(clues)

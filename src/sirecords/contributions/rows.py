"""The canonical form of a contribution row: the bytes a batch's Merkle root commits to.

A row's canonical bytes are the canonical JSON (ledger/canonical.py: UTF-8, keys sorted, no spaces,
money in integer fen) of this object, with the row's values as stored in contributions_contribution:

    {"account_credit_fen": int, "arrears_fen": int, "base_fen": int, "category": str,
     "employer": str (registry_employer.uid, "" for flexible workers), "employer_fen": int,
     "individual_fen": int, "insurance_type": str, "paid_on": str ("YYYY-MM-DD" or ""),
     "period": "YYYY-MM", "person": str (registry_person.uid), "row": int (row_number, from 1),
     "rule_version": str, "wage_fen": int}

A row whose `kind` is not "assessment" (models.RowKind: an arrears payment, a correction) adds "kind": str and
"late_fee_fen": int (the late fee paid with an arrears payment, 0 on a correction) to the object; an assessment row
adds neither, so the roots of batches posted before rows had a kind still verify.

The leaf hash is RFC 6962's SHA-256(0x00 ‖ bytes); the batch's `rows_root` is the RFC 6962 root over
the leaves in row_number order (ledger/merkle.py). No ID number or name is in it: rows name people by
their registry uid.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from operator import itemgetter

from sirecords.core.canonical import canonical_json
from sirecords.ledger import merkle

# Columns of contributions_contribution that a row holds, in the order rows are passed around.
COLUMNS = ("row_number", "person_id", "employer_id", "period", "insurance_type", "category", "wage_fen", "base_fen",
           "employer_fen", "individual_fen", "account_credit_fen", "paid_on", "arrears_fen", "rule_version")

_FAST = ('{"account_credit_fen":%d,"arrears_fen":%d,"base_fen":%d,"category":"%s","employer":"%s","employer_fen":%d,'
         '"individual_fen":%d,"insurance_type":"%s","paid_on":"%s","period":"%s","person":"%s","row":%d,'
         '"rule_version":"%s","wage_fen":%d}')
_QUOTES = _FAST.count('"')


def row_object(row: tuple) -> dict:
    (number, person, employer, period, insurance_type, category, wage, base, employer_fen, individual_fen, account,
     paid_on, arrears, version) = row
    return {"account_credit_fen": account, "arrears_fen": arrears, "base_fen": base, "category": category,
            "employer": employer, "employer_fen": employer_fen, "individual_fen": individual_fen,
            "insurance_type": insurance_type, "paid_on": paid_on, "period": period, "person": person, "row": number,
            "rule_version": version, "wage_fen": wage}


ASSESSMENT = "assessment"  # models.RowKind.ASSESSMENT: the kind a row's canonical object leaves unnamed


def row_bytes(row: tuple, kind: str = ASSESSMENT, late_fee_fen: int = 0) -> bytes:
    """Canonical bytes of a row given as a tuple in COLUMNS order; a row of another kind than an assessment names its
    `kind` and `late_fee_fen` in the object (so the roots of batches posted before rows had a kind still verify)."""
    if kind != ASSESSMENT:
        return canonical_json({**row_object(row), "kind": kind, "late_fee_fen": late_fee_fen}).encode("utf-8")
    (number, person, employer, period, insurance_type, category, wage, base, employer_fen, individual_fen, account,
     paid_on, arrears, version) = row
    try:
        text = _FAST % (account, arrears, base, category, employer, employer_fen, individual_fen, insurance_type, paid_on,
                        period, person, number, version, wage)
    except TypeError:
        text = None
    # The fast form is the canonical JSON whenever no value needs escaping (imported values never do);
    # anything else (a tampered value, a bool, a float) takes the general encoder.
    if (text is None or "\\" in text or text.count('"') != _QUOTES or not all(type(v) is int for v in
                                                                                (number, wage, base, employer_fen, individual_fen,
                                                                                 account, arrears))):
        return canonical_json(row_object(row)).encode("utf-8")
    return text.encode("utf-8")


def rows_root(rows: Iterable[tuple]) -> tuple[int, str]:
    """(count, hex root) over assessment rows in order, streaming."""
    leaf = merkle.leaf_hash
    count, root = merkle.root_of(leaf(row_bytes(row)) for row in rows)
    return count, root.hex()


def kinded_root(rows: Iterable[tuple[tuple, str, int]]) -> tuple[int, str]:
    """(count, hex root) over (row, kind, late fee) in order, streaming: a batch whose rows are not all assessments."""
    leaf = merkle.leaf_hash
    count, root = merkle.root_of(leaf(row_bytes(row, kind, fee)) for row, kind, fee in rows)
    return count, root.hex()


_PLAIN = re.compile(r"[0-9A-Za-z_.:@/ -]*\Z")  # text that canonical JSON writes as is, and COPY text as is
_TEXT = (1, 2, 3, 4, 5, 11, 13)  # positions of the text columns in COLUMNS order


def plain_texts(rows: list[tuple]) -> bool:
    """Whether every text value of the rows is plain (no quote, backslash, control character, tab or
    newline) and every number an int: then the %-templates give the canonical bytes and COPY lines."""
    texts: set = set()
    for position in _TEXT:
        texts.update(map(itemgetter(position), rows))
    if not all(type(text) is str for text in texts) or _PLAIN.match("".join(texts)) is None:
        return False
    numbers: set = set()
    for position in (0, 6, 7, 8, 9, 10, 12):
        numbers.update(map(type, map(itemgetter(position), rows)))
    return numbers <= {int}


def leaves(rows: list[tuple], *, plain: bool = False) -> list[bytes]:
    """The leaf hash of each row (SHA-256 of 0x00 ‖ its canonical bytes), in order. `plain=True`: the caller knows
    every value is plain (plain_texts), e.g. rows built from checked fields; else it is checked here."""
    sha256 = hashlib.sha256
    if plain or plain_texts(rows):
        template = "\x00" + _FAST  # NUL encodes to the 0x00 byte
        return [sha256((template % (account, arrears, base, category, employer, employer_fen, individual_fen,
                                    insurance_type, paid_on, period, person, number, version, wage)).encode()).digest()
                for (number, person, employer, period, insurance_type, category, wage, base, employer_fen, individual_fen,
                     account, paid_on, arrears, version) in rows]
    return [merkle.leaf_hash(row_bytes(row)) for row in rows]


def rows_root_fast(rows: list[tuple]) -> str:
    """Hex RFC 6962 root over rows held in memory: the same as rows_root(rows)[1]."""
    return merkle.root_of_list(leaves(rows)).hex()


def summary_of(rows: Iterable[tuple]) -> dict:
    """What the reviewers of a batch see before approving it: how many persons and employers, which months,
    and per insurance type the rows and the amounts (integer fen), with the rows still in arrears."""
    persons, employers, by_type = set(), set(), {}
    first = last = ""
    for row in rows:
        (_number, person, employer, period, insurance_type, _category, _wage, _base, employer_fen, individual_fen, account,
         paid_on, _arrears, _version) = row
        persons.add(person)
        employers.add(employer)
        if not first or period < first:
            first = period
        if period > last:
            last = period
        totals = by_type.get(insurance_type)
        if totals is None:
            totals = by_type[insurance_type] = [0, 0, 0, 0, 0]
        totals[0] += 1
        totals[1] += employer_fen
        totals[2] += individual_fen
        totals[3] += account
        totals[4] += not paid_on
    employers.discard("")
    return {"persons": len(persons), "employers": len(employers), "periods": [first, last],
            "by_type": {kind: dict(zip(("rows", "employer_fen", "individual_fen", "account_credit_fen", "in_arrears"), totals))
                        for kind, totals in sorted(by_type.items())}}

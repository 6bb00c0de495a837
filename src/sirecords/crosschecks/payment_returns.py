"""payment_returns (the paying bank): pension payments the bank could not credit, against the payment rows.

For a registered person: `payment_returned` (identified by the month), with what the run paid that month, the amount
returned and why; the award's payment is held at once (payroll must not pay into an account the bank rejects while it
is examined). For a number nobody is registered with: `unknown_person`, its number masked as the system masks it.
A pensioner's death report counts the returns for the months after the death (person_events' `returned`).
"""

from __future__ import annotations

import json
from collections import defaultdict

from sirecords.benefits.models import Award, Payment
from sirecords.core.identifiers import mask_id_number
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.core.money import parse_amount, to_fen
from sirecords.crosschecks.matching import Comparison, chunks, persons_by_number
from sirecords.crosschecks.models import Discrepancy
from sirecords.crypto.sealing import blind_index

RETURNED = "payment_returned"


def compare(rows: list[dict], comparison: Comparison) -> None:
    for block in chunks(rows):
        persons = persons_by_number(row["id_number"] for row in block)
        uids = [person.uid for person in persons.values()]
        paid = defaultdict(int)
        for person, month, amount, back_pay in Payment.objects.filter(person_id__in=uids).values_list(
                "person_id", "month", "amount_fen", "back_pay_fen"):
            paid[person, month] += amount + back_pay
        awards = {}
        for award in Award.objects.filter(person_id__in=uids).order_by("person_id", "start_month", "last_seq"):
            awards[award.person_id] = award
        for row in block:
            facts = {"month": row["month"], "amount": yuan(row["amount"]), "reason": row["reason"], "reference": row["reference"]}
            person = persons.get(row["id_number"])
            if person is None:
                index = blind_index("id_number", row["id_number"])
                comparison.found("unknown_person", f"idx:{index}", f"payment_returns:{row['month']}",
                                 {**facts, "feed": "payment_returns", "id_number": mask_id_number(row["id_number"])},
                                 line=row["line"])
                continue
            award = awards.get(person.uid)
            hold = (award.uid, person.uid) if award is not None and award.status != "ended" else None
            comparison.found(RETURNED, f"person:{person.uid}", row["month"],
                             {**facts, "paid": yuan(paid.get((person.uid, row["month"]), 0))}, line=row["line"], hold=hold)


def returned_by(persons) -> dict[tuple[str, str], int]:
    """(person, month) → what the bank returned of that month's payment (the payment_returned recorded), one query."""
    subjects = {f"person:{person}": person for person in persons}
    returned: dict[tuple[str, str], int] = defaultdict(int)
    for subject, month, detail in Discrepancy.objects.filter(kind=RETURNED, subject__in=list(subjects)).values_list(
            "subject", "key", "detail"):
        returned[subjects[subject], month] += to_fen(parse_amount(json.loads(detail)["amount"]))
    return returned


def returned_fen(person: str, months: list[str]) -> int:
    """What the bank returned of the person's payments for `months`."""
    returned = returned_by([person])
    return sum(returned.get((person, month), 0) for month in months)

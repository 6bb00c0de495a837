"""id_changes (公安): a person's ID number changed, against the register.

The old number's person (current or former numbers) with another number now reported is `id_changed` (identified by
the day it changed), saying whether the new number gives another birth date (`birth_date_changed`) or sex
(`sex_changed`) — the archive's birth date still decides retirement — and whether the new number is registered already
(`new_number_registered`: the same person registered twice). Resolved by `change_id_number`. A change already made
(the person holds the new number) changes nothing; numbers nobody holds are kept unmatched.
"""

from __future__ import annotations

from sirecords.core.identifiers import parse_id_number
from sirecords.crosschecks.matching import Comparison, chunks, persons_by_number
from sirecords.crypto.sealing import blind_index


def compare(rows: list[dict], comparison: Comparison) -> None:
    for block in chunks(rows):
        persons = persons_by_number([row["old_id_number"] for row in block] + [row["new_id_number"] for row in block])
        for row in block:
            old, new = persons.get(row["old_id_number"]), persons.get(row["new_id_number"])
            if old is None:
                if new is None:
                    comparison.unmatched_row(row, blind_index("id_number", row["old_id_number"]),
                                             {"changed_on": row["changed_on"], "reference": row["reference"]})
                else:
                    comparison.no_action += 1  # registered under the new number already
                continue
            if new is not None and new.uid == old.uid:
                comparison.no_action += 1  # the change is made
                continue
            before, after = parse_id_number(row["old_id_number"]), parse_id_number(row["new_id_number"])
            comparison.found("id_changed", f"person:{old.uid}", row["changed_on"], {
                "changed_on": row["changed_on"], "reference": row["reference"],
                "birth_date_changed": before.birth_date != after.birth_date, "sex_changed": before.sex != after.sex,
                "new_number_registered": new is not None, "new_number_index": blind_index("id_number", row["new_id_number"])},
                line=row["line"])

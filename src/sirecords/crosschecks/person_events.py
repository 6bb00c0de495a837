"""person_events (公安, 民政, 卫健, 司法, courts): deaths, revoked deaths, imprisonment and release, against the record.

Set-based: the rows' persons are found by the keyed blind index of their ID number a chunk at a time, and their
awards, payments, contributions and earlier discrepancies each in one query per chunk; nothing is asked row by row.
The name is compared by its blind index too (`name_matches`: false when the department's name is not the record's,
and resolving then needs the death document). What each event means:

- died, the person draws a pension: `pensioner_died` — the pension is due through the month of death; the detail
  lists the months paid after it, the bank returns for them, the overpayment and the monthly amount; payment is held
  at once;
- died, no pension: `insured_died` — with any contribution months posted after the death;
- imprisoned, the person draws a pension: `pensioner_imprisoned`, payment held at once;
- released, the pension suspended or an imprisonment queued: `released` (resumed at the last standard, no back pay);
- death_revoked, a death recorded or queued: `death_revoked` (restored, with back pay).

Rows about persons the record does not hold are `unmatched`, kept by blind index, not queued. Other rows (an
imprisonment of someone drawing no pension, a death already recorded) change nothing and are counted as `no_action`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sirecords.benefits.models import AccountClosure, Award, AwardStatus, Payment
from sirecords.contributions.counted import counted
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.core.periods import Month
from sirecords.crosschecks.matching import Comparison, chunks, persons_by_number
from sirecords.crosschecks.models import Discrepancy, DiscrepancyState
from sirecords.crosschecks.payment_returns import returned_fen
from sirecords.crypto.sealing import blind_index

HOLDING = ("pensioner_died", "pensioner_imprisoned")  # recorded: the award's payments are held at once


def compare(rows: list[dict], comparison: Comparison) -> None:
    """Fill `comparison` with what `rows` (person_events, checked by feeds.read) show against the record."""
    for block in chunks(rows):
        persons = persons_by_number(row["id_number"] for row in block)
        uids = [person.uid for person in persons.values()]
        awards = _latest_awards(uids)
        closed = set(AccountClosure.objects.filter(person_id__in=uids).values_list("person_id", flat=True))
        queued = _queued(uids)
        for row in block:
            person = persons.get(row["id_number"])
            if person is None:
                comparison.unmatched_row(row, blind_index("id_number", row["id_number"]),
                                         {k: row[k] for k in ("event", "event_on", "source", "reference")})
                continue
            name_matches = blind_index("name", row["name"]) == person.name_index
            facts = {"event_on": row["event_on"], "source": row["source"], "reference": row["reference"],
                     "name_matches": name_matches}
            award = awards.get(person.uid)
            subject = f"person:{person.uid}"
            event = row["event"]
            if event == "died":
                if award is not None and award.status != AwardStatus.ENDED:
                    comparison.found("pensioner_died", subject, row["event_on"], {**facts, **_after_death(award, row["event_on"])},
                                     line=row["line"], hold=(award.uid, person.uid))
                elif award is None and person.uid not in closed:
                    comparison.found("insured_died", subject, row["event_on"],
                                     {**facts, "months_after": _contribution_months_after(person.uid, row["event_on"])},
                                     line=row["line"])
                else:
                    comparison.no_action += 1  # the death is already recorded
            elif event == "imprisoned":
                if award is not None and award.status == AwardStatus.ACTIVE:
                    comparison.found("pensioner_imprisoned", subject, row["event_on"],
                                     {**facts, "monthly": yuan(award.total_fen)}, line=row["line"],
                                     hold=(award.uid, person.uid))
                else:
                    comparison.no_action += 1
            elif event == "released":
                if (award is not None and award.status == AwardStatus.SUSPENDED) or ("pensioner_imprisoned", subject) in queued:
                    comparison.found("released", subject, row["event_on"],
                                     {**facts, "monthly": yuan(award.total_fen) if award else "0.00"}, line=row["line"])
                else:
                    comparison.no_action += 1
            elif event == "death_revoked":
                dead = (award is not None and award.status == AwardStatus.ENDED) or person.uid in closed
                if dead or ("pensioner_died", subject) in queued or ("insured_died", subject) in queued:
                    comparison.found("death_revoked", subject, row["event_on"], facts, line=row["line"])
                else:
                    comparison.no_action += 1


def _latest_awards(uids: list[str]) -> dict[str, Award]:
    latest: dict[str, Award] = {}
    for award in Award.objects.filter(person_id__in=uids).order_by("person_id", "start_month", "last_seq"):
        latest[award.person_id] = award
    return latest


def _queued(uids: list[str]) -> set[tuple[str, str]]:
    """(kind, subject) of the discrepancies still open or in review about these persons."""
    subjects = [f"person:{uid}" for uid in uids]
    return set(Discrepancy.objects.filter(subject__in=subjects, state__in=(DiscrepancyState.OPEN, DiscrepancyState.IN_REVIEW))
               .values_list("kind", "subject"))


def _after_death(award: Award, died_on: str) -> dict[str, Any]:
    """The months paid after the month of death (the pension is due through it), what the bank returned for them
    (payment_returns already received), the overpayment and the monthly amount in force."""
    death_month = str(Month.parse(died_on[:7]))
    paid = defaultdict(int)
    for month, amount, back_pay in (Payment.objects.filter(award_id=award.uid, month__gt=death_month)
                                    .order_by("month").values_list("month", "amount_fen", "back_pay_fen")):
        paid[month] += amount + back_pay
    returned = returned_fen(award.person_id, list(paid))
    return {"death_month": death_month, "months": [{"month": month, "paid": yuan(fen)} for month, fen in paid.items()],
            "returned": yuan(returned), "overpayment": yuan(sum(paid.values()) - returned), "monthly": yuan(award.total_fen)}


def _contribution_months_after(person: str, died_on: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT c.period FROM contributions_contribution c WHERE c.person_id = %s AND c.period > %s "
                       f"AND {counted('c')} ORDER BY 1", [person, died_on[:7]])
        return [period for (period,) in cursor.fetchall()]

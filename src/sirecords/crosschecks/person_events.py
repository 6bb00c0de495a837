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

from django.db import connection

from sirecords.benefits.models import AccountClosure, Award, AwardStatus, Payment
from sirecords.contributions.counted import counted
from sirecords.core.money import fen_to_yuan as yuan
from sirecords.core.periods import Month
from sirecords.crosschecks.matching import Comparison, chunks, persons_by_number
from sirecords.crosschecks.models import Discrepancy, DiscrepancyState
from sirecords.crosschecks.payment_returns import returned_by
from sirecords.crypto.sealing import blind_index


def compare(rows: list[dict], comparison: Comparison) -> None:
    """Fill `comparison` with what `rows` (person_events, checked by feeds.read) show against the record."""
    for block in chunks(rows):
        persons = persons_by_number(row["id_number"] for row in block)
        uids = [person.uid for person in persons.values()]
        awards = _latest_awards(uids)
        closed = set(AccountClosure.objects.filter(person_id__in=uids).values_list("person_id", flat=True))
        queued = _queued(uids)
        # What a death needs, for the chunk's dead at once: the payments of their awards, the bank's returns, and the
        # contribution months of those drawing no pension.
        dead = {persons[row["id_number"]].uid for row in block if row["event"] == "died" and row["id_number"] in persons}
        paid = _paid_by_month([awards[uid].uid for uid in dead if uid in awards])
        returned = returned_by(dead)
        months = _contribution_months([uid for uid in dead if uid not in awards])
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
                    figures = _after_death(award, row["event_on"], paid.get(award.uid, {}), returned)
                    comparison.found("pensioner_died", subject, row["event_on"], {**facts, **figures},
                                     line=row["line"], hold=(award.uid, person.uid))
                elif award is None and person.uid not in closed:
                    comparison.found("insured_died", subject, row["event_on"],
                                     {**facts, "months_after": [m for m in months.get(person.uid, ()) if m > row["event_on"][:7]]},
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


def _paid_by_month(awards: list[str]) -> dict[str, dict[str, int]]:
    """award → month → what its runs paid that month (amount and back pay), one query."""
    paid: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for award, month, amount, back_pay in (Payment.objects.filter(award_id__in=awards).order_by("award_id", "month")
                                           .values_list("award_id", "month", "amount_fen", "back_pay_fen")):
        paid[award][month] += amount + back_pay
    return paid


def _contribution_months(persons: list[str]) -> dict[str, list[str]]:
    """person → the months with a contribution that counts, in order, one query."""
    if not persons:
        return {}
    months: dict[str, list[str]] = defaultdict(list)
    marks = ", ".join(["%s"] * len(persons))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT c.person_id, c.period FROM contributions_contribution c WHERE c.person_id IN ({marks}) "
                       f"AND {counted('c')} ORDER BY 1, 2", persons)  # nosec B608 # constants, %s marks; values bound
        for person, period in cursor.fetchall():
            months[person].append(period)
    return months


def _after_death(award: Award, died_on: str, paid: dict[str, int], returned: dict[tuple[str, str], int]) -> dict[str, Any]:
    """The months paid after the month of death (the pension is due through it), what the bank returned for them
    (payment_returns already received), the overpayment and the monthly amount in force."""
    death_month = str(Month.parse(died_on[:7]))
    after = {month: fen for month, fen in paid.items() if month > death_month}
    back = sum(returned.get((award.person_id, month), 0) for month in after)
    return {"death_month": death_month, "months": [{"month": month, "paid": yuan(fen)} for month, fen in after.items()],
            "returned": yuan(back), "overpayment": yuan(sum(after.values()) - back), "monthly": yuan(award.total_fen)}

"""What a dispute is about, in the ledger: the entries that recorded the disputed item, and the staff who posted them
(the entry's actor and every reviewer who approved its transaction). Someone who posted a disputed entry does not
re-examine it (第十六条: the agency re-examines; not the hand that wrote it).

The disputed entries, by item:
- contribution (a month) — the batches that posted the person's rows of that month (the collector's file, an arrears
  payment, a correction's replacement rows); for an employer's request, its rows only;
- registration — the person's registration, changes, number changes, corrections and supplements (a unit's
  registration for the unit's own request);
- employment — the person's employment periods started and ended, and their corrections;
- account — the crediting runs that credited the person's account years, and the years' corrections;
- contribution_years — the deemed service recognised, and the account years' corrections;
- benefit — the retirement approval, the award and everything posted about it (suspension, resumption, recomputation,
  correction), the account closed at death.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from sirecords.accounts.kinds import ACCOUNT_YEAR_CORRECTED, DEEMED_SERVICE_RECOGNISED
from sirecords.accounts.models import AccountYear, CreditingRun
from sirecords.benefits.kinds import ACCOUNT_CLOSED, ELIGIBILITY_APPROVED
from sirecords.benefits.models import Award
from sirecords.contributions.models import Contribution, ContributionBatch
from sirecords.ledger.models import Entry
from sirecords.registry.kinds import (
    CORRECTION_APPLIED,
    EMPLOYER_CHANGED,
    EMPLOYER_REGISTERED,
    EMPLOYMENT_ENDED,
    EMPLOYMENT_STARTED,
    ID_NUMBER_CHANGED,
    PERSON_CHANGED,
    PERSON_REGISTERED,
    SUPPLEMENT_APPLIED,
)
from sirecords.registry.models import Employment
from sirecords.transactions.kinds import TRANSACTION_POSTED

PERSON_KINDS = {
    "registration": (PERSON_REGISTERED, PERSON_CHANGED, ID_NUMBER_CHANGED, CORRECTION_APPLIED, SUPPLEMENT_APPLIED),
    "employment": (EMPLOYMENT_STARTED, EMPLOYMENT_ENDED, CORRECTION_APPLIED, SUPPLEMENT_APPLIED),
    "account": (ACCOUNT_YEAR_CORRECTED,),
    "contribution_years": (DEEMED_SERVICE_RECOGNISED, ACCOUNT_YEAR_CORRECTED),
    "benefit": (ELIGIBILITY_APPROVED, ACCOUNT_CLOSED),
}
UNIT_KINDS = (EMPLOYER_REGISTERED, EMPLOYER_CHANGED, CORRECTION_APPLIED, SUPPLEMENT_APPLIED)


def disputed_entries(item: str, person: str, employer: str = "", period: str = "") -> list[int]:
    """The seqs of the ledger entries that recorded the disputed item (see the module's docstring)."""
    seqs: set[int] = set()
    if not person:  # a unit's own registration
        seqs.update(Entry.objects.filter(subject=f"employer:{employer}", kind__in=UNIT_KINDS).values_list("seq", flat=True))
        return sorted(seqs)
    if item == "contribution":
        rows = Contribution.objects.filter(person_id=person, period=period)
        if employer:
            rows = rows.filter(employer_id=employer)
        batches = set(rows.values_list("batch_id", flat=True))
        seqs.update(ContributionBatch.objects.filter(uid__in=batches).values_list("entry_seq", flat=True))
        return sorted(seqs)
    seqs.update(Entry.objects.filter(subject=f"person:{person}", kind__in=PERSON_KINDS[item]).values_list("seq", flat=True))
    if item == "account":
        runs = set(AccountYear.objects.filter(person_id=person).values_list("run_id", flat=True))
        seqs.update(CreditingRun.objects.filter(pk__in=runs).values_list("entry_seq", flat=True))
    if item == "benefit":
        awards = [f"award:{uid}" for uid in Award.objects.filter(person_id=person).values_list("uid", flat=True)]
        seqs.update(Entry.objects.filter(subject__in=awards).values_list("seq", flat=True))
    return sorted(seqs)


def posters(seqs: list[int]) -> dict[str, int]:
    """Who posted the entries `seqs`: username → the first such entry's seq. The entry's actor (who opened its
    transaction) and each reviewer who approved a stage of it."""
    found: dict[str, int] = {}
    txns: dict[str, int] = {}
    for start in range(0, len(seqs), 5000):
        for seq, actor, txn in Entry.objects.filter(seq__in=seqs[start:start + 5000]).values_list("seq", "actor", "txn"):
            found.setdefault(actor, seq)
            txns.setdefault(txn, seq)
    names = sorted(txns)
    for start in range(0, len(names), 5000):
        for txn, payload in Entry.objects.filter(txn__in=names[start:start + 5000], kind=TRANSACTION_POSTED).values_list(
                "txn", "payload"):
            for step in json.loads(payload).get("review") or []:
                if step.get("decision") == "approve" and step.get("actor"):
                    found.setdefault(step["actor"], txns[txn])
    return found


def outside_periods(person: str, employer: str, period: str) -> str:
    """Why an employer may not dispute this person's record (empty when it may): the person was never its employee,
    or, for a contribution, not its employee in that month."""
    spans = list(Employment.objects.filter(person_id=person, employer_id=employer).values_list("start", "end"))
    if not spans:
        return "was never employed by this unit: an employer disputes its employees' records only"
    if not period:
        return ""
    first = date.fromisoformat(f"{period}-01")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if any(start <= last and (end is None or end >= first) for start, end in spans):
        return ""
    return f"was not employed by this unit in {period}: an employer disputes its employees' months with it only"

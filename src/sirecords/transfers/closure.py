"""An account transferred out is closed here from its transfer year (accounts.closures): the annual crediting run
leaves it out (the region joined credits the transfer year's interest on the whole year, 劳社厅发〔1999〕22号), and
no deemed service is recognised for it here any more."""

from __future__ import annotations

from django.db.models import Max

from sirecords.accounts.closures import ClosureSource
from sirecords.contributions.models import AccountTransfer


def _closed_by(year: int) -> set[str]:
    return set(AccountTransfer.objects.filter(direction="out", year__lte=year).values_list("person_id", flat=True))


def _state() -> tuple:
    return (AccountTransfer.objects.filter(direction="out").aggregate(Max("last_seq"))["last_seq__max"],)


def _refuses(person: str) -> str | None:
    if AccountTransfer.objects.filter(person_id=person, direction="out").exists():
        return "此人的基本养老保险关系已转出 / the person's pension relationship was transferred to another region"
    return None


SOURCE = ClosureSource("transfers", _closed_by, _state, _refuses)


# Business that would change a transferred-out record going forward (第十条: the region left keeps its original for
# reference): a pension, deemed service, a subsidy, employment, a benefit's changes, another transfer from here.
# Corrections of what was recorded before the transfer (contributions, account years), disputes, identity details and
# certificates stay open.
CLOSED_TO = frozenset({"approve_retirement", "recognise_deemed_service", "grant_subsidy", "start_employment",
                       "correct_award", "recompute_award", "suspend_benefit", "resume_benefit", "pay_survivor_benefits",
                       "transfer_request"})


def kept_for_reference(type_name: str, entries) -> dict[str, str] | None:
    """transactions.posting guard: a transaction of CLOSED_TO about a person whose relationship was transferred out."""
    if type_name not in CLOSED_TO:
        return None
    persons = {entry.subject.removeprefix("person:") for entry in entries if entry.subject.startswith("person:")}
    moved = AccountTransfer.objects.filter(person_id__in=persons, direction="out").values_list("region", flat=True).first()
    if moved is None:
        return None
    return {"person": f"此人的基本养老保险关系已转出至 {moved}，本地记录只供查阅 / the person's pension relationship was "
                      f"transferred to {moved}: the record here is kept for reference only"}

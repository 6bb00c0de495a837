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

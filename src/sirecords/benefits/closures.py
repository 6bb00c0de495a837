"""What benefits tells the accounts app: a pension award closes the account from the award's first year,
a death before retirement from the year of death (accounts/closures.py)."""

from __future__ import annotations

from django.db.models import Count, Max

from sirecords.accounts.closures import ClosureSource, register
from sirecords.benefits.models import AccountClosure, Award


def closed_by(year: int) -> set[str]:
    awarded = Award.objects.filter(start_month__lte=f"{year:04d}-12").values_list("person_id", flat=True)
    died = AccountClosure.objects.filter(year__lte=year).values_list("person_id", flat=True)
    return set(awarded) | set(died)


def state() -> tuple:
    awards = Award.objects.aggregate(count=Count("pk"), last=Max("last_seq"))
    return awards["count"], awards["last"], AccountClosure.objects.count()


def refuses_recognition(person_uid: str) -> str | None:
    """Nothing refused: service recognised after the award is recognised, and the award recomputed through
    recompute_award (trigger late_recognition)."""
    return None


def register_with_accounts() -> None:
    register(ClosureSource("benefits", closed_by, state, refuses_recognition))

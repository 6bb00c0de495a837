"""`correct_account_year`: a reviewed correction of one person's individual account years (issue #12 point 8,
第十一条, 第十二条).

When a dispute (第十六条) or a check finds a person's account wrong — a contribution row corrected, paid late or
refunded, a run that left the person out — the maintainer (or a clerk) opens this transaction for the person and the
first wrong year Y, with the evidence. It recomputes the account from the record for Y and every later credited year
exactly as the annual run credits it (crediting.plan_person: the region's rate, method and crediting basis of each
year; each year's opening the recomputed closing of the year before), and posts, for each year whose figures change,
a one-account crediting run (its `account_years.credited` entry commits to the row as every run does, so `verify`
checks it) whose row supersedes the current one: rows are never updated, the latest run's row is current. The
reviewers see each year's figures before and after; the build recomputes them at posting and refuses when they
changed since they were prepared. Each changed year also gets an `account_year.corrected` entry with the figures
before and after, the method and the run: the maintenance log (registry/maintenance_log.py) lists them.

Balances from outside the contributions: the record holds none today. An account's opening is always the closing of
its previous credited year (0 before the first); there is no legacy opening balance and no transferred-in balance
(no transfer is recorded yet), so there is no outside figure to correct and this transaction only recomputes.
A person whose award was computed from the account (benefits) is recomputed there (重新核定), not here.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sirecords.accounts.crediting import FIGURES, EngineMismatch, PersonYear, plan_person
from sirecords.accounts.kinds import ACCOUNT_YEAR_CORRECTED, ACCOUNT_YEARS_CREDITED
from sirecords.accounts.transactions import hold
from sirecords.core.money import InvalidInput, yuan_or_blank
from sirecords.engine.params import ParameterError
from sirecords.ledger.append import NewEntry, read_head
from sirecords.ledger.context import WriteContext
from sirecords.registry.models import Person
from sirecords.transactions.posting import InvalidTransaction, transaction_type
from sirecords.transactions.validation import Errors, text, unknown_fields

TYPE = "correct_account_year"
TARGET = "account_year"  # the maintenance log's record kind
MONEY = ("opening_fen", "credits_fen", "interest_on_prior_fen", "interest_on_credits_fen", "closing_fen")
LABELS = {"opening_fen": "上年末储存额 opening", "credits_fen": "当年记账额 credits",
          "interest_on_prior_fen": "上年末储存额利息 interest on the opening",
          "interest_on_credits_fen": "当年记账额利息 interest on the credits", "closing_fen": "年末储存额 closing",
          "months": "月数 months", "rate": "记账利率 rate", "rate_status": "利率状态 rate status",
          "method": "计息方法 method", "interest_from": "计息起点 interest from"}


def figures(values: tuple | None) -> dict[str, Any]:
    return {} if values is None else dict(zip(FIGURES, values))


def reviewed_years(years: list[PersonYear]) -> list[dict[str, Any]]:
    """What the reviewers approve: each changed year's figures before and after (fen) and the row's root."""
    return [{"year": y.plan.year, "before": figures(y.before), "after": figures(y.after), "rows_root": y.plan.root}
            for y in years if y.plan.row_count]


def recompute(region: str, person: str, year: int) -> list[PersonYear]:
    """The person's years from `year` on, recomputed; InvalidTransaction when the year is not credited."""
    try:
        years = plan_person(region, person, year)
    except (ParameterError, InvalidInput) as error:
        raise InvalidTransaction({"parameters": str(error)}) from None
    except EngineMismatch as error:
        raise InvalidTransaction({"engine": str(error)}) from None
    if not years or years[0].before is None:
        raise InvalidTransaction({"year": _("the account of person {person} has no credited year {year}: the annual "
                                            "crediting (sirecords credit) credits it").format(person=person, year=year)})
    return years


def correction_payload(region: str, person: str, year: int, method: str) -> dict[str, Any]:
    """The payload a correction is opened with: the request and the recomputed figures for review."""
    return {"person": person, "year": year, "region": region, "method": method,
            "years": reviewed_years(recompute(region, person, year))}


def prepare(request: dict[str, Any], region: str) -> dict[str, Any]:
    """The payload a correction in pooling region `region` is opened or amended with, from the request (`person`,
    `year`, `method`, optionally `region` and `years`), whichever way it comes (the desk form, the API, the service):
    the recomputed figures added as `years`. Figures given must be those: a wrong one is refused. A request the build
    would refuse field by field (no such person, no whole year) is left to it, unchanged."""
    given = request.get("region", region)
    if given != region:
        raise InvalidTransaction({"region": _("must be the transaction's pooling region {region}, not {given}").format(
            region=region, given=given)})
    person, year = request.get("person"), request.get("year")
    if (not isinstance(person, str) or isinstance(year, bool) or not isinstance(year, int)
            or not Person.objects.filter(uid=person).exists()):
        return {**request, "region": region}
    now = reviewed_years(recompute(region, person, year))
    if "years" in request and request["years"] != now:
        raise InvalidTransaction({"years": _("are not the figures recomputed from the record for person {person} from "
                                             "{year} on; leave them out and they are computed").format(person=person,
                                                                                                       year=year)})
    return {**request, "region": region, "years": now}


def _money(field: str, value: Any) -> str:
    return yuan_or_blank(value) if field in MONEY and value is not None else ("" if value is None else str(value))


def describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Each corrected year's figures that change, before → after: what the reviewers approve."""
    rows = [{"field": "person", "label": "人员 person", "before": "", "after": str(payload.get("person") or "")},
            {"field": "method", "label": "处理方法 method", "before": "", "after": str(payload.get("method") or "")}]
    for year in payload.get("years") or []:
        before, after = year.get("before") or {}, year.get("after") or {}
        for field in FIGURES:
            if before.get(field) != after.get(field):
                rows.append({"field": f"{year.get('year')}.{field}", "label": f"{year.get('year')} {LABELS[field]}",
                             "before": _money(field, before.get(field)), "after": _money(field, after.get(field))})
    return rows


def run_uid(txn: str, year: int) -> str:
    """A correction posts one run per changed year: each run's uid derived from the transaction's and the year."""
    return hashlib.sha256(f"{txn}:{year}".encode()).hexdigest()[:32]


@transaction_type(TYPE, gettext_lazy("Correct a person's individual account years"), creators=("maintainer", "clerk"),
                  documents=("evidence",), describe=describe, prepare=prepare)
def correct_account_year(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"person", "year", "region", "method", "years"}, errors)
    person, year, region = payload.get("person"), payload.get("year"), payload.get("region")
    if not isinstance(person, str) or not Person.objects.filter(uid=person).exists():
        errors["person"] = _("no registered person with this uid")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2200:
        errors["year"] = _("must be a whole year such as 2025")
    if not isinstance(region, str) or not region:
        errors["region"] = _("is required (the pooling region's 6-digit code)")
    elif ctx.region and region != ctx.region:  # the payload's region is the one whose accounts are recomputed
        errors["region"] = _("must be the transaction's pooling region {region}, not {given}").format(
            region=ctx.region, given=region)
    method = text(payload, "method", errors, required=True, max_length=500)
    errors.raise_if_any()
    years = recompute(region, person, year)
    now = reviewed_years(years)
    if not now:
        raise InvalidTransaction({"year": _("the account years of person {person} from {year} on already agree with the "
                                            "record: nothing to correct").format(person=person, year=year)})
    if payload.get("years") != now:
        raise InvalidTransaction({"years": _("the recomputed figures changed since the correction was prepared and "
                                             "reviewed; withdraw it and prepare it again")})
    changed = [y for y in years if y.plan.row_count]
    first_seq = read_head()[0] + 1  # post() holds the head lock: the entries below are appended next, in order
    runs = {run_uid(ctx.txn, y.plan.year): y for y in changed}
    hold({uid: y.plan for uid, y in runs.items()})
    credited = [NewEntry(ACCOUNT_YEARS_CREDITED, f"accounts:{region}:{y.plan.year}",
                         {"run": uid, "run_seq": first_seq + n, **y.plan.summary(), "correction": person},
                         effective=f"{y.plan.year:04d}-12-31")
                for n, (uid, y) in enumerate(runs.items())]
    corrected = [NewEntry(ACCOUNT_YEAR_CORRECTED, f"person:{person}",
                          {"target": TARGET, "uid": f"{person}/{y.plan.year}", "year": y.plan.year, "run": uid,
                           "before": figures(y.before), "after": figures(y.after), "method": method},
                          effective=f"{y.plan.year:04d}-12-31")
                 for uid, y in runs.items()]
    return credited + corrected

"""The insured person's own record in the portal (issue #10 Build 2; 第十四条, 第十五条, 第二十一条, 第二十二条).

Five pages under /my/: the summary (registration, employers and periods, contribution years, the account balance,
the pension or the estimate in one line, subsidies), the contributions of one year per month and insurance type
with the months in arrears, the account statement per year with both charts and the contribution years with
deemed service, the pension (the award and "why is my pension this amount", the payments) or for a non-retiree the
estimate with its growth form, and "who read my record".

Every page reads the record through `queries.scopes.person_view` as the signed-in person (the one function that
decides what a requester sees: the person is the only subject, taken from the session, never from a parameter) and
logs the read with `records.disclosure.record_own_read` (channel "portal"), so the person's own reads are in the
access log like everyone else's.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.accounts.kinds import DEEMED_SERVICE_RECOGNISED
from sirecords.benefits.kinds import ACCOUNT_CLOSED, ELIGIBILITY_APPROVED
from sirecords.core.money import as_decimal, format_yuan
from sirecords.core.text import whole_number
from sirecords.portal.credentials import PERSON
from sirecords.portal.guard import person_page
from sirecords.queries.scopes import Requester, person_view
from sirecords.records.charts import account_growth_svg, contributions_per_year_svg
from sirecords.records.disclosure import reads_of, record_own_read
from sirecords.records.estimate import DEFAULT_GROWTH, categories_for, estimate_for, parse_growth
from sirecords.registry.kinds import EMPLOYMENT_ENDED, EMPLOYMENT_STARTED, PERSON_CHANGED, PERSON_REGISTERED
from sirecords.subsidies.kinds import SUBSIDY_GRANTED
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.views.portal import _previous_login as previous_login  # the landing page's
from sirecords.web.views.portal import reset_hint
from sirecords.web.views.record import INSURANCE_LABELS

CHANNEL = "portal"
EVENT_LABELS = {
    PERSON_REGISTERED: gettext_lazy("Registered for social insurance"),
    PERSON_CHANGED: gettext_lazy("Registration details changed"),
    EMPLOYMENT_STARTED: gettext_lazy("Employment started"),
    EMPLOYMENT_ENDED: gettext_lazy("Employment ended"),
    SUBSIDY_GRANTED: gettext_lazy("Subsidy granted"),
    ELIGIBILITY_APPROVED: gettext_lazy("Retirement approved"),
    ACCOUNT_CLOSED: gettext_lazy("Individual account closed"),
    DEEMED_SERVICE_RECOGNISED: gettext_lazy("Deemed service recognised"),
}
CATEGORY_LABELS = {"male": gettext_lazy("Man (statutory age 60, raised by the reform)"),
                   "female55": gettext_lazy("Woman in a cadre-type post (55, raised by the reform)"),
                   "female50": gettext_lazy("Woman in a worker-type post (50, raised by the reform)")}
STATUS_LABELS = {"active": gettext_lazy("being paid"), "suspended": gettext_lazy("suspended"),
                 "ended": gettext_lazy("ended")}


def own_view(request, what: str) -> dict[str, Any]:
    """The signed-in person's record as they may see it (the whole of it: 第十五条), the read logged."""
    person = request.portal.person
    view = person_view(person, Requester("self", person_uid=person.uid))
    record_own_read(person, what, CHANNEL)
    return view


def _labelled(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["insurance_label"] = INSURANCE_LABELS.get(row["insurance_type"], row["insurance_type"])
        row["in_arrears"] = bool(row.get("in_arrears"))
    return rows


def _events(view: dict[str, Any]) -> list[dict]:
    """The timeline in words, newest last (the staff's reason and transaction number are not shown)."""
    return [{"date": str(event["date"])[:10], "kind": event["kind"], "label": EVENT_LABELS.get(event["kind"], event["kind"]),
             "detail": event.get("detail", "")} for event in view.get("timeline", ())]


def _employments(view: dict[str, Any]) -> list[dict]:
    """The employment periods, from the timeline's employment events: employer, start, end (None: still employed)."""
    periods: list[dict] = []
    for event in view.get("timeline", ()):
        if event["kind"] == EMPLOYMENT_STARTED:
            periods.append({"employer": event.get("detail", ""), "employer_uid": event.get("employer_uid", ""),
                            "start": str(event["date"])[:10], "end": None})
        elif event["kind"] == EMPLOYMENT_ENDED:
            for period in reversed(periods):
                if period["employer_uid"] == event.get("employer_uid", "") and period["end"] is None:
                    period["end"] = str(event["date"])[:10]
                    break
    return periods


def _page(request, template: str, context: dict[str, Any]):
    return render(request, template, {"masked_id_number": request.portal.person.masked_id_number, **context})


def _latest_balance(view: dict[str, Any]) -> dict | None:
    years = view.get("account_years") or []
    return years[-1] if years else None


@never_cache
@require_http_methods(["GET"])
@person_page
def my_summary_view(request):
    """/my/: who I am in the record, my employers and periods, my totals, subsidies; links to the rest."""
    view = own_view(request, "record")
    arrears = [row for row in view.get("contributions", ()) if row.get("in_arrears")]
    return _page(request, "web/portal/my_summary.html", {
        "previous_login": previous_login(request), "reset_hint": reset_hint(PERSON),
        "person": view["person"], "employments": _employments(view), "events": _events(view),
        "years": view.get("contribution_years"), "balance": _latest_balance(view), "pension": view.get("pension"),
        "closure": view.get("account_closure"), "subsidies": _labelled(list(view.get("subsidies") or [])),
        "arrears_count": len(arrears), "scope": view["scope"]})


@never_cache
@require_http_methods(["GET"])
@person_page
def my_contributions_view(request):
    """/my/contributions/?year=YYYY: one year's contributions per month and insurance type; all months in arrears."""
    view = own_view(request, "record.contributions")
    rows = _labelled([dict(row) for row in view.get("contributions", ())])
    years = sorted({int(row["period"][:4]) for row in rows}, reverse=True)
    year, year_error = (years[0] if years else None), ""
    asked = request.GET.get("year", "")
    if asked:
        try:
            chosen = whole_number(asked)
        except (ValueError, TypeError):
            year_error = _("Choose a year from the list (four digits, such as 2024).")
        else:
            if chosen in years:
                year = chosen
            else:
                year_error = _("There are no contributions in your record for the year {year}.").format(year=chosen)
    shown = [row for row in rows if year is not None and row["period"].startswith(f"{year:04d}-")]
    return _page(request, "web/portal/my_contributions.html", {
        "years": years, "year": year, "year_error": year_error, "rows": shown,
        "arrears": [row for row in rows if row["in_arrears"]]})


@never_cache
@require_http_methods(["GET"])
@person_page
def my_account_view(request):
    """/my/account/: the account statement per year, the two charts, contribution years with deemed service."""
    view = own_view(request, "record.account")
    statement = [dict(row, interest=_sum_yuan(row["interest_on_prior"], row["interest_on_credits"]))
                 for row in view.get("account_years") or []]
    return _page(request, "web/portal/my_account.html", {
        "statement": statement, "years": view.get("contribution_years"), "deemed": view.get("deemed_service") or [],
        "closure": view.get("account_closure"), "balance": _latest_balance(view),
        "charts": [account_growth_svg(view.get("account_years") or []),
                   contributions_per_year_svg(view.get("contributions") or [])]})


def _sum_yuan(*values: str) -> str:
    return format_yuan(sum((as_decimal(value, "yuan") for value in values), start=as_decimal("0", "yuan")))


def estimate_arguments(person, growth_text: str | None, category_text: str | None):
    """(growth, category, errors) from the estimate form's GET parameters: an empty growth is the default rate, an
    empty category the person's default; errors by field name (the page shows each next to its field)."""
    errors: dict[str, str] = {}
    growth = DEFAULT_GROWTH
    if growth_text not in (None, ""):
        try:
            growth = parse_growth(growth_text)
        except InvalidTransaction as refused:
            errors.update(refused.errors)
    category = category_text or None
    if category is not None and category not in categories_for(person):
        errors["category"] = _("must be one of {choices} for this person").format(
            choices=", ".join(categories_for(person)))
    return growth, category, errors


@never_cache
@require_http_methods(["GET"])
@person_page
def my_pension_view(request):
    """/my/pension/: the award and why it is this amount, adjustments and payments; else the estimate with its form
    (GET ?growth=3%&category=…, errors shown next to the field) and its trace."""
    person = request.portal.person
    view = own_view(request, "record.pension")
    pension, estimate, errors = view.get("pension"), None, {}
    growth_text = request.GET.get("growth", "")
    category_text = request.GET.get("category", "")
    eligibility = [event for event in _events(view) if event["kind"] == ELIGIBILITY_APPROVED]
    if pension is None and view.get("account_closure") is None:
        growth, category, errors = estimate_arguments(person, growth_text, category_text)
        if not errors:
            try:
                estimate = estimate_for(person, growth, category=category)
            except InvalidTransaction as refused:
                errors = dict(refused.errors)
            else:
                record_own_read(person, "estimate", CHANNEL)
    if pension is not None:
        pension = dict(pension, status_label=STATUS_LABELS.get(pension["status"], pension["status"]))
    return _page(request, "web/portal/my_pension.html", {
        "pension": pension, "closure": view.get("account_closure"), "eligibility": eligibility,
        "estimate": estimate, "errors": errors, "growth_text": growth_text or f"{DEFAULT_GROWTH * 100:.0f}%",
        "category_text": category_text,  # empty: the estimate's own default (the earlier age)
        "categories": [(code, CATEGORY_LABELS.get(code, code)) for code in categories_for(person)],
        "years": view.get("contribution_years")})


@never_cache
@require_http_methods(["GET"])
@person_page
def my_reads_view(request):
    """/my/reads/: who read my record (第二十一条, 第二十二条), the reads a 第十八条 order keeps back left out until its
    disclosure date."""
    person = request.portal.person
    reads = reads_of(person)
    record_own_read(person, "reads", CHANNEL)
    return _page(request, "web/portal/my_reads.html", {"reads": reads})

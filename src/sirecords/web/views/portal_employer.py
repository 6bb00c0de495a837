"""The employer portal's record pages (第十四条, 第十五条第三款; issue #10 §3): the unit's contributions per month and
insurance type with arrears (and per year), their CSV file, its employees (paged) and one employee's registration
and contributions for their time with the unit.

The unit is always the signed-in account's (request.portal.employer, portal/guard.py): no URL or parameter names
it. Everything is read through portal/employer_reads.py (queries/scopes.py's functions, and the access log for
every employee shown). An employee page of a person the unit never employed is a 404, the same as an unknown uid.
"""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.core.csvsafe import writer
from sirecords.portal import employer_reads
from sirecords.portal.guard import employer_page
from sirecords.queries.scopes import OutOfScope
from sirecords.web.forms_employer import ContributionFilterForm
from sirecords.web.views.record import INSURANCE_LABELS

CHANNEL = "portal"


def _labelled(rows: list[dict]) -> list[dict]:
    """The rows with the insurance type's name in the page's language."""
    return [{**row, "insurance_label": INSURANCE_LABELS.get(row["insurance_type"], row["insurance_type"])} for row in rows]


def _filters(request) -> tuple[ContributionFilterForm, str | None, int | None]:
    form = ContributionFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data.get("month"), form.cleaned_data.get("year")
    return form, None, None


def _whole(value: str | None, default: int) -> int:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 else default


@require_http_methods(["GET"])
@never_cache
@employer_page
def contributions_view(request):
    """The unit's contributions: per year, and per month and insurance type (filtered by ?month= or ?year=)."""
    form, month, year = _filters(request)
    valid = not form.is_bound or form.is_valid()
    answer = employer_reads.contributions(request.portal, month, year) if valid else None
    if answer is not None:
        answer["months"] = _labelled(answer["months"])
    return render(request, "web/portal/employer_contributions.html", {
        "form": form, "answer": answer, "years": _labelled(employer_reads.years(request.portal)),
        "employer_name": request.portal.employer.name, "month": month, "year": year})


CSV_HEADER = ("period", "insurance_type", "insurance_type_title", "persons", "base", "employer_amount",
              "individual_amount", "arrears")


@require_http_methods(["GET"])
@never_cache
@employer_page
def contributions_csv_view(request):
    """The same rows as the page (the same filter), as a formula-safe CSV file (core/csvsafe.py)."""
    form, month, year = _filters(request)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    answer = employer_reads.contributions(request.portal, month, year)
    out = io.StringIO()
    csv = writer(out)
    employer = answer["employer"]
    csv.writerow(["employer", employer["name"], employer["uscc"]])
    csv.writerow(CSV_HEADER)
    for row in answer["months"]:
        csv.writerow([row[key] for key in CSV_HEADER])
    totals = answer["totals"]
    csv.writerow(["total", "", "", "", totals["base"], totals["employer_amount"], totals["individual_amount"],
                  totals["arrears"]])
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    suffix = month or (str(year) if year else "all")
    response["Content-Disposition"] = f'attachment; filename="contributions-{suffix}.csv"'
    return response


@require_http_methods(["GET"])
@never_cache
@employer_page
def employees_view(request):
    """The unit's employees, a page at a time (?page=N): masked ID number, name, periods with the unit."""
    page = _whole(request.GET.get("page"), 1)
    answer = employer_reads.employees_page(request.portal, page, employer_reads.PER_PAGE, CHANNEL, records=False)
    return render(request, "web/portal/employer_employees.html", {
        "answer": answer, "employer_name": request.portal.employer.name,
        "previous": page - 1 if page > 1 else None, "next": page + 1 if page < answer["pages"] else None})


@require_http_methods(["GET"])
@never_cache
@employer_page
def employee_view(request, person_uid: str):
    """One employee: registration and contributions limited to the employment periods with the unit."""
    try:
        answer = employer_reads.employee(request.portal, person_uid, CHANNEL)
    except OutOfScope:
        raise Http404(_("No such employee of this unit.")) from None
    answer["record"]["contributions"] = _labelled(answer["record"].get("contributions", []))
    return render(request, "web/portal/employer_employee.html", {
        "employee": answer, "record": answer["record"], "employer_name": request.portal.employer.name})

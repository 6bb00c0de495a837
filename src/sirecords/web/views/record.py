"""The person's record (第二条): find by ID number (POST, so the number stays out of URLs), then the
record by the person's internal uid, with the monthly contributions one year per page. Every view of a
record is written to the access log (第二十一条)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.core.identifiers import InvalidIdentifier
from sirecords.records import personal as personal_record
from sirecords.registry.models import Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.web.forms_desk import PersonSearchForm
from sirecords.web.guard import page
from sirecords.web.views.desk_visibility import log_access

PURPOSE = "record view"
INSURANCE_LABELS = {"pension": gettext_lazy("Pension insurance"), "medical": gettext_lazy("Medical insurance"),
                    "unemployment": gettext_lazy("Unemployment insurance"), "work_injury": gettext_lazy("Work injury insurance"),
                    "maternity": gettext_lazy("Maternity insurance")}


def _labelled(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["insurance_label"] = INSURANCE_LABELS.get(row["insurance_type"], row["insurance_type"])
    return rows


@page("record_search")
@never_cache
@require_http_methods(["GET", "POST"])
def search_view(request):
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            person = find_person_by_id_number(form.cleaned_data["id_number"])
        except InvalidIdentifier as invalid:
            form.add_error("id_number", invalid.message)
            person = None
        else:
            if person is None:
                form.add_error("id_number", _("No insured person is registered with this ID number."))
        if person is not None:
            return redirect("record_person", uid=person.uid)
    return render(request, "web/record/search.html", {"form": form})


@page("record_person")
@never_cache
@require_http_methods(["GET"])
def person_view(request, uid: str):
    person = Person.objects.filter(uid=uid).first()
    if person is None:
        raise Http404("no such person")
    years = personal_record.contribution_years_of(person)
    try:
        year = int(request.GET.get("year") or (years[-1] if years else 0))
    except ValueError:
        year = years[-1] if years else 0
    if years and year not in years:
        year = years[-1]
    index = years.index(year) if year in years else -1
    context = {
        "person": personal_record.header(person),
        "timeline": personal_record.timeline(person),
        "years": years, "year": year,
        "previous_year": years[index - 1] if index > 0 else None,
        "next_year": years[index + 1] if 0 <= index < len(years) - 1 else None,
        "contributions": _labelled(personal_record.contributions(person, year)) if years else [],
        "statement": personal_record.statement(person),
        "contribution_years": personal_record.years(person),
        "deemed_service": personal_record.deemed_service(person),
        "subsidies": _labelled(personal_record.subsidies(person)),
        "pension": personal_record.pension(person),
        "account_closure": personal_record.account_closure(person),
    }
    log_access(request.actor, f"person:{person.uid}",
               f"record: timeline, contributions {year or '-'}, account statement, contribution years", PURPOSE)
    return render(request, "web/record/person.html", context)

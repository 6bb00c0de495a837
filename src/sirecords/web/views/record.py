"""The person's record (第二条): find by ID number (POST, so the number stays out of URLs), then the record by the
person's internal uid, with the monthly contributions one year per page.

A record is shown only for a stated purpose (第二十一条): the search form asks for it with the number; the record
page asks for it first when none is remembered for that person (the session keeps it for
SIRECORDS_READ_PURPOSE_MINUTES, so paging through the years does not ask again). Every view is admitted and
logged by records/reads.py: the reader's regions, the read limits (第二十二条), the access log; a look-up of a
number nobody is registered with is logged under its keyed index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.core.identifiers import InvalidIdentifier
from sirecords.core.text import whole_number
from sirecords.records import personal as personal_record
from sirecords.records import reads
from sirecords.records.purposes import Purpose, label
from sirecords.registry.models import Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.web.forms_record import PurposeForm, RecordSearchForm
from sirecords.web.guard import page

CHANNEL = "web"
SESSION_KEY = "sirecords_read_purposes"
INSURANCE_LABELS = {"pension": gettext_lazy("Pension insurance"), "medical": gettext_lazy("Medical insurance"),
                    "unemployment": gettext_lazy("Unemployment insurance"), "work_injury": gettext_lazy("Work injury insurance"),
                    "maternity": gettext_lazy("Maternity insurance")}


def _labelled(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["insurance_label"] = INSURANCE_LABELS.get(row["insurance_type"], row["insurance_type"])
    return rows


def remember(session, uid: str, purpose: Purpose) -> None:
    """Keep the stated purpose for this person for a short while (and forget the ones that expired)."""
    now = datetime.now(UTC)
    kept = {key: value for key, value in (session.get(SESSION_KEY) or {}).items()
            if isinstance(value, dict) and value.get("until", "") > now.isoformat()}
    until = now + timedelta(minutes=settings.SIRECORDS_READ_PURPOSE_MINUTES)
    kept[uid] = {"code": purpose.code, "reference": purpose.reference, "detail": purpose.detail, "until": until.isoformat()}
    session[SESSION_KEY] = kept


def remembered(session, uid: str) -> Purpose | None:
    value = (session.get(SESSION_KEY) or {}).get(uid)
    if not isinstance(value, dict) or value.get("until", "") <= datetime.now(UTC).isoformat():
        return None
    return Purpose(value["code"], value["detail"], value.get("reference", ""))


@page("record_search")
@never_cache
@require_http_methods(["GET", "POST"])
def search_view(request):
    form = RecordSearchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reader = reads.Reader(request.actor, CHANNEL)
        number = form.cleaned_data["id_number"]
        reads.admit_lookup(reader, request, number, form.purpose)
        try:
            person = find_person_by_id_number(number)
        except InvalidIdentifier as invalid:
            reads.probe(reader, request, number, form.purpose, invalid=True)
            form.add_error("id_number", invalid.message)
        else:
            if person is None:
                reads.probe(reader, request, number, form.purpose, invalid=False)
                form.add_error("id_number", _("No insured person is registered with this ID number."))
            else:
                reads.check_region(reader, person, form.purpose)
                remember(request.session, person.uid, form.purpose)
                return redirect("record_person", uid=person.uid)
    return render(request, "web/record/search.html", {"form": form})


@page("record_person")
@never_cache
@require_http_methods(["GET", "POST"])
def person_view(request, uid: str):
    person = Person.objects.filter(uid=uid).first()
    if person is None:
        raise Http404("no such person")
    if request.method == "POST":  # the purpose step
        form = PurposeForm(request.POST)
        if form.is_valid():
            remember(request.session, person.uid, form.purpose)
            return redirect(request.get_full_path())
        return render(request, "web/record/purpose.html", {"form": form}, status=400)
    purpose = remembered(request.session, person.uid)
    if purpose is None:
        return render(request, "web/record/purpose.html", {"form": PurposeForm()})
    years = personal_record.contribution_years_of(person)
    try:
        year = whole_number(str(request.GET.get("year") or (years[-1] if years else 0)))
    except ValueError:
        year = years[-1] if years else 0
    if years and year not in years:
        year = years[-1]
    reads.read(reads.Reader(request.actor, CHANNEL), f"person:{person.uid}",
               f"record: timeline, contributions {year or '-'}, account statement, contribution years", purpose)
    index = years.index(year) if year in years else -1
    context = {
        "person": personal_record.header(person),
        "purpose": purpose, "purpose_label": label(purpose.code),
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
    return render(request, "web/record/person.html", context)

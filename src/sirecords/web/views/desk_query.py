"""Counter and delegated queries (第十五条): the query officer records who asks and on what basis, then hands over the
answer — a printable page or a CSV file — read through the requester's scope (queries/services.answer, the one read:
access-logged with the basis as purpose; queries/scopes.person_view, the one filter)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.queries import services as queries
from sirecords.queries.export import view_csv
from sirecords.records import reads
from sirecords.records.purposes import implied
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_query import CounterQueryForm
from sirecords.web.guard import page, refuse
from sirecords.web.views.record import INSURANCE_LABELS
from sirecords.workflow.services import Refused

# The service's field names → the form's
FIELDS = {"authorisation_sha256": "authorisation", "months": "months_start", "employer": "uscc", "person": "id_number"}


@page("desk_query_new")
@never_cache
@require_http_methods(["GET", "POST"])
def new_query_view(request):
    form = CounterQueryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data, number = form.cleaned_data, form.cleaned_data["id_number"]
        purpose = implied(queries.PURPOSE_CODE, f"counter query ({data['requester']}): finding the person")
        reader = reads.Reader(request.actor, "web")
        reads.admit_lookup(reader, request, number, purpose)  # look-up and probe rates (records/limits.py)
        person = find_person_by_id_number(number)
        if person is None:
            reads.probe(reader, request, number, purpose, invalid=False)
            form.add_error("id_number", _("No insured person is registered with this ID number."))
        else:
            upload = data.get("authorisation")
            try:
                txn = queries.record_query(
                    request.actor, person, data["requester"], identity_checked=data.get("identity_checked", False),
                    delegate_id_number=data.get("delegate_id_number") or "",
                    authorisation=upload.read() if upload else None, authorisation_name=upload.name if upload else "",
                    items=form.items_named(), months=form.months(), employer=form.employer, channel="counter")
            except InvalidTransaction as invalid:
                form.add_problems(invalid.errors, FIELDS)
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                return redirect("desk_query_answer", uid=txn.uid)
    return render(request, "web/desk/query_new.html", {"form": form})


def _query(request, uid):
    query = queries.counter_query(uid)
    if query is None:
        raise Http404("no such counter query")
    return query


@page("desk_query_answer")
@never_cache
@require_http_methods(["GET"])
def answer_view(request, uid):
    query = _query(request, uid)
    try:
        view = queries.answer(request.actor, query, what="counter query answer (page)")
    except Refused as refused:
        return refuse(request, refused.message)
    for row in [*view.get("contributions", ()), *view.get("subsidies", ())]:  # labels for the page only, not the CSV
        row["insurance_label"] = INSURANCE_LABELS.get(row["insurance_type"], row["insurance_type"])
    return render(request, "web/desk/query_answer.html", {"query": query, "view": view, "scope": view["scope"]})


@page("desk_query_csv")
@never_cache
@require_http_methods(["GET"])
def answer_csv_view(request, uid):
    query = _query(request, uid)
    try:
        view = queries.answer(request.actor, query, what="counter query answer (CSV file)")
    except Refused as refused:
        return refuse(request, refused.message)
    response = HttpResponse(view_csv(view), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="record-query-{uid[:12]}.csv"'
    return response

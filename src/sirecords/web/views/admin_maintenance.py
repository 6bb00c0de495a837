"""The dedicated data maintainers' pages (第十一条, 第十二条): find a record, open a correction or a
supplement with its evidence and submit it to the review chain, and follow one's own transactions.

Every page that shows a person's data records the read in the access log (purpose "maintenance").
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction as db_transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sirecords.crypto.sealing import SealBroken
from sirecords.records import reads
from sirecords.registry.labels import label
from sirecords.registry.models import Employer, Employment, Person
from sirecords.transactions.posting import InvalidTransaction, transaction_type_named
from sirecords.web.forms_admin import AddEmploymentForm, EmploymentCorrectionForm, FindRecordForm, MaintenanceForm
from sirecords.web.guard import page
from sirecords.web.views.admin_common import CHANNEL, focus, posted, put_errors, regions_of, stage_label, txn_url
from sirecords.workflow import documents, services
from sirecords.workflow.models import BusinessTransaction

ACCOUNT_YEARS = "correct_account_year"  # opened at the desk's form (web/forms_accounts.py), listed here too
TYPES = ("correction", "supplement", ACCOUNT_YEARS)
PURPOSE = "maintenance"


def _read(request, person: Person, what: str) -> None:
    """Admitted and logged by records/reads.py: the person's pooling region must be the maintainer's, within the
    read limits (a refusal is a ReadRefused the page guard shows)."""
    reads.read(reads.Reader(request.actor, CHANNEL), f"person:{person.uid}", what, PURPOSE)


DOCUMENT_ERRORS = {"file": "evidence", "documents": "evidence", "kind": "evidence"}


def _change_field(key: str) -> str:
    """Where an error of a one-field correction or supplement belongs: changes.* next to the new value."""
    if key == "changes" or key.startswith("changes."):
        return "new_value"
    return DOCUMENT_ERRORS.get(key, key)


def _period_field(key: str) -> str:
    """Where an error of an added employment period belongs."""
    return {"changes.employer": "employer_uscc", "changes.start": "start", "changes.end": "end"}.get(
        key, DOCUMENT_ERRORS.get(key, key))


def _open_and_submit(request, form, type_name: str, payload: dict, to_field=_change_field) -> BusinessTransaction | None:
    """Open the transaction, attach the evidence and submit it, all or nothing; errors go on the form."""
    actor, data = request.actor, form.cleaned_data
    upload = data["evidence"]
    try:
        with db_transaction.atomic():
            txn = services.open_transaction(actor, type_name, payload, region=data["region"], reason=data["reason"],
                                            channel=CHANNEL)
            services.attach(actor, txn, "evidence", documents.received(upload), upload.name)
            services.submit(actor, txn)
    except documents.DocumentRefused as refused:
        form.add_error("evidence", str(refused))
    except InvalidTransaction as invalid:
        put_errors(form, invalid.errors, to_field)
    except services.Refused as refused:
        form.add_error(None, refused.message)
    else:
        stages = "、".join(stage_label(s) for s in txn.stage_list)
        messages.success(request, _("Submitted for review (%(stages)s): %(title)s, transaction %(uid)s.") % {
            "stages": stages, "title": transaction_type_named(type_name).title, "uid": txn.uid})
        return txn
    if "evidence" not in form.errors:
        form.add_error("evidence", _("Nothing was saved: choose the file again."))
    return None


def _describe(txn: BusinessTransaction) -> str:
    """Which record and fields a maintenance transaction touches (never the values)."""
    try:
        payload = services.payload_of(txn)
    except (SealBroken, ValueError):
        return txn.summary
    if txn.type == ACCOUNT_YEARS:
        return _("{person} · account years from {year}").format(person=f"{label('person')} {payload.get('person', '')}",
                                                                  year=payload.get("year", ""))
    fields = "、".join(label(name) for name in (payload.get("changes") or {}))
    return f"{label(payload.get('target', ''))} {payload.get('uid', '')} · {fields}".strip()


@page("maint_home")
@require_http_methods(["GET", "POST"])
def maint_home(request):
    form = FindRecordForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        record = form.cleaned_data["record"]
        return redirect("maint_person" if isinstance(record, Person) else "maint_employer", uid=record.uid)
    mine = (BusinessTransaction.objects.filter(created_by=request.actor.username, type__in=TYPES).order_by("-created_at"))
    listing = Paginator(mine, 50).get_page(request.GET.get("page"))
    rows = [{"txn": txn, "title": transaction_type_named(txn.type).title, "what": _describe(txn),
             "stage": stage_label(txn.due_stage), "url": txn_url(txn.uid, request.actor)} for txn in listing]
    return render(request, "web/admin/maint_home.html", {"form": focus(form), "rows": rows, "listing": listing},
                  status=400 if form.errors else 200)


def _person_view(request, person: Person, form, template: str, what: str, extra: dict | None = None, status: int = 200):
    _read(request, person, what)
    periods = person.employments.select_related("employer").order_by("start")
    context = {"person": person, "periods": periods, "form": focus(form), **(extra or {})}
    return render(request, template, context, status=status)


@page("maint_person")
@require_http_methods(["GET", "POST"])
def maint_person(request, uid: str):
    person = get_object_or_404(Person, pk=uid)
    regions = regions_of(request.actor, "maintainer")
    form = MaintenanceForm(*posted(request, files=True), target="person", regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payload = {"target": "person", "uid": person.uid, "changes": {data["field"]: data["new_value"].strip()},
                   "method": data["method"]}
        if _open_and_submit(request, form, data["kind"], payload):
            return redirect("maint_home")
    return _person_view(request, person, form, "web/admin/maint_person.html", "person.detail",
                        status=400 if form.errors else 200)


@page("maint_employer")
@require_http_methods(["GET", "POST"])
def maint_employer(request, uid: str):
    employer = get_object_or_404(Employer, pk=uid)
    regions = regions_of(request.actor, "maintainer")
    form = MaintenanceForm(*posted(request, files=True), target="employer", regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payload = {"target": "employer", "uid": employer.uid, "changes": {data["field"]: data["new_value"].strip()},
                   "method": data["method"]}
        if _open_and_submit(request, form, data["kind"], payload):
            return redirect("maint_home")
    return render(request, "web/admin/maint_employer.html", {"employer": employer, "form": focus(form)},
                  status=400 if form.errors else 200)


@page("maint_employment")
@require_http_methods(["GET", "POST"])
def maint_employment(request, uid: str):
    period = get_object_or_404(Employment.objects.select_related("person", "employer"), pk=uid)
    form = EmploymentCorrectionForm(*posted(request, files=True), regions=regions_of(request.actor, "maintainer"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        value = data["new_value"].isoformat() if data["new_value"] else ""
        payload = {"target": "employment", "uid": period.uid, "changes": {data["field"]: value}, "method": data["method"]}
        if _open_and_submit(request, form, "correction", payload):
            return redirect("maint_home")
    return _person_view(request, period.person, form, "web/admin/maint_employment.html", "employment.detail",
                        {"period": period}, status=400 if form.errors else 200)


@page("maint_add_employment")
@require_http_methods(["GET", "POST"])
def maint_add_employment(request, uid: str):
    person = get_object_or_404(Person, pk=uid)
    form = AddEmploymentForm(*posted(request, files=True), regions=regions_of(request.actor, "maintainer"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payload = {"target": "employment", "method": data["method"],
                   "changes": {"person": person.uid, "employer": form.employer.uid, "start": data["start"].isoformat(),
                               "end": data["end"].isoformat()}}
        if _open_and_submit(request, form, "supplement", payload, _period_field):
            return redirect("maint_home")
    return _person_view(request, person, form, "web/admin/maint_add_employment.html", "employment.list",
                        status=400 if form.errors else 200)

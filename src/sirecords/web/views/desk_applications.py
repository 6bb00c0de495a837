"""Written applications to query records (第十八条–第二十条, 第二十四条, 第二十九条): the query officer registers one
with the applicant's credentials; the reviewers review it on the review queue like every transaction and, at the
stage due, may refuse it with the reason; the approved answer (printable) and the refusal notice (printable); the
register of recipients and their agreed uses. The answer is read only through applications/services.answer_documents
(the access log, the approved scope)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.applications import services as applications
from sirecords.queries.scopes import item_title
from sirecords.records import reads
from sirecords.records.purposes import implied
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.actors import ANY_REGION
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_applications import ApplicationForm, RefusalForm
from sirecords.web.guard import page, refuse
from sirecords.web.views.record import INSURANCE_LABELS
from sirecords.workflow.stages import STAGE_ROLE, STAGE_TITLES
from sirecords.workflow.visibility import can_see

# The service's field names → the form's
FIELDS = {"months": "months_end"}
# Who sees an application's page and its refusal: its region's query officers, reviewers and supervisors.
SEEING = ("query_officer", "supervisor", *STAGE_ROLE.values())


def _application(request, uid):
    app = applications.application(uid)
    if app is None or not (can_see(request.actor, app.txn) or
                           any(request.actor.has(role, app.txn.region) for role in SEEING)):
        raise Http404("no such application")
    return app


def _regions(actor, roles) -> list[str] | None:
    """The regions where `actor` holds one of `roles`; None for every region."""
    held = sorted({region for role in roles for region in actor.regions_for(role)})
    return None if ANY_REGION in held else held


@page("desk_application_new")
@never_cache
@require_http_methods(["GET", "POST"])
def new_view(request):
    form = ApplicationForm(request.POST or None, request.FILES or None, regions=request.actor.regions_for("query_officer"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reader = reads.Reader(request.actor, "web")
        purpose = implied(applications.PURPOSES[data["applicant_kind"]], "registering a written application")
        unknown = []
        for n, number in enumerate(data["persons"], 1):  # the read gate's look-up rates and probe log (records/reads.py)
            reads.admit_lookup(reader, request, number, purpose)
            if find_person_by_id_number(number) is None:
                reads.probe(reader, request, number, purpose, invalid=False)
                unknown.append(n)
        upload = data["credentials"]
        if unknown:
            form.add_error("persons", _("No insured person is registered with the ID number of line {lines}.").format(
                lines=", ".join(map(str, unknown))))
            return render(request, "web/desk/application_new.html", {"form": form})
        try:
            txn = applications.register(
                request.actor, region=data["region"], applicant_kind=data["applicant_kind"],
                organisation=data["organisation"], contact=data["contact"], purpose=data["purpose"],
                legal_basis=data["legal_basis"], persons=data["persons"], items=data["items"],
                months=(data["months_start"], data["months_end"]), agreed_use=data["agreed_use"],
                credentials=upload.read(), credentials_name=upload.name, disclose_on=data.get("disclose_on"))
        except InvalidTransaction as invalid:
            for name, problem in invalid.errors.items():
                name = FIELDS.get(name, name)
                form.add_error(name if name in form.fields else None, problem)
        except applications.Refused as refused:
            form.add_error(None, refused.message)
        else:
            return redirect("desk_application", uid=txn.uid)
    return render(request, "web/desk/application_new.html", {"form": form})


@page("desk_applications")
@never_cache
@require_http_methods(["GET"])
def list_view(request):
    regions = _regions(request.actor, SEEING)
    pending = [app for app in applications.pending() if regions is None or app.txn.region in regions]
    return render(request, "web/desk/applications.html", {"pending": [app.summary() for app in pending]})


def _may_refuse(actor, app) -> bool:
    stage = app.txn.due_stage
    return (app.decision is None and stage is not None and actor.username != app.txn.created_by
            and actor.has(STAGE_ROLE[stage], app.txn.region))


@page("desk_application")
@never_cache
@require_http_methods(["GET"])
def detail_view(request, uid):
    app = _application(request, uid)
    stage = app.txn.due_stage
    return render(request, "web/desk/application.html", {
        "app": app, "summary": app.summary(), "items": [item_title(code) for code in app.fields.get("items") or ()],
        "due": STAGE_TITLES[stage] if stage else None, "may_refuse": _may_refuse(request.actor, app),
        "may_answer": app.approved and request.actor.has("query_officer", app.txn.region),
        "refusal_form": RefusalForm()})


@page("desk_application_refuse")
@never_cache
@require_http_methods(["POST"])
def refuse_view(request, uid):
    app = _application(request, uid)
    form = RefusalForm(request.POST)
    if form.is_valid():
        try:
            applications.refuse(request.actor, app, form.cleaned_data["reason"])
        except InvalidTransaction as invalid:
            form.add_error("reason", "; ".join(str(v) for v in invalid.errors.values()))
        except applications.Refused as refused:
            return refuse(request, refused.message)
        else:
            return redirect("desk_application_refusal", uid=uid)
    stage = app.txn.due_stage
    return render(request, "web/desk/application.html", {
        "app": app, "summary": app.summary(), "items": [item_title(code) for code in app.fields.get("items") or ()],
        "due": STAGE_TITLES[stage] if stage else None, "may_refuse": _may_refuse(request.actor, app),
        "may_answer": False, "refusal_form": form}, status=400)


@page("desk_application_answer")
@never_cache
@require_http_methods(["GET"])
def answer_view(request, uid):
    app = _application(request, uid)
    try:
        answers = applications.answer_documents(app, request.actor, what="application answer (page)")
    except applications.Refused as refused:
        return refuse(request, refused.message)
    for view, row in zip(answers, app.decision["persons"], strict=True):  # the same order: answer_documents'
        view["certificate_url"] = reverse("desk_application_answer_pdf", args=[app.uid, row["person"]])
    for view in answers:
        for row in [*view.get("contributions", ()), *view.get("subsidies", ())]:
            row["insurance_label"] = INSURANCE_LABELS.get(row["insurance_type"], row["insurance_type"])
    return render(request, "web/desk/application_answer.html", {"app": app, "summary": app.summary(), "answers": answers})


@page("desk_application_answer_pdf")
@never_cache
@require_http_methods(["POST"])
def answer_pdf_view(request, uid, person_uid):
    """The answer about one person as a signed PDF (a POST: each one is issued, a ledger entry)."""
    from sirecords.records.limits import ReadRefused
    from sirecords.web.views.certificates import pdf_response

    app = _application(request, uid)
    try:
        issued = applications.answer_certificate(app, request.actor, person_uid)
    except applications.Refused as refused:
        return refuse(request, refused.message)
    except ReadRefused as refused:
        return refuse(request, refused.message, refused.status)
    return pdf_response(issued)


@page("desk_application_refusal")
@never_cache
@require_http_methods(["GET"])
def refusal_view(request, uid):
    app = _application(request, uid)
    if not app.refused:
        raise Http404("this application was not refused")
    return render(request, "web/desk/application_refusal.html", {"app": app, "summary": app.summary()})


@page("desk_recipients")
@never_cache
@require_http_methods(["GET"])
def recipients_view(request):
    register = applications.recipients(_regions(request.actor, ("supervisor", "query_officer")))
    for entry in register:  # the items and months in words for the page (the register keeps the codes)
        for answered in entry["applications"]:
            answered["item_titles"] = [item_title(code) for code in answered["items"]]
            answered["months_text"] = answered["months"].replace("..", " – ")
    return render(request, "web/desk/recipients.html", {"recipients": register})

"""Disputes of the record in the portal (第十六条): "my disputes" for the insured person, "the unit's disputes" for an
employer's user. Each lists the cases with their steps and outcome (a refusal with its reasons and the right to
administrative review or litigation), a form to file a request with an optional scan, and a form to add evidence to
an open case. Everything goes through disputes/services.py; the person or the unit is the session's
(request.portal), never a URL's: another's case id answers 404, written to the security log (services.own_case)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sirecords.disputes import services as disputes
from sirecords.disputes.models import OPEN_STATES, Case
from sirecords.portal.guard import employer_page, person_page
from sirecords.portal.services import holder
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_disputes import (
    ITEM_LABELS,
    REQUESTER_LABELS,
    STATE_LABELS,
    STEP_LABELS,
    EmployerDisputeForm,
    EvidenceForm,
    PersonDisputeForm,
)
from sirecords.web.views.desk_common import document_name
from sirecords.workflow import documents

CHANNEL = "web"  # the ledger's channel of a signed-in person's or unit's own request
# The service's field names → the forms' (a scan's problems are the file field's)
FIELDS = {"document": "evidence", "kind": "evidence", "person": "id_number"}


def shown(cases: list[Case], *, evidence_for: str = "", evidence_form=None, subject: bool = False) -> list[dict]:
    """The cases as the portal shows them (services.as_json_many, as the API gives them: read together), labels in
    the reader's language; the outcome's reason is the service's (a refusal's with the right to review or litigation).
    The case `evidence_for` carries the evidence form sent back with its errors."""
    out = []
    for case, item in zip(cases, disputes.as_json_many(cases, subject=subject), strict=True):
        out.append({
            **item, "uid": case.uid, "person": case.person, "item_label": ITEM_LABELS.get(case.item, case.item),
            "state_label": STATE_LABELS.get(case.state, case.state), "open": case.state in OPEN_STATES,
            "requester": REQUESTER_LABELS.get(case.requester_kind, case.requester_kind),
            "steps": [{"label": STEP_LABELS.get(step["step"]) or STATE_LABELS.get(step["state"], step["state"]),
                       "at": str(step["at"])[:16].replace("T", " ")} for step in item["steps"]],
            "evidence": [{"kind": document_name(e["kind"]), "content_type": e["content_type"],
                          "added_at": str(e["added_at"])[:16].replace("T", " ")} for e in item["evidence"]],
            "evidence_form": evidence_form if case.uid == evidence_for else None})
    return out


def actor(request):
    """The signed-in account's holder, as the services know it (its one power: filing and adding evidence)."""
    return holder(request.portal.username)


def scans_of(form, *fields: str) -> tuple[disputes.Document, ...]:
    """The uploads of `fields` as the service's Documents (the kind is the field's name); an oversize one refused by
    its size unread (documents.received)."""
    found = []
    for name in fields:
        upload = form.cleaned_data.get(name)
        if upload:
            found.append(disputes.Document(name, documents.received(upload), upload.name))
    return tuple(found)


def put_errors(form, errors: dict[str, str]) -> None:
    for key, message in errors.items():
        name = FIELDS.get(key, key)
        form.add_error(name if name in form.fields else None, message)


def file_with(request, form, **arguments) -> Case | None:
    """File the request through the service; its refusals on the form (a scan's next to the file field)."""
    try:
        scans = scans_of(form, "evidence")
        return disputes.file(actor(request), channel=CHANNEL, item=form.cleaned_data["item"],
                             period=form.cleaned_data.get("period") or "", claim=form.cleaned_data["claim"],
                             scans=scans, **arguments)
    except documents.DocumentRefused as refused:
        form.add_error("evidence", str(refused))
    except InvalidTransaction as invalid:
        put_errors(form, invalid.errors)
    if "evidence" in form.fields and form.cleaned_data.get("evidence"):
        form.add_error(None, _("Nothing was saved: choose the file again."))
    return None


def add_evidence_with(request, case: Case, form) -> bool:
    if not form.is_valid():
        return False
    try:
        disputes.add_evidence(actor(request), case, scans_of(form, "evidence")[0], channel=CHANNEL)
    except documents.DocumentRefused as refused:
        form.add_error("evidence", str(refused))
        return False
    except InvalidTransaction as invalid:
        put_errors(form, invalid.errors)
        return False
    messages.success(request, _("The evidence was added to case %(uid)s.") % {"uid": case.uid})
    return True


# --- the insured person ------------------------------------------------------------------------------------------------

def _my_page(request, form, status: int = 200, evidence_for: str = "", evidence_form=None):
    person = request.portal.person
    cases = shown(disputes.for_person(person.uid), evidence_for=evidence_for, evidence_form=evidence_form)
    return render(request, "web/portal/my_disputes.html", {
        "masked_id_number": person.masked_id_number, "cases": cases, "form": form, "blank_evidence": EvidenceForm(),
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@person_page
def my_disputes_view(request):
    """/my/disputes/: my cases, and the form to file one (POST)."""
    if request.method == "POST":
        form = PersonDisputeForm(request.POST, request.FILES)
        if form.is_valid():
            case = file_with(request, form, person=request.portal.person.uid)
            if case is not None:
                messages.success(request, _("Your request was received as case %(uid)s; the answer is due by %(due)s.")
                                 % {"uid": case.uid, "due": case.due_on})
                return redirect("my_disputes")
        return _my_page(request, form, status=400)
    return _my_page(request, PersonDisputeForm())


@never_cache
@require_POST
@person_page
def my_dispute_evidence_view(request, uid: str):
    case = disputes.own_case(uid, person=request.portal.person.uid)
    if case is None:
        raise Http404(_("No such case of yours."))
    form = EvidenceForm(request.POST, request.FILES)
    if add_evidence_with(request, case, form):
        return redirect("my_disputes")
    return _my_page(request, PersonDisputeForm(), status=400, evidence_for=case.uid, evidence_form=form)


# --- the employer ------------------------------------------------------------------------------------------------------

def _unit_page(request, form, status: int = 200, evidence_for: str = "", evidence_form=None):
    employer = request.portal.employer
    cases = shown(disputes.for_employer(employer.uid), evidence_for=evidence_for, evidence_form=evidence_form, subject=True)
    return render(request, "web/portal/employer_disputes.html", {
        "employer_name": employer.name, "cases": cases, "form": form, "blank_evidence": EvidenceForm()}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@employer_page
def employer_disputes_view(request):
    """/employer/disputes/: the cases the unit's users filed, and the form to file one (POST)."""
    if request.method == "POST":
        form = EmployerDisputeForm(request.POST, request.FILES)
        if form.is_valid():
            employer = request.portal.employer
            person = ""
            if form.cleaned_data.get("id_number"):
                found = find_person_by_id_number(form.cleaned_data["id_number"])
                # Unknown and never employed answer the same: the form tells nothing of who is registered.
                person = found.uid if found is not None else ""
            if form.cleaned_data.get("id_number") and not person:
                form.add_error("id_number", _("was never employed by this unit: an employer disputes its employees' "
                                              "records only"))
            else:
                case = file_with(request, form, person=person, employer=employer.uid, requester_kind="employer",
                                 requester=request.portal.username)
                if case is not None:
                    messages.success(request, _("The request was received as case %(uid)s; the answer is due by %(due)s.")
                                     % {"uid": case.uid, "due": case.due_on})
                    return redirect("employer_disputes")
        return _unit_page(request, form, status=400)
    return _unit_page(request, EmployerDisputeForm())


@never_cache
@require_POST
@employer_page
def employer_dispute_evidence_view(request, uid: str):
    case = disputes.own_case(uid, employer=request.portal.employer.uid)
    if case is None:
        raise Http404(_("No such case of the unit."))
    form = EvidenceForm(request.POST, request.FILES)
    if add_evidence_with(request, case, form):
        return redirect("employer_disputes")
    return _unit_page(request, EmployerDisputeForm(), status=400, evidence_for=case.uid, evidence_form=form)

"""Disputes of the record at the desk (第十六条): the queue (filtered by state; subjects masked; overdue marked; "in
review" while a correction is), a case's page (the claim, the scans through the desk's document viewer, the steps,
the disputed month of the person's record, its read logged with the purpose `dispute`) with the decisions — examine,
refuse with reasons, refer to another region, correct through one of the item's corrections (reviewed in four
stages) — the counter's form recording a written request, and the supervisors' list of overdue cases.

Every decision is disputes/services.py's: whoever posted a disputed entry is refused (workflow Refused), and the
refusal is shown on the case page with the entry named."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sirecords.contributions import reversals
from sirecords.contributions.models import Contribution
from sirecords.core.money import fen_to_yuan
from sirecords.disputes import services as disputes
from sirecords.disputes.models import OPEN_STATES, Case, DisputeItem, DisputeState, Evidence
from sirecords.disputes.transactions import CORRECTIONS, EXAMINERS
from sirecords.records import reads
from sirecords.records.purposes import implied
from sirecords.registry.models import Person
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction, transaction_types
from sirecords.web.forms_disputes import (
    ITEM_LABELS,
    REQUESTER_LABELS,
    STATE_LABELS,
    STEP_LABELS,
    CorrectForm,
    CounterDisputeForm,
    ReferForm,
    RefuseForm,
)
from sirecords.web.guard import page
from sirecords.web.views.desk_common import document_name
from sirecords.web.views.desk_visibility import log_access
from sirecords.web.views.portal_disputes import put_errors, scans_of
from sirecords.web.views.record import INSURANCE_LABELS
from sirecords.workflow import documents
from sirecords.workflow.services import Refused

CHANNEL = "web"


def _rows(cases: list[Case]) -> list[dict]:
    reviewing, subjects = disputes.in_review([case.uid for case in cases]), disputes.subjects_masked(cases)
    return [{"case": case, "item": ITEM_LABELS.get(case.item, case.item), "state": STATE_LABELS.get(case.state, case.state),
             "subject": subjects[case.uid], "overdue": disputes.overdue(case),
             "in_review": reviewing.get(case.uid, "")} for case in cases]


@page("desk_disputes")
@never_cache
@require_GET
def list_view(request):
    state = request.GET.get("state") if request.GET.get("state") in DisputeState.values else None
    return render(request, "web/desk/disputes.html", {
        "rows": _rows(disputes.listing(state, actor=request.actor)), "states": STATE_LABELS.items(), "state": state or "",
        "overdue_only": False})


@page("desk_disputes_overdue")
@never_cache
@require_GET
def overdue_view(request):
    return render(request, "web/desk/disputes.html", {
        "rows": _rows(disputes.listing(overdue_only=True, actor=request.actor)), "states": (), "state": "", "overdue_only": True})


def _case(request, uid: str) -> Case:
    """The case, when the staff member handles its region (and the person's); another region's answers as an unknown
    one does (404, security-logged by the service)."""
    case = disputes.handled(request.actor, uid, disputes.READERS)
    if case is None:
        raise Http404("no such dispute case")
    return case


def _month_rows(case: Case) -> list[dict]:
    """The person's rows of the disputed month, each with the form field of its corrected wage."""
    if case.item != DisputeItem.CONTRIBUTION or not case.person:
        return []
    rows = []
    for row in Contribution.objects.filter(person_id=case.person, period=case.period).order_by("insurance_type", "id"):
        ref = reversals.ref(row.batch_id, row.row_number)
        rows.append({"ref": ref, "field": f"wage_{row.batch_id}_{row.row_number}", "row": row,
                     "insurance": INSURANCE_LABELS.get(row.insurance_type, row.insurance_type),
                     "wage": fen_to_yuan(row.wage_fen), "base": fen_to_yuan(row.base_fen),
                     "reversed": reversals.is_reversed(row.batch_id, row.row_number)})
    return rows


def _evidence(request, case: Case) -> list[dict]:
    """The case's scans, each opened by the case's own viewer (scan_view): whoever handles the case reads its evidence."""
    return [{**item, "name": document_name(item["kind"]), "added_at": str(item["added_at"])[:16].replace("T", " ")}
            for item in disputes.as_json(case)["evidence"]]


@page("desk_dispute_scan")
@never_cache
@require_GET
def scan_view(request, uid, sha256):
    """One scan of the case, for a staff member who handles it (its region's examiners and supervisors): the read of the
    person's record in the access log, purpose `dispute`; the file as an attachment, never shown inline."""
    case = _case(request, uid)
    evidence = Evidence.objects.filter(case=case.uid, sha256=sha256).first()
    if evidence is None:
        raise Http404("no such scan of the case")
    data = documents.load(evidence.sha256)
    if case.person:
        log_access(request.actor, f"person:{case.person}", f"scan {evidence.kind} of dispute case {case.uid}",
                   implied("dispute", f"re-examining dispute case {case.uid}", case.uid))
    response = HttpResponse(data, content_type={"PDF": "application/pdf", "JPEG": "image/jpeg",
                                                "PNG": "image/png"}[evidence.content_type])
    extension = {"PDF": "pdf", "JPEG": "jpg", "PNG": "png"}[evidence.content_type]
    response["Content-Disposition"] = content_disposition_header(True, f"{evidence.kind}-{sha256[:12]}.{extension}")
    return response


def _correct_form(case: Case, rows: list[dict], data=None) -> CorrectForm:
    titles = {name: str(kind.title) for name, kind in transaction_types().items()}
    return CorrectForm(data, types=CORRECTIONS.get(case.item, ()), titles=titles,
                       rows=[row for row in rows if not row["reversed"]])


def _show(request, case: Case, *, status: int = 200, refusal: str = "", refuse_form=None, refer_form=None,
          correct_form=None):
    person = Person.objects.filter(uid=case.person).first() if case.person else None
    rows = _month_rows(case)
    if person is not None:  # the page shows the person's record: a read, in the access log the person sees
        purpose = implied("dispute", f"re-examining dispute case {case.uid}", case.uid)
        what = f"dispute case: contributions {case.period}" if rows else "dispute case: registration"
        reads.read(reads.Reader(request.actor, CHANNEL), f"person:{person.uid}", what, purpose, person=person)
    item = disputes.as_json(case, masked=True, reviewing=disputes.in_review([case.uid]))
    outcome = item["outcome"]
    examiner = bool(set(request.actor.roles) & set(EXAMINERS))
    return render(request, "web/desk/dispute.html", {
        "case": case, "item": item, "item_label": ITEM_LABELS.get(case.item, case.item),
        "state_label": STATE_LABELS.get(case.state, case.state), "person": person, "rows": rows,
        "requester_label": REQUESTER_LABELS.get(case.requester_kind, case.requester_kind),
        "steps": [{"label": STEP_LABELS.get(s["step"]) or STATE_LABELS.get(s["state"], s["state"]),
                   "at": str(s["at"])[:16].replace("T", " ")} for s in item["steps"]],
        "evidence": _evidence(request, case), "outcome": outcome, "refusal": refusal,
        "in_review": disputes.in_review([case.uid]).get(case.uid, ""),
        "workable": examiner and case.state in OPEN_STATES,
        "examinable": case.state == DisputeState.RECEIVED,
        "refuse_form": refuse_form or RefuseForm(), "refer_form": refer_form or ReferForm(),
        "correct_form": correct_form or _correct_form(case, rows)}, status=status)


@page("desk_dispute")
@never_cache
@require_GET
def case_view(request, uid):
    return _show(request, _case(request, uid))


def _decide(request, uid: str, form_name: str, form, act):
    """Run a decision: the service's refusal (who posted a disputed entry) on the page, its field errors on the form."""
    case = _case(request, uid)
    if form is not None and not form.is_valid():
        return _show(request, case, status=400, **{form_name: form})
    try:
        done = act(case)
    except Refused as refused:
        return _show(request, case, status=403, refusal=refused.message)
    except InvalidTransaction as invalid:
        if form is None:
            return _show(request, case, status=400, refusal="; ".join(invalid.errors.values()))
        put_errors(form, invalid.errors)
        return _show(request, case, status=400, **{form_name: form})
    return done


@page("desk_dispute_examine")
@never_cache
@require_POST
def examine_view(request, uid):
    def act(case):
        disputes.examine(request.actor, case.uid, channel=CHANNEL)
        messages.success(request, _("You took up the re-examination."))
        return redirect("desk_dispute", uid=case.uid)

    return _decide(request, uid, "", None, act)


@page("desk_dispute_refuse")
@never_cache
@require_POST
def refuse_view(request, uid):
    form = RefuseForm(request.POST)

    def act(case):
        disputes.refuse(request.actor, case.uid, form.cleaned_data["reason"], channel=CHANNEL)
        messages.success(request, _("Refused, with the reasons and the right to review or litigation."))
        return redirect("desk_dispute", uid=case.uid)

    return _decide(request, uid, "refuse_form", form, act)


@page("desk_dispute_refer")
@never_cache
@require_POST
def refer_view(request, uid):
    form = ReferForm(request.POST)

    def act(case):
        disputes.refer(request.actor, case.uid, form.cleaned_data["region"], channel=CHANNEL)
        messages.success(request, _("Referred to region %(region)s.") % {"region": form.cleaned_data["region"]})
        return redirect("desk_dispute", uid=case.uid)

    return _decide(request, uid, "refer_form", form, act)


@page("desk_dispute_correct")
@never_cache
@require_POST
def correct_view(request, uid):
    case = _case(request, uid)
    form = _correct_form(case, _month_rows(case), request.POST)

    def act(case):
        try:
            payload = form.inner_payload(case.person)
        except forms.ValidationError:  # the form says what is wrong with the payload
            return _show(request, case, status=400, correct_form=form)
        txn = disputes.correct(request.actor, case.uid, form.cleaned_data["type"], payload, channel=CHANNEL)
        messages.success(request, _("The correction is submitted for review in four stages: transaction %(uid)s.")
                         % {"uid": txn.uid})
        return redirect("desk_transaction", uid=txn.uid)

    return _decide(request, uid, "correct_form", form, act)


@page("desk_dispute_new")
@never_cache
@require_http_methods(["GET", "POST"])
def new_view(request):
    """The counter: a clerk records a written request for a person, found by ID number as the desk finds one."""
    form = CounterDisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reader = reads.Reader(request.actor, CHANNEL)
        purpose = implied("dispute", "recording a written request to verify the record at the counter")
        reads.admit_lookup(reader, request, data["id_number"], purpose)
        person = find_person_by_id_number(data["id_number"])
        if person is None:
            reads.probe(reader, request, data["id_number"], purpose, invalid=False)
            form.add_error("id_number", _("No insured person is registered with this ID number."))
        else:
            log_access(request.actor, f"person:{person.uid}", "identity, for a dispute at the counter", purpose)
            try:
                case = disputes.file(request.actor, person=person.uid, item=data["item"], period=data.get("period") or "",
                                     claim=data["claim"], channel="counter", requester_kind=data["requester_kind"],
                                     delegate=data.get("delegate") or "",
                                     scans=scans_of(form, "written_request", "written_authorisation", "evidence"))
            except documents.DocumentRefused as refused:
                form.add_error(None, str(refused))
            except InvalidTransaction as invalid:
                put_errors(form, {("written_request" if key == "document" else key): message
                                  for key, message in invalid.errors.items()})
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The request was recorded as case %(uid)s; the answer is due by %(due)s.")
                                 % {"uid": case.uid, "due": case.due_on})
                return redirect("desk_dispute", uid=case.uid)
        return render(request, "web/desk/dispute_new.html", {"form": form}, status=400)
    return render(request, "web/desk/dispute_new.html", {"form": form}, status=400 if request.method == "POST" else 200)

"""The clerk's pages: find a person, open a transaction, follow it (documents, submit, amend, withdraw).

Every change goes through the workflow services, which check who may do what and explain refusals.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.records import reads
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction, transaction_types
from sirecords.web.forms_desk import WithdrawForm
from sirecords.web.forms_record import CounterSearchForm
from sirecords.web.forms_transactions import FORMS
from sirecords.web.guard import page
from sirecords.web.views.desk_common import (
    STATE_NAMES,
    document_name,
    field_name,
    regions_for,
    requirement_names,
    stage_name,
    transaction_named,
)
from sirecords.web.views.desk_transaction import attach_form_for, not_visible, show_transaction
from sirecords.web.views.desk_visibility import log_access
from sirecords.workflow import services
from sirecords.workflow.config import StageConfigError, stages_for
from sirecords.workflow.models import Action, BusinessTransaction, State
from sirecords.workflow.services import Refused
from sirecords.workflow.visibility import can_see, person_subject

CHANNEL = "counter"
PAGE_SIZE = 50


@page("desk_person_search")
@never_cache  # personal data: no browser or proxy keeps it
@require_http_methods(["GET", "POST"])
def person_search_view(request):
    # POST: the ID number stays out of URLs, browser history and server logs
    form = CounterSearchForm(request.POST if request.method == "POST" else None)
    person = None
    if request.method == "POST" and form.is_valid():
        number, purpose = form.cleaned_data["id_number"], form.purpose
        reader = reads.Reader(request.actor, "web")
        reads.admit_lookup(reader, request, number, purpose)  # the look-up and probe rates (records/limits.py)
        person = find_person_by_id_number(number)
        if person is None:
            reads.probe(reader, request, number, purpose, invalid=False)  # logged under the number's keyed index
            form.add_error("id_number", _("No insured person is registered with this ID number."))
        else:
            log_access(request.actor, f"person:{person.uid}", "identity, region and employment periods", purpose)
            form = CounterSearchForm()  # ready for the next applicant; the number typed is not shown again
    jobs = list(person.employments.select_related("employer").order_by("start")) if person else []
    return render(request, "web/desk/person_search.html", {"form": form, "person": person, "jobs": jobs})


def _openable(actor) -> list:
    """The transaction types this user may open here (a role among its creators, and a form for it)."""
    return [kind for name, kind in transaction_types().items()
            if name in FORMS and any(actor.regions_for(role) for role in kind.creators)]


@page("desk_new")
@never_cache
@require_http_methods(["GET"])
def new_view(request):
    region = (regions_for(request.actor, ("clerk", "maintainer")) or [""])[0]
    types = []
    for kind in _openable(request.actor):
        try:
            stages = [stage_name(s) for s in stages_for(kind.name, region)]
        except StageConfigError:
            stages = []
        types.append({"kind": kind, "documents": requirement_names(kind), "stages": stages})
    return render(request, "web/desk/new.html", {"types": types})


@page("desk_create")
@never_cache
@require_http_methods(["GET", "POST"])
def create_view(request, type_name):
    kind = transaction_types().get(type_name)
    if kind is None or type_name not in {k.name for k in _openable(request.actor)}:
        raise Http404("no such transaction type to open")
    form_class = FORMS[type_name]
    regions = regions_for(request.actor, kind.creators)
    if request.method == "POST":
        form = form_class(request.POST, regions=regions)
        if form.is_valid():
            try:
                txn = services.open_transaction(request.actor, type_name, form.payload(), region=form.cleaned_data["txn_region"],
                                                reason=form.cleaned_data["reason"], channel=CHANNEL)
            except InvalidTransaction as invalid:
                form.add_problems(invalid.errors, form.lookups)
            except Refused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("The transaction is open as a draft. Attach the original documents, then submit it."))
                return redirect("desk_transaction", uid=txn.uid)
    else:
        chosen = {key: request.GET[key] for key in ("person", "employer", "employment") if request.GET.get(key)}
        initial = form_class.initial_from(chosen)
        if form_class.region_default and regions:
            initial.setdefault("region", regions[0])
        if initial.get("person_id_number"):  # the form shows the person's ID number
            log_access(request.actor, person_subject(type_name, chosen), f"prefilled form {type_name}", "counter transaction")
        form = form_class(initial=initial, regions=regions)
    return render(request, "web/desk/form.html", {"form": form, "type_title": kind.title, "kind": kind, "regions": regions,
                                                   "documents": requirement_names(kind)})


@page("desk_mine")
@never_cache
@require_http_methods(["GET"])
def mine_view(request):
    mine = BusinessTransaction.objects.filter(created_by=request.actor.username).order_by("-updated_at", "-uid")
    only_open = request.GET.get("show") != "all"
    if only_open:
        mine = mine.filter(state__in=[State.DRAFT, State.SUBMITTED, State.RETURNED])
    listing = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    returned = {}
    ids = [t.uid for t in listing if t.state == State.RETURNED]
    for action in Action.objects.filter(txn_id__in=ids, kind=Action.Kind.REJECT).order_by("id"):
        returned[action.txn_id] = action  # the latest rejection wins
    rows = [{"txn": t, "state": STATE_NAMES.get(t.state, t.state), "due": stage_name(t.due_stage) if t.due_stage else "",
             "returned": returned.get(t.uid), "returned_stage": stage_name(returned[t.uid].stage) if t.uid in returned else ""}
            for t in listing]
    return render(request, "web/desk/mine.html", {"rows": rows, "listing": listing, "only_open": only_open})


def _own(request, uid):
    """The transaction, if the clerk may see it; else (None, refusal page)."""
    txn = transaction_named(uid)
    if not can_see(request.actor, txn):
        return None, not_visible(request)
    return txn, None


@page("desk_amend")
@never_cache
@require_http_methods(["GET", "POST"])
def amend_view(request, uid):
    txn, refusal = _own(request, uid)
    if refusal:
        return refusal
    form_class = FORMS.get(txn.type)
    if form_class is None:
        raise Http404("this type is not amended on these pages")
    if request.method == "POST":
        form = form_class(request.POST, region=txn.region)
        if form.is_valid():
            try:
                services.amend(request.actor, txn, form.payload())
            except InvalidTransaction as invalid:
                form.add_problems(invalid.errors, form.lookups)
            except Refused as refused:
                return show_transaction(request, txn, refusal=refused.message, status=403)
            else:
                messages.success(request, _("The transaction is amended. Check the documents, then submit it again."))
                return redirect("desk_transaction", uid=txn.uid)
    elif txn.created_by != request.actor.username or txn.state not in (State.DRAFT, State.RETURNED):
        messages.error(request, _("Only a draft or a returned transaction can be amended, by the clerk who opened it."))
        return redirect("desk_transaction", uid=txn.uid)
    else:
        payload = services.payload_of(txn)
        log_access(request.actor, person_subject(txn.type, payload, txn), f"amend form of transaction {txn.uid}",
                   "transaction follow-up")
        form = form_class(initial=form_class.initial_from(payload))
    returned = txn.actions.filter(kind=Action.Kind.REJECT).order_by("-id").first() if txn.state == State.RETURNED else None
    return render(request, "web/desk/form.html", {"form": form, "txn": txn, "type_title": transaction_types()[txn.type].title,
                                                   "returned": returned,
                                                   "returned_stage": stage_name(returned.stage) if returned else ""})


@page("desk_attach")
@never_cache
@require_http_methods(["GET", "POST"])
def attach_view(request, uid):
    txn, refusal = _own(request, uid)
    if refusal or request.method == "GET":
        return refusal or redirect("desk_transaction", uid=uid)
    form = attach_form_for(txn, request.POST, request.FILES)
    if not form.is_valid():
        return show_transaction(request, txn, attach_form=form)
    upload = form.cleaned_data["file"]
    try:
        services.attach(request.actor, txn, form.cleaned_data["kind"], form.content, upload.name)
    except InvalidTransaction as invalid:
        form.add_problems(invalid.errors)
        return show_transaction(request, txn, attach_form=form)
    except Refused as refused:
        return show_transaction(request, txn, refusal=refused.message, status=403)
    messages.success(request, _("%(document)s attached.") % {"document": document_name(form.cleaned_data["kind"])})
    return redirect("desk_transaction", uid=uid)


@page("desk_submit")
@never_cache
@require_http_methods(["GET", "POST"])
def submit_view(request, uid):
    txn, refusal = _own(request, uid)
    if refusal or request.method == "GET":
        return refusal or redirect("desk_transaction", uid=uid)
    try:
        txn = services.submit(request.actor, txn)
    except InvalidTransaction as invalid:
        problems = [message if key in ("documents", "payload") else f"{field_name(key)}: {message}"
                    for key, message in invalid.errors.items()]
        return show_transaction(request, txn, problems=problems)
    except Refused as refused:
        return show_transaction(request, txn, refusal=refused.message, status=403)
    if txn.state == State.POSTED:
        messages.success(request, _("Submitted and in effect."))
    else:
        messages.success(request, _("Submitted. It now awaits %(stage)s.") % {"stage": stage_name(txn.due_stage)})
    return redirect("desk_transaction", uid=uid)


@page("desk_withdraw")
@never_cache
@require_http_methods(["GET", "POST"])
def withdraw_view(request, uid):
    txn, refusal = _own(request, uid)
    if refusal or request.method == "GET":
        return refusal or redirect("desk_transaction", uid=uid)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return show_transaction(request, txn, withdraw_form=form)
    try:
        services.withdraw(request.actor, txn, form.cleaned_data["reason"])
    except InvalidTransaction as invalid:
        form.add_problems(invalid.errors)
        return show_transaction(request, txn, withdraw_form=form)
    except Refused as refused:
        return show_transaction(request, txn, refusal=refused.message, status=403)
    messages.success(request, _("The transaction is withdrawn."))
    return redirect("desk_mine")

"""The cross-check queue (第五条, docs/crosscheck.md): what the departments' reports showed against the record, each
discrepancy with its figures, its due date and who works on it; a clerk takes one and resolves it (the fix as a
reviewed transaction, the department's report attached) or dismisses it (reviewed too); supervisors see the overdue
counts and assign. Subjects are masked (the address code only); nothing here changes a record."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sirecords.crosschecks import services as crosschecks
from sirecords.crosschecks.evidence import report_of
from sirecords.crosschecks.models import Discrepancy
from sirecords.crosschecks.queue import KIND_LABELS, KINDS, STATE_LABELS, STATES, counts, listing, readable
from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_crosschecks import AssignForm, SettleForm
from sirecords.web.guard import page, refuse
from sirecords.workflow.services import Refused

CHANNEL = "web"


def _item(id: str) -> dict:
    found = listing(ids=[id])
    if not found:
        raise Http404("no such discrepancy")
    return found[0]


def _decorated(item: dict) -> dict:
    return {**item, "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
            "state_label": STATE_LABELS.get(item["state"], item["state"])}


@page("desk_crosschecks")
@never_cache
@require_GET
def list_view(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    state = request.GET.get("state") if request.GET.get("state") in STATES else None
    items = listing(kind, state)
    keys = dict(Discrepancy.objects.filter(id__in=[item["id"] for item in items]).values_list("id", "key"))
    items = [{**_decorated(item), "key": keys.get(item["id"], "")} for item in items]
    return render(request, "web/desk/crosschecks.html", {
        "items": items, "counts": counts(), "kinds": KIND_LABELS.items(), "states": STATE_LABELS.items(),
        "kind": kind or "", "state": state or ""})


def _detail(request, item: dict, settle_form=None, assign_form=None, status: int = 200):
    discrepancy = Discrepancy.objects.get(pk=item["id"])
    return render(request, "web/desk/crosscheck.html", {
        "item": _decorated(item), "facts": readable(item["detail"]),
        "reports": discrepancy.reports, "outcome": readable(json.loads(discrepancy.outcome)) if discrepancy.outcome else None,
        "settle_form": settle_form or SettleForm(kind=item["kind"]), "assign_form": assign_form or AssignForm(
            initial={"to": request.actor.username}),
        "workable": item["state"] == "open"}, status=status)


@page("desk_crosscheck")
@never_cache
@require_GET
def detail_view(request, id):
    return _detail(request, _item(id))


@page("desk_crosscheck_settle")
@never_cache
@require_POST
def settle_view(request, id):
    item = _item(id)
    form = SettleForm(request.POST, request.FILES, kind=item["kind"])
    if not form.is_valid():
        return _detail(request, item, settle_form=form, status=400)
    data = form.cleaned_data
    documents = ()
    if data.get("document"):
        upload = data["document"]
        documents = ((data["document_kind"], upload.read(), upload.name),)
    from sirecords.certificates.crosscheck_report import report_pdf  # the PDF libraries load only when one is made

    discrepancy = Discrepancy.objects.get(pk=id)
    report = report_pdf(report_of(discrepancy), discrepancy.id, discrepancy.kind) if data["action"] == "resolve" else b""
    try:
        txn = crosschecks.settle(request.actor, id, data["action"], reason=data["reason"], channel=CHANNEL, report=report,
                                 documents=documents, as_=data.get("as_") or None, referral=data.get("referral") or None,
                                 received_by={"name": data["received_by"], "relation": data.get("relation") or "unknown"}
                                 if data.get("received_by") else None)
    except Refused as refused:
        return refuse(request, refused.message)
    except InvalidTransaction as invalid:
        for problem in invalid.errors.values():
            form.add_error(None, problem)
        return _detail(request, item, settle_form=form, status=400)
    return redirect("desk_transaction", uid=txn.uid)


@page("desk_crosscheck_assign")
@never_cache
@require_POST
def assign_view(request, id):
    item = _item(id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, assign_form=form, status=400)
    try:
        crosschecks.assign(request.actor, id, form.cleaned_data["to"], channel=CHANNEL)
    except Refused as refused:
        return refuse(request, refused.message)
    except InvalidTransaction as invalid:
        for problem in invalid.errors.values():
            form.add_error("to", problem)
        return _detail(request, item, assign_form=form, status=400)
    return redirect("desk_crosscheck", id=id)

"""The reviewers' pages: a queue per review stage, and the decision on one transaction.

The decision goes through services.review, which enforces separation of duties (the creator never
reviews; one person acts on one stage only), the stage order and the region, and explains refusals.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.transactions.posting import InvalidTransaction
from sirecords.web.forms_desk import ReviewForm
from sirecords.web.guard import page
from sirecords.web.views.desk_common import stage_name, transaction_named, type_title
from sirecords.web.views.desk_transaction import not_visible, show_transaction
from sirecords.workflow import services
from sirecords.workflow.models import Action, State
from sirecords.workflow.services import Refused
from sirecords.workflow.stages import STAGE_ROLE, STAGES
from sirecords.workflow.visibility import can_see, due_at

QUEUE_LIMIT = 200


@page("desk_queue")
@never_cache  # personal data: no browser or proxy keeps it
@require_http_methods(["GET"])
def queue_view(request):
    actor = request.actor
    queues = []
    for stage in STAGES:
        regions = actor.regions_for(STAGE_ROLE[stage])
        if not regions:
            continue
        waiting = due_at(stage, regions)
        items = list(waiting[:QUEUE_LIMIT])
        acted: dict[str, set[str]] = {}
        for txn_id, done in (Action.objects.filter(txn_id__in=[t.uid for t in items], actor=actor.username,
                                                   kind__in=[Action.Kind.APPROVE, Action.Kind.REJECT])
                             .exclude(stage=stage).values_list("txn_id", "stage")):
            acted.setdefault(txn_id, set()).add(done)
        rows = []
        for txn in items:
            if txn.created_by == actor.username:
                note = _("You opened it: another reviewer must act.")
            elif txn.uid in acted:
                note = _("You acted on it at %(stages)s: another reviewer must act.") % {
                    "stages": "、".join(stage_name(s) for s in sorted(acted[txn.uid]))}
            else:
                note = ""
            rows.append({"txn": txn, "type": type_title(txn.type), "note": note})
        queues.append({"stage": stage, "name": stage_name(stage), "regions": regions, "rows": rows,
                       "count": waiting.count() if len(items) == QUEUE_LIMIT else len(items)})
    return render(request, "web/desk/queue.html", {"queues": queues, "limit": QUEUE_LIMIT})


@page("desk_review")
@never_cache
@require_http_methods(["GET", "POST"])
def review_view(request, uid):
    txn = transaction_named(uid)
    if not can_see(request.actor, txn):
        return not_visible(request)
    if request.method == "GET":
        return redirect("desk_transaction", uid=uid)
    decision = request.POST.get("decision", "")
    form = ReviewForm(request.POST, decision=decision)
    if not form.is_valid():
        return show_transaction(request, txn, review_form=form)
    stage = txn.due_stage
    try:
        txn = services.review(request.actor, txn, decision, form.cleaned_data["opinion"])
    except InvalidTransaction as invalid:
        form.add_problems(invalid.errors)
        return show_transaction(request, txn, review_form=form)
    except Refused as refused:
        return show_transaction(request, txn, review_form=form, refusal=refused.message, status=403)
    if txn.state == State.POSTED:
        messages.success(request, _("Approved at %(stage)s. The transaction is now in effect.") % {"stage": stage_name(stage)})
    elif txn.state == State.RETURNED:
        messages.success(request, _("Returned to %(clerk)s for amendment.") % {"clerk": txn.created_by})
    else:
        messages.success(request, _("Approved at %(stage)s. It now awaits %(next)s.")
                         % {"stage": stage_name(stage), "next": stage_name(txn.due_stage)})
    return redirect("desk_queue")

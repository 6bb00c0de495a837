"""The page of one business transaction: what it will change (before and after), its documents, the
action trail, and what the viewer may do next (upload, submit, amend, withdraw; or review)."""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sirecords.records import reads
from sirecords.transactions.posting import transaction_types
from sirecords.users.access import permits
from sirecords.web.forms_desk import AttachForm, ReviewForm, WithdrawForm
from sirecords.web.forms_transactions import FORMS
from sirecords.web.guard import page, refuse
from sirecords.web.rules_desk import RULES
from sirecords.web.views.desk_common import (
    ACTION_NAMES,
    STATE_NAMES,
    document_name,
    field_name,
    stage_name,
    transaction_named,
    type_title,
)
from sirecords.web.views.desk_visibility import log_access
from sirecords.workflow import documents
from sirecords.workflow.config import StageConfigError, stages_for
from sirecords.workflow.models import Action, Attachment, BusinessTransaction, State
from sirecords.workflow.services import payload_of
from sirecords.workflow.stages import STAGE_ROLE
from sirecords.workflow.visibility import can_see, person_subject

security_log = logging.getLogger("sirecords.security")
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def not_visible(request):
    return refuse(request, _("Only the clerk who opened this transaction, and staff holding a review or supervisor "
                             "role in its region, may see it."))


def attach_form_for(txn: BusinessTransaction, *args, **kwargs) -> AttachForm:
    kind = transaction_types()[txn.type]
    wanted = kind.documents or tuple(documents.DOCUMENT_KINDS)
    return AttachForm(*args, kinds=[(k, f"{document_name(k)} ({k})") for k in wanted], **kwargs)


def _rows(txn: BusinessTransaction, payload: dict) -> list[dict]:
    kind = transaction_types().get(txn.type)
    if kind and kind.describe:
        rows = kind.describe(payload)
    else:
        rows = [{"field": key, "label": key, "before": "", "after": str(value)} for key, value in sorted(payload.items())]
    return [{**row, "label": field_name(row["field"], row.get("label", "")), "changed": row["before"] != row["after"]}
            for row in rows]


def _stages(txn: BusinessTransaction, trail: list[Action]) -> list[dict]:
    """Each required stage: done (and by whom), due now, or still to come."""
    last_submit = max((a.id for a in trail if a.kind == Action.Kind.SUBMIT), default=0)
    approved = {a.stage: a for a in trail if a.kind == Action.Kind.APPROVE and a.id > last_submit}
    out = []
    planned = txn.stage_list
    if not planned and txn.state in (State.DRAFT, State.RETURNED):
        try:  # fixed only when submitted; until then, what the type needs in this region today
            planned = list(stages_for(txn.type, txn.region))
        except StageConfigError:
            planned = []
    for index, stage in enumerate(planned):
        if txn.state == State.POSTED or (txn.state == State.SUBMITTED and index < txn.next_stage):
            status = "done"
        elif txn.due_stage == stage:
            status = "due"
        else:
            status = "waiting"
        out.append({"stage": stage, "name": stage_name(stage), "status": status,
                    "by": approved[stage].actor if stage in approved and status == "done" else ""})
    return out


def show_transaction(request, txn: BusinessTransaction, *, attach_form=None, review_form=None, withdraw_form=None,
                     problems: list[str] | None = None, refusal: str = "", status: int = 200):
    """Render the transaction page for request.actor (who may see it: checked by the caller)."""
    actor = request.actor
    txn = BusinessTransaction.objects.get(pk=txn.pk)  # as it is now, after whatever was just tried
    kind = transaction_types().get(txn.type)
    payload = payload_of(txn)
    is_creator = txn.created_by == actor.username
    editable = is_creator and txn.state in (State.DRAFT, State.RETURNED)
    due = txn.due_stage
    may_review = due is not None and actor.has(STAGE_ROLE[due], txn.region)
    caution = ""
    if may_review and is_creator:
        caution = _("You opened this transaction: another reviewer must act on it.")
    elif may_review:
        acted = sorted(set(txn.actions.filter(actor=actor.username, kind__in=[Action.Kind.APPROVE, Action.Kind.REJECT])
                           .exclude(stage=due).values_list("stage", flat=True)))
        if acted:
            caution = _("You acted on it at %(stages)s: another reviewer must act on this stage.") % {
                "stages": "、".join(stage_name(s) for s in acted)}
    log_access(actor, person_subject(txn.type, payload, txn), f"transaction {txn.type} {txn.uid}",
               reads.transaction_purpose(actor, txn))

    attachments = list(txn.attachments.order_by("id"))
    have = {a.kind for a in attachments}
    required = [{"kind": "|".join(group), "name": _(" or ").join(document_name(k) for k in group),
                 "present": bool(have.intersection(group))} for group in (kind.requirements if kind else ())]
    trail = list(txn.actions.order_by("id"))
    returned = next((a for a in reversed(trail) if a.kind == Action.Kind.REJECT), None) if txn.state == State.RETURNED else None
    missing = [r for r in required if not r["present"]]
    if editable and attach_form is None:
        attach_form = attach_form_for(txn)
        if not missing:
            attach_form.autofocus = False
            attach_form.focus(None)
    return render(request, "web/desk/transaction.html", {
        "txn": txn, "type_title": type_title(txn.type), "state_name": STATE_NAMES.get(txn.state, txn.state),
        "rows": _rows(txn, payload), "stages": _stages(txn, trail), "due_name": stage_name(due) if due else "",
        "attachments": [{"a": a, "name": document_name(a.kind)} for a in attachments],
        "required": required, "missing": missing,
        "trail": [{"a": a, "kind": ACTION_NAMES.get(a.kind, a.kind), "stage": stage_name(a.stage) if a.stage else ""}
                  for a in trail],
        "returned": returned, "returned_stage": stage_name(returned.stage) if returned else "",
        "is_creator": is_creator, "editable": editable,
        "amendable": editable and txn.type in FORMS and permits(RULES["desk_amend"], actor.roles),  # not maintainers
        "withdrawable": is_creator and txn.state in (State.DRAFT, State.SUBMITTED, State.RETURNED),
        "may_review": may_review, "caution": caution,
        "attach_form": attach_form if editable else None,
        "review_form": (review_form or ReviewForm()) if may_review else None,
        "withdraw_form": withdraw_form or WithdrawForm(),
        "problems": problems or [], "refusal": refusal,
    }, status=status)


@page("desk_transaction")
@never_cache  # personal data: no browser or proxy keeps it
@require_http_methods(["GET"])
def transaction_view(request, uid):
    txn = transaction_named(uid)
    if not can_see(request.actor, txn):
        return not_visible(request)
    return show_transaction(request, txn)


@page("desk_document")
@never_cache
@require_http_methods(["GET"])
def document_view(request, uid, pk):
    txn = transaction_named(uid)
    if not can_see(request.actor, txn):
        return not_visible(request)
    attachment = get_object_or_404(Attachment, pk=pk, txn=txn)
    try:
        data = documents.load(attachment.sha256)
    except documents.DocumentRefused as broken:
        security_log.error("attachment %s of %s unreadable: %s", attachment.pk, txn.uid, broken)
        return refuse(request, _("This stored document cannot be read: %(why)s. Tell the system administrator.")
                      % {"why": broken}, status=500)
    log_access(request.actor, person_subject(txn.type, payload_of(txn), txn),
               f"document {attachment.kind} of transaction {txn.uid}", "original documents of a transaction")
    response = HttpResponse(data, content_type=attachment.content_type)
    name = f"{attachment.kind}-{attachment.sha256[:12]}.{EXTENSIONS.get(attachment.content_type, 'bin')}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response

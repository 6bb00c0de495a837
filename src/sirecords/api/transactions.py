"""Business transactions through the API: the same use cases as the front desk (workflow/services.py),
channel "api". Reading one shows its before/after values in full, so every read is access-logged."""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import Http404
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.errors import AuthorizationError

from sirecords.api.idempotency import idempotent
from sirecords.api.lookups import reader_of
from sirecords.api.operations import endpoint
from sirecords.api.schemas import (
    AttachmentOut,
    PayloadIn,
    Problem,
    ReviewIn,
    TransactionBrief,
    TransactionDetail,
    TransactionIn,
    WithdrawIn,
    uid_path,
)
from sirecords.records import reads
from sirecords.records.purposes import check_purpose
from sirecords.transactions.posting import InvalidTransaction, transaction_type_named, transaction_types
from sirecords.transactions.validation import Errors, region
from sirecords.workflow import documents, services
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.visibility import person_subject, queue, visible_transactions

CHANNEL = "api"
Stage = Literal["review1", "review2", "review3", "approval"]  # users/roles.py STAGES
PROBLEMS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
# The writes that take an Idempotency-Key (api/idempotency.py): 409 while the first request with the key is in progress,
# 503 when the database connection is lost (api/errors.py).
KEYED = {**PROBLEMS, 409: Problem, 503: Problem}

TxnUid = Annotated[str, uid_path("The transaction's uid: 32 lower-case hexadecimal digits")]
# The Idempotency-Key's own refusals (409, 422) and a lost database connection (503) are application/problem+json
# (api/errors.py problem): documented with the same Problem schema as the application/json answers of those statuses.
PROBLEM_DOC = {"schema": {"$ref": "#/components/schemas/Problem"}}
KEYED_DOC = {"responses": {status: {"content": {"application/problem+json": PROBLEM_DOC}} for status in (409, 422, 503)}}

router = Router(tags=["transactions"])


# --- presenting ---------------------------------------------------------------------------------------


def brief(txn: BusinessTransaction) -> dict:
    kind = transaction_types().get(txn.type)
    return {"uid": txn.uid, "type": txn.type, "title": str(kind.title) if kind else txn.type, "region": txn.region,
            "state": txn.state, "state_label": txn.get_state_display(), "summary": txn.summary, "due_stage": txn.due_stage,
            "created_by": txn.created_by, "created_at": txn.created_at, "updated_at": txn.updated_at}


def detail(txn: BusinessTransaction, payload: dict) -> dict:
    kind = transaction_type_named(txn.type)
    attachments = list(txn.attachments.order_by("id"))
    attached = {a.kind for a in attachments}
    return {
        **brief(txn),
        "reason": txn.reason, "channel": txn.channel, "stages": txn.stage_list, "posted_seq": txn.posted_seq,
        # A group any one of whose kinds suffices is one entry, its kinds joined by "|" (and listed in any_of).
        "required_documents": [{"kind": "|".join(group), "title": " / ".join(documents.DOCUMENT_KINDS[d][0] for d in group),
                                "attached": bool(attached.intersection(group)), **({"any_of": list(group)} if len(group) > 1
                                                                                   else {})}
                               for group in kind.requirements],
        "missing_documents": ["|".join(group) for group in kind.missing_documents(attached)],
        "attachments": [{"kind": a.kind, "sha256": a.sha256, "content_type": a.content_type, "size": a.size,
                         "uploaded_by": a.uploaded_by, "uploaded_at": a.uploaded_at} for a in attachments],
        "changes": kind.describe(payload) if kind.describe else [],
        "actions": [{"actor": a.actor, "kind": a.kind, "stage": a.stage, "opinion": a.opinion, "at": a.at}
                    for a in txn.actions.order_by("id")],
    }


# --- finding ------------------------------------------------------------------------------------------


def visible(request, uid: str) -> BusinessTransaction:
    """The transaction `uid` if the caller may see it (workflow/visibility.py); 404 or 403 otherwise."""
    txn = visible_transactions(request.auth.actor).filter(pk=uid).first()
    if txn is not None:
        return txn
    if BusinessTransaction.objects.filter(pk=uid).exists():
        raise AuthorizationError(403, "you may not see this transaction: it is neither yours, nor in a region where "
                                      "you review or supervise")
    raise Http404(f"no transaction {uid}")


# --- operations ---------------------------------------------------------------------------------------


@endpoint(router, "POST", "/transactions", "txn_create", response={201: TransactionBrief, **KEYED},
          openapi_extra=KEYED_DOC, summary="Open a business transaction (a draft)")
@idempotent
def create(request, body: TransactionIn):
    errors = Errors()
    region({"region": body.region}, "region", errors)
    errors.raise_if_any()
    txn = services.open_transaction(request.auth.actor, body.type, body.payload, region=body.region, reason=body.reason,
                                    channel=CHANNEL)
    return Status(201, brief(txn))


@endpoint(router, "GET", "/transactions/mine", "txn_mine", response={200: list[TransactionBrief], **PROBLEMS},
          summary="The transactions I opened, newest first")
def mine(request, state: State | None = Query(None), limit: int = Query(50, ge=1, le=500)):
    rows = BusinessTransaction.objects.filter(created_by=request.auth.actor.username)
    if state:
        rows = rows.filter(state=state)
    return [brief(txn) for txn in rows.order_by("-updated_at", "uid")[:limit]]


@endpoint(router, "GET", "/transactions/queue", "txn_queue", response={200: list[TransactionBrief], **PROBLEMS},
          summary="Transactions waiting for me to review, oldest first (optionally one stage)")
def my_queue(request, stage: Stage | None = Query(None), limit: int = Query(50, ge=1, le=500)):
    return [brief(txn) for txn in queue(request.auth.actor, stage, limit)]


@endpoint(router, "GET", "/transactions/{uid}", "txn_detail", response={200: TransactionDetail, **PROBLEMS, 429: Problem},
          summary="One transaction: state, due stage, documents, before/after and the action trail (access-logged)")
def read(request, uid: TxnUid,
         purpose: str = Query("", description="Why you read it, one of the read purposes' codes; by default the transaction "
                                              "itself (the opener's follow-up, the due reviewer's review, else supervision)"),
         purpose_reference: str = Query("", description="The case, application, transaction or task number, for the "
                                                        "codes that need one"),
         purpose_detail: str = Query("", description="In a few words what you need it for, with a purpose code")):
    """Like every read of a person's data, through records/reads.py: the person's pooling region, the read limits, then
    the access log (403 for another region, 429 beyond a limit)."""
    txn = visible(request, uid)
    payload = services.payload_of(txn)
    answer = detail(txn, payload)
    subject = person_subject(txn.type, payload, txn)  # None: it names no person (employers only)
    actor = request.auth.actor
    stated = check_purpose(purpose, purpose_detail, purpose_reference) if purpose.strip() else reads.transaction_purpose(actor, txn)
    reads.read(reader_of(request), subject, f"transaction:{txn.uid}", stated)  # ReadRefused: 403 or 429 (api/errors.py)
    return answer


@endpoint(router, "PUT", "/transactions/{uid}/payload", "txn_amend", response={200: TransactionBrief, **PROBLEMS},
          summary="Replace a draft's or returned transaction's fields")
def amend(request, uid: TxnUid, body: PayloadIn):
    return brief(services.amend(request.auth.actor, visible(request, uid), body.payload))


@endpoint(router, "POST", "/transactions/{uid}/attachments", "txn_attach", response={201: AttachmentOut, **PROBLEMS},
          summary="Attach a scan of an original document (PDF, JPEG or PNG; multipart)")
def attach(request, uid: TxnUid, kind: Form[str], file: File[UploadedFile]):
    txn = visible(request, uid)
    try:
        data = documents.received(file)  # an oversize file is refused by its size, unread (web/uploads.py)
    except documents.DocumentRefused as refused:
        raise InvalidTransaction({"file": str(refused)}) from None
    # services.attach checks the bytes and the file's name as the desk does (workflow/documents.check)
    attachment = services.attach(request.auth.actor, txn, kind, data, file.name or "")
    return Status(201, {"kind": attachment.kind, "sha256": attachment.sha256, "content_type": attachment.content_type,
                        "size": attachment.size, "uploaded_by": attachment.uploaded_by, "uploaded_at": attachment.uploaded_at})


@endpoint(router, "POST", "/transactions/{uid}/submit", "txn_submit", response={200: TransactionBrief, **KEYED},
          openapi_extra=KEYED_DOC, summary="Submit for review: the documents must be attached and the fields valid")
@idempotent
def submit(request, uid: TxnUid):
    return brief(services.submit(request.auth.actor, visible(request, uid)))


@endpoint(router, "POST", "/transactions/{uid}/review", "txn_review", response={200: TransactionBrief, **KEYED},
          openapi_extra=KEYED_DOC, summary="Approve or reject at the stage due (one person, one stage: 第七条)")
@idempotent
def review(request, uid: TxnUid, body: ReviewIn):
    return brief(services.review(request.auth.actor, visible(request, uid), body.decision, body.opinion))


@endpoint(router, "POST", "/transactions/{uid}/withdraw", "txn_withdraw", response={200: TransactionBrief, **KEYED},
          openapi_extra=KEYED_DOC, summary="Withdraw a transaction that has not been posted")
@idempotent
def withdraw(request, uid: TxnUid, body: WithdrawIn):
    return brief(services.withdraw(request.auth.actor, visible(request, uid), body.reason))

"""The use cases of a business transaction: open, amend, attach, submit, review, withdraw.

Pages, the JSON API and the command line all call these; they check who may do what (role,
region, separation of duties, stage order) and explain every refusal, which is also logged.
Posting happens here and nowhere else: when the last required stage approves, or at once for a
type that needs no review (user administration).
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, connection
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from sirecords.core.canonical import canonical_json
from sirecords.crypto.sealing import seal, unseal
from sirecords.ledger.context import CHANNELS, WriteContext
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction, Transaction, post, transaction_type_named
from sirecords.transactions.validation import checked_text
from sirecords.workflow import documents
from sirecords.workflow.config import stages_for
from sirecords.workflow.models import ACTION_LOG, OPEN_STATES, Action, Attachment, BusinessTransaction, State
from sirecords.workflow.regions import home_region
from sirecords.workflow.stages import STAGE_ROLE, STAGE_TITLES
from sirecords.workflow.summary import summarize
from sirecords.workflow.visibility import person_subject

MAX_TEXT = 2000  # characters of a reason or an opinion (free text, core/text.py: no control characters)

security_log = logging.getLogger("sirecords.security")


class Refused(PermissionError):
    """The actor may not do this; the message says why, in words the user can act on."""

    def __init__(self, message: str, txn: BusinessTransaction | None = None, stage: str = "") -> None:
        super().__init__(message)
        self.message, self.txn, self.stage = message, txn, stage


def _now() -> datetime:
    return datetime.now(UTC)


def _refuse(actor: Actor, message: str, txn: BusinessTransaction | None = None, stage: str = "") -> Refused:
    security_log.warning("refused %s: %s (transaction %s)", actor.username, message, txn.uid if txn else "-")
    return Refused(message, txn, stage)


def refusals_logged(service):
    """Record a refusal in the transaction's action log after the refused work has rolled back."""

    @functools.wraps(service)
    def logged(actor: Actor, *args, **kwargs):
        try:
            return service(actor, *args, **kwargs)
        except Refused as refused:
            if refused.txn is not None:
                ACTION_LOG.append(txn_id=refused.txn.pk, actor=actor.username, kind=Action.Kind.REFUSED,
                                  stage=refused.stage, opinion=refused.message, at=_now())
            raise

    return logged


# The columns a step of the workflow changes (the others are fixed when the transaction is opened); amending also
# changes the sealed payload and its summary.
_STEP_FIELDS = ("state", "stages", "next_stage", "posted_seq", "updated_at")
_AMEND_FIELDS = (*_STEP_FIELDS, "payload_sealed", "summary")


def _record(txn: BusinessTransaction, actor: Actor, kind: str, *, stage: str = "", opinion: str = "") -> None:
    txn.updated_at = _now()
    _save_columns(txn, _AMEND_FIELDS if kind == Action.Kind.AMEND else _STEP_FIELDS)
    ACTION_LOG.append(txn_id=txn.pk, actor=actor.username, kind=kind, stage=stage, opinion=opinion, at=txn.updated_at)


def _save_columns(txn: BusinessTransaction, fields: tuple[str, ...]) -> None:
    """Store `fields` of the transaction's row: what txn.save(update_fields=fields) does, in one plain UPDATE (every
    step of every transaction writes its row; the ORM's save costs some ten times the statement)."""
    meta, quote = BusinessTransaction._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",  # nosec B608 # quoted _meta names; values bound
                       [column.get_db_prep_save(getattr(txn, column.attname), connection) for column in columns]
                       + [txn.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"transaction {txn.pk} is not stored: nothing to update")


def _stages_acted_at(txn: BusinessTransaction, username: str, except_stage: str) -> set[str]:
    """The stages other than `except_stage` at which `username` approved or returned the transaction (第七条: one
    person acts on one stage only). One plain query: every review asks."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stage FROM {Action._meta.db_table} WHERE txn_id = %s AND actor = %s AND kind IN (%s, %s) "  # nosec B608 # quoted _meta names; values bound
                       "AND stage <> %s", [txn.pk, username, Action.Kind.APPROVE, Action.Kind.REJECT, except_stage])
        return {stage for (stage,) in cursor.fetchall()}


def _locked(pk: str) -> BusinessTransaction:
    """The transaction as stored, its row locked to the end of the database transaction: what
    select_for_update().get(pk=pk) does (FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction holds the write
    lock already), as one raw query with Django's own column conversions (every review asks)."""
    meta, quote = BusinessTransaction._meta, connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = list(BusinessTransaction.objects.raw(
        f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s{lock}", [pk]))  # nosec B608 # quoted _meta names; values bound
    if not found:
        raise BusinessTransaction.DoesNotExist(f"no business transaction {pk}")
    return found[0]


def _attached(txn: BusinessTransaction, column: str) -> list[str]:
    """One column ("kind" or "sha256") of the documents attached to the transaction, in the order attached (one
    plain query: every attachment, submission and posting asks)."""
    if column not in ("kind", "sha256"):
        raise ValueError(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {Attachment._meta.db_table} WHERE txn_id = %s ORDER BY id", [txn.pk])  # nosec B608 # column checked above
        return [value for (value,) in cursor.fetchall()]


def payload_of(txn: BusinessTransaction) -> dict[str, Any]:
    return json.loads(unseal(txn.payload_sealed, f"txn:{txn.uid}:payload"))


def _seal_payload(txn: BusinessTransaction, payload: dict[str, Any]) -> None:
    if not isinstance(payload, dict):
        raise InvalidTransaction({"payload": _("must be an object of fields")})
    try:
        text = canonical_json(payload)
    except TypeError as error:
        raise InvalidTransaction({"payload": str(error)}) from None
    txn.payload_sealed = seal(text, f"txn:{txn.uid}:payload")
    txn.summary = summarize(txn.type, payload)[:200]


def _own_open(actor: Actor, txn: BusinessTransaction, doing: str) -> None:
    """Only the opener changes a transaction, and only while it is a draft or returned for amendment."""
    if txn.created_by != actor.username:
        raise _refuse(actor, _("only {user}, who opened this transaction, may {doing}").format(
            user=txn.created_by, doing=doing), txn)
    if txn.state not in (State.DRAFT, State.RETURNED):
        raise _refuse(actor, _("a transaction that is {state} is closed to changes (to {doing}); "
                               "it must be a draft or returned for amendment").format(
            state=txn.get_state_display(), doing=doing), txn)


def _outside_home_region(type_name: str, payload: dict[str, Any], region: str) -> str | None:
    """Why a transaction in `region` may not be about the person its payload names (the type's subject hook says
    who): that person belongs to another pooling region. None when it names nobody or the regions agree."""
    home = home_region(person_subject(type_name, payload))
    if home is None or home == region:
        return None
    return _("this person belongs to pooling region {home}: a transaction about them is made in {home}, "
             "not in {region}").format(home=home, region=region)


def prepared(type_name: str, payload: dict[str, Any], region: str) -> dict[str, Any]:
    """The payload as opened or amended in `region`: a type whose reviewers approve figures the system computes (its
    `prepare` hook, e.g. correct_account_year) adds them to the request; any other type's payload is the request."""
    kind = transaction_type_named(type_name)
    return kind.prepare(payload, region) if kind.prepare and isinstance(payload, dict) else payload


@refusals_logged
def open_transaction(actor: Actor, type_name: str, payload: dict[str, Any], *, region: str, reason: str,
                     channel: str) -> BusinessTransaction:
    kind = transaction_type_named(type_name)
    if actor.blocked():
        raise _refuse(actor, actor.blocked())
    if not any(actor.has(role, region) for role in kind.creators):
        raise _refuse(actor, _("opening “{title}” in region {region} needs the role {roles} there").format(
            title=kind.title, region=region, roles=_(" or ").join(kind.creators)))
    if not (reason or "").strip():
        raise InvalidTransaction({"reason": _("is required: why is this transaction made (第十二条)")})
    reason = checked_text(reason, "reason", max_length=MAX_TEXT)
    outside = _outside_home_region(type_name, payload, region)
    if outside:
        raise _refuse(actor, outside)
    if channel not in CHANNELS:
        raise InvalidTransaction({"channel": _("unknown channel {channel}").format(channel=repr(channel))})
    stages_for(type_name, region)  # fails early when the type is not configured for the region
    payload = prepared(type_name, payload, region)
    with db_transaction.atomic():
        now = _now()
        txn = BusinessTransaction(uid=uuid.uuid4().hex, type=type_name, region=region, state=State.DRAFT,
                                  reason=reason, channel=channel, created_by=actor.username,
                                  created_at=now, updated_at=now)
        _seal_payload(txn, payload)
        txn.save(force_insert=True)
        ACTION_LOG.append(txn_id=txn.pk, actor=actor.username, kind=Action.Kind.CREATE, stage="", opinion="", at=now)
    return txn


@refusals_logged
def amend(actor: Actor, txn: BusinessTransaction, payload: dict[str, Any]) -> BusinessTransaction:
    with db_transaction.atomic():
        _own_open(actor, txn, _("amend it"))
        _seal_payload(txn, prepared(txn.type, payload, txn.region))
        txn.state = State.DRAFT
        _record(txn, actor, Action.Kind.AMEND)
    return txn


@refusals_logged
def attach(actor: Actor, txn: BusinessTransaction, kind: str, data: bytes, filename: str) -> Attachment:
    _own_open(actor, txn, _("attach documents to it"))
    type_ = transaction_type_named(txn.type)
    if kind not in documents.DOCUMENT_KINDS:
        raise InvalidTransaction({"kind": _("unknown document kind {kind}").format(kind=repr(kind))})
    if type_.documents and kind not in type_.documents:
        raise InvalidTransaction({"kind": _("“{title}” takes {documents}, not {kind}").format(
            title=type_.title, documents=", ".join(type_.documents), kind=kind)})
    try:
        content_type = documents.check(data, filename)
    except documents.DocumentRefused as refused:
        raise InvalidTransaction({"file": str(refused)}) from None
    digest = documents.store(data)
    with db_transaction.atomic():
        if digest in _attached(txn, "sha256"):
            raise InvalidTransaction({"file": _("this exact file is already attached")})
        attachment = Attachment.objects.create(
            txn=txn, sha256=digest, kind=kind, content_type=content_type, size=len(data),
            name_sealed=seal(filename[:200] or "document", f"attachment:{digest}:name"),
            uploaded_by=actor.username, uploaded_at=_now())
        _record(txn, actor, Action.Kind.ATTACH, opinion=f"{kind} {digest}")
    return attachment


def check_draft(type_name: str, payload: dict[str, Any], ctx: WriteContext) -> None:
    """The type's own checks on a draft's payload, reading only (rolled back): raises InvalidTransaction.

    The one validation of a draft: at submit, and at the desk before the clerk opens one (web/forms_desk.py).
    """
    kind = transaction_type_named(type_name)
    with db_transaction.atomic():
        kind.build(payload, ctx)
        db_transaction.set_rollback(True)


def _validate(txn: BusinessTransaction) -> None:
    """Run the type's own checks now, so the clerk hears of bad input before any reviewer does."""
    check_draft(txn.type, payload_of(txn),
                WriteContext(actor=txn.created_by, reason=txn.reason, channel=txn.channel, txn=txn.uid, region=txn.region))


@refusals_logged
def submit(actor: Actor, txn: BusinessTransaction) -> BusinessTransaction:
    kind = transaction_type_named(txn.type)
    with db_transaction.atomic():
        _own_open(actor, txn, _("submit it"))
        missing = kind.missing_documents(_attached(txn, "kind"))
        if missing:
            names = ", ".join(_(" or ").join(f"{documents.DOCUMENT_KINDS[d][0]} ({d})" for d in group) for group in missing)
            raise InvalidTransaction({"documents": _("the original documents are missing: {names} (第六条)").format(names=names)})
        txn.stages = " ".join(stages_for(txn.type, txn.region))
        if txn.stage_list:  # reviewed: checked now, before any reviewer sees it; posted at once: post() checks, once
            _validate(txn)
        txn.next_stage = 0
        txn.state = State.SUBMITTED
        _record(txn, actor, Action.Kind.SUBMIT)
        if not txn.stage_list:
            _post(txn, actor)
    return txn


def _review_trail(txn: BusinessTransaction) -> list[dict[str, Any]]:
    """The approvals since the last submission, in order: {stage, actor, opinion, at} (one query)."""
    rows = list(txn.actions.filter(kind__in=[Action.Kind.SUBMIT, Action.Kind.APPROVE]).order_by("id")
                .values("kind", "stage", "actor", "opinion", "at"))
    last_submit = max((i for i, row in enumerate(rows) if row["kind"] == Action.Kind.SUBMIT), default=-1)
    return [row for row in rows[last_submit + 1:] if row["kind"] == Action.Kind.APPROVE]


@refusals_logged
def review(actor: Actor, txn: BusinessTransaction, decision: str, opinion: str) -> BusinessTransaction:
    if decision not in ("approve", "reject"):
        raise InvalidTransaction({"decision": _("must be approve or reject")})
    opinion = checked_text(opinion or "", "opinion", required=False, max_length=MAX_TEXT)
    if decision == "reject" and not opinion:
        raise InvalidTransaction({"opinion": _("is required when returning a transaction: say what must change")})
    with db_transaction.atomic():
        txn = _locked(txn.pk)
        stage = txn.due_stage
        if stage is None:
            raise _refuse(actor, _("this transaction is {state}; nothing awaits review").format(
                state=txn.get_state_display()), txn)
        title = STAGE_TITLES[stage][0]
        if txn.created_by == actor.username:
            raise _refuse(actor, _("you opened this transaction, so you may not review it ({stage})").format(
                stage=title), txn, stage)
        other_stages = _stages_acted_at(txn, actor.username, stage)
        if other_stages:
            done = "、".join(STAGE_TITLES[s][0] for s in sorted(other_stages))
            raise _refuse(actor, _("you already acted on this transaction at {stages}; one person may act on one stage "
                                   "only (第七条)").format(stages=done), txn, stage)
        if not actor.has(STAGE_ROLE[stage], txn.region):
            raise _refuse(actor, _("the stage due is {stage}, which needs the role {role} in region {region}").format(
                stage=title, role=STAGE_ROLE[stage], region=txn.region), txn, stage)
        outside = _outside_home_region(txn.type, payload_of(txn), txn.region)
        if outside:
            raise _refuse(actor, outside, txn, stage)
        if decision == "reject":
            txn.state, txn.next_stage = State.RETURNED, 0
            _record(txn, actor, Action.Kind.REJECT, stage=stage, opinion=opinion)
            return txn
        txn.next_stage += 1
        _record(txn, actor, Action.Kind.APPROVE, stage=stage, opinion=opinion)
        if txn.next_stage == len(txn.stage_list):
            _post(txn, actor)
    return txn


@refusals_logged
def withdraw(actor: Actor, txn: BusinessTransaction, reason: str) -> BusinessTransaction:
    with db_transaction.atomic():
        if txn.created_by != actor.username:
            raise _refuse(actor, _("only {user}, who opened this transaction, may withdraw it").format(
                user=txn.created_by), txn)
        if txn.state not in OPEN_STATES:
            raise _refuse(actor, _("a transaction that is {state} cannot be withdrawn").format(
                state=txn.get_state_display()), txn)
        if not (reason or "").strip():
            raise InvalidTransaction({"reason": _("is required when withdrawing")})
        reason = checked_text(reason, "reason", max_length=MAX_TEXT)
        txn.state = State.WITHDRAWN
        _record(txn, actor, Action.Kind.WITHDRAW, opinion=reason)
    return txn


def _post(txn: BusinessTransaction, actor: Actor) -> None:
    trail = tuple({"stage": a["stage"], "actor": a["actor"], "decision": "approve", "opinion": a["opinion"],
                   "at": a["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")} for a in _review_trail(txn))
    docs = tuple(_attached(txn, "sha256"))
    ctx = WriteContext(actor=txn.created_by, reason=txn.reason, channel=txn.channel, txn=txn.uid, region=txn.region)
    posted = post(Transaction(txn.type, payload_of(txn), ctx, documents=docs, review=trail))
    txn.state, txn.posted_seq = State.POSTED, posted[0].seq
    _record(txn, actor, Action.Kind.POST, opinion=f"entries #{posted[0].seq}–#{posted[-1].seq}")


def execute(actor: Actor, type_name: str, payload: dict[str, Any], *, region: str, reason: str, channel: str) -> BusinessTransaction:
    """Open and submit at once, all or nothing: for types that need no documents (user administration, the
    parameter loads, collection imports, crediting runs, pension payments and adjustments)."""
    with db_transaction.atomic():
        txn = open_transaction(actor, type_name, payload, region=region, reason=reason, channel=channel)
        return submit(actor, txn)

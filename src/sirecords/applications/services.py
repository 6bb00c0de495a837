"""Written applications to query records (第十八条–第二十条): register, refuse, read the answer, list the recipients.

`register` opens the `answer_application` transaction with the applicant's credentials attached and submits it to
the review stages of workflow/stages.toml (the existing review queue); the last stage's approval posts it
(`application.approved`). `refuse` is a reviewer's decision at the stage due not to answer (第二十条(二)): the
stage's rejection is recorded on the application and the refusal, with the reason, is posted
(`refuse_application`). `answer_documents` is the one read of an answer: each person through the access log
(records.reads.read, purpose `case [<application>]` for an authority, `application [<application>]` for a unit,
第二十一条), then `person_view` in the application's approved scope (queries/scopes.py, kinds authority and unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from sirecords.applications.kinds import APPLICATION_APPROVED
from sirecords.applications.models import Decision
from sirecords.applications.transactions import CREDENTIALS, REFUSAL, TYPE, entry_of, masked
from sirecords.certificates.issuing import IssuedCertificate, issue_document
from sirecords.queries.scopes import Requester, person_view
from sirecords.records import reads
from sirecords.records.purposes import Purpose, implied
from sirecords.registry.models import Person
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow import documents
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import Refused, attach, execute, open_transaction, payload_of, review, submit

# The read purpose of each applicant kind (settings.SIRECORDS_READ_PURPOSES): 第十八条 case, 第十九条 application.
PURPOSES = {"authority": "case", "unit": "application"}
__all__ = ["PURPOSES", "Application", "Refused", "answer_documents", "application", "pending", "purpose_of", "recipients",
           "refuse", "register", "requester_of"]


@dataclass(frozen=True)
class Application:
    """A written application: its transaction, what it asks (the sealed payload, read for staff pages) and, once
    decided, the decision entry (`application.approved` or `application.refused`)."""

    txn: BusinessTransaction
    fields: dict[str, Any]
    decision: dict[str, Any] | None

    @property
    def uid(self) -> str:
        return self.txn.uid

    @property
    def approved(self) -> bool:
        return bool(self.decision) and self.decision["kind"] == APPLICATION_APPROVED

    @property
    def refused(self) -> bool:
        return bool(self.decision) and not self.approved

    @property
    def kind(self) -> str:
        return str(self.fields.get("applicant_kind", ""))

    def summary(self) -> dict[str, Any]:
        """What the pages and the answer's header say about the application (the persons masked)."""
        fields = self.fields
        return {"uid": self.uid, "applicant_kind": self.kind, "organisation": fields.get("organisation", ""),
                "purpose": fields.get("purpose", ""), "legal_basis": fields.get("legal_basis", ""),
                "agreed_use": fields.get("agreed_use", ""), "items": list(fields.get("items") or ()),
                "months": list(fields.get("months") or ()), "disclose_on": fields.get("disclose_on") or "",
                "persons": [masked(str(n)) for n in fields.get("persons") or ()],
                "state": "approved" if self.approved else "refused" if self.refused else self.txn.state,
                "decided_at": (self.decision or {}).get("recorded_at", ""), "reason": (self.decision or {}).get("reason", "")}


def register(actor: Actor, *, region: str, applicant_kind: str, organisation: str, contact: str, purpose: str,
             legal_basis: str, persons: list[str], items: list[str], months: tuple[str, str], agreed_use: str,
             credentials: bytes | None, credentials_name: str, disclose_on: date | str | None = None,
             channel: str = "counter") -> BusinessTransaction:
    """Record a written application (第十九条: credentials, name, contact; purpose and legal basis; what is asked) as an
    `answer_application` transaction in `region` with the credentials attached, submitted to its review stages; all
    or nothing. Raises InvalidTransaction (a field and why) or Refused (the officer's role or region)."""
    if not credentials:
        raise InvalidTransaction({"credentials": _("the applicant's valid credentials must be uploaded (第十九条(一))")})
    try:
        documents.check(credentials, credentials_name)
    except documents.DocumentRefused as refused:
        raise InvalidTransaction({"credentials": str(refused)}) from None
    payload: dict[str, Any] = {"applicant_kind": applicant_kind, "organisation": organisation, "contact": contact,
                               "purpose": purpose, "legal_basis": legal_basis, "persons": list(persons),
                               "items": sorted(items), "months": list(months), "agreed_use": agreed_use}
    if disclose_on:
        payload["disclose_on"] = disclose_on.isoformat() if isinstance(disclose_on, date) else str(disclose_on)
    with db_transaction.atomic():
        txn = open_transaction(actor, TYPE, payload, region=region, channel=channel,
                               reason=f"第三方查询申请 written application ({applicant_kind})")
        attach(actor, txn, CREDENTIALS, credentials, credentials_name or "credentials.pdf")
        txn = submit(actor, txn)
    return txn


def application(uid: str) -> Application | None:
    """The written application `uid` (any state), or None."""
    txn = BusinessTransaction.objects.filter(pk=uid, type=TYPE).first()
    if txn is None:
        return None
    return Application(txn, payload_of(txn), entry_of(uid))


def refuse(actor: Actor, app: Application, reason: str) -> Application:
    """The reviewer at the stage due refuses the application, telling the applicant why (第二十条(二)): the stage's
    rejection is recorded on the application (workflow.review: its role, region and one-stage-per-person rules) and
    the refusal is posted, in one database transaction. Raises Refused or InvalidTransaction (the reason)."""
    if app.decision is not None:
        raise Refused(_("this application is already decided"), app.txn)
    stage = app.txn.due_stage
    with db_transaction.atomic():
        review(actor, app.txn, "reject", reason)
        execute(actor, REFUSAL, {"application": app.uid, "reason": reason, "stage": stage or ""}, region=app.txn.region,
                reason=f"不予提供 refused ({stage})", channel="web")
    return application(app.uid)


def purpose_of(app: Application) -> Purpose:
    """The purpose the access log records for the answer's reads: the code of the applicant kind, the application
    as the reference (so a withholding order matches `case [<uid>]`), the organisation and its purpose."""
    detail = f"{app.fields.get('organisation', '')}: {app.fields.get('purpose', '')}"[:120]
    return implied(PURPOSES[app.kind], detail, app.uid)


def requester_of(app: Application) -> Requester:
    """The requester of the answer: the applicant kind, with the approved items and months (queries/scopes.toml)."""
    decision = app.decision or {}
    return Requester(app.kind, items=frozenset(decision.get("items", ())), months=tuple(decision.get("months", ())))


def answer_documents(app: Application, actor: Actor, *, channel: str = "web", what: str = "application answer") -> list[dict[str, Any]]:
    """Per approved person, `person_view` in the application's approved scope, each with "application" (the summary)
    — the written answer, for the page and for a PDF. Every person's read is admitted and logged first
    (records.reads.read; ReadRefused when the region or the limits refuse). Refused when the application is not
    approved."""
    if not app.approved:
        raise Refused(_("only an approved application is answered"), app.txn)
    purpose, requester, summary = purpose_of(app), requester_of(app), app.summary()
    answers = []
    for row in app.decision["persons"]:
        person = Person.objects.get(uid=row["person"])
        reads.read(reads.Reader(actor, channel), f"person:{person.uid}", what, purpose)
        view = person_view(person, requester)
        view["application"] = summary
        answers.append(view)
    return answers


def answer_certificate(app: Application, actor: Actor, person_uid: str, *, channel: str = "web") -> IssuedCertificate:
    """The written answer about one approved person as a signed `query_result` PDF (certificates.issuing: the read
    logged with the application's purpose, the issue in the ledger, the PDF signed), in the approved scope. Refused
    when the application is not approved or does not name the person."""
    if not app.approved:
        raise Refused(_("only an approved application is answered"), app.txn)
    if person_uid not in [row["person"] for row in app.decision["persons"]]:
        raise Refused(_("this application's answer does not cover this person"), app.txn)
    person = Person.objects.get(uid=person_uid)
    return issue_document(actor, person, "query_result", requester=requester_of(app), purpose=purpose_of(app),
                          channel=channel, what="application answer (signed PDF)")


def pending(region: str | None = None) -> list[Application]:
    """Applications not yet decided (submitted, returned), newest first."""
    rows = BusinessTransaction.objects.filter(type=TYPE, state__in=(State.SUBMITTED, State.RETURNED))
    if region:
        rows = rows.filter(region=region)
    return [app for app in (application(txn.uid) for txn in rows.order_by("-created_at")) if app and app.decision is None]


def recipients(regions: list[str] | None = None) -> list[dict[str, Any]]:
    """The register of recipients (第二十四条, 第二十九条): each organisation that was answered, its kind, the agreed uses
    it was bound to, and the applications answered to it with their dates, items and months; refused applications
    listed apart under "refused". Newest activity first."""
    rows = Decision.objects.all().order_by("decided_on", "uid")
    if regions is not None:
        rows = rows.filter(region__in=regions)
    register: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = register.setdefault((row.applicant_kind, row.organisation), {
            "applicant_kind": row.applicant_kind, "organisation": row.organisation, "agreed_uses": [],
            "applications": [], "refused": [], "first": row.decided_on, "last": row.decided_on})
        entry["last"] = row.decided_on
        if row.decision == "approved":
            if row.agreed_use not in entry["agreed_uses"]:
                entry["agreed_uses"].append(row.agreed_use)
            entry["applications"].append({"uid": row.uid, "decided_on": row.decided_on, "items": row.items.split(),
                                          "months": row.months, "persons": row.persons, "agreed_use": row.agreed_use,
                                          "disclose_on": row.disclose_on})
        else:
            entry["refused"].append({"uid": row.uid, "decided_on": row.decided_on, "reason": row.reason})
    return sorted(register.values(), key=lambda entry: entry["last"], reverse=True)

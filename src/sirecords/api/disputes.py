"""Disputes of the record (第十六条, issue #18) over the API, on top of disputes/services.py (which holds every rule):

- the insured person's own cases, for their bearer token (api/portal_auth.PersonBearer; the person is the token's):
  `POST /api/me/disputes` files one, `GET /api/me/disputes` lists them, `GET /api/me/disputes/{case}` shows one,
  `POST /api/me/disputes/{case}/evidence` adds a scan (multipart `file`, optional `kind`);
- the employer's, for an employer user's bearer token (the unit is the token's): `POST /api/employer/disputes` files
  one about the unit's own registration or, with `id_number`, an employee's contributions or employment within their
  periods with the unit; `GET /api/employer/disputes` lists the unit's;
- the staff's, for staff sessions and service tokens (api/rules.py: `disputes:read`, `disputes:write`):
  `GET /api/disputes?state=` lists the cases of the caller's regions, subject masked; `POST /api/disputes/{case}/
  examine|refuse|correct|refer` take the re-examination's steps. Whoever posted a disputed entry is refused (403,
  naming the entry).

Another person's or another region's case is answered as an unknown one (404) and the attempt security-logged.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from django.http import Http404
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import ConfigDict, Field

from sirecords.api.me import refuse_other_parameters
from sirecords.api.operations import endpoint
from sirecords.api.portal_auth import portal_endpoint
from sirecords.api.schemas import FreeText, Problem, Strict, uid_path
from sirecords.core.identifiers import InvalidIdentifier
from sirecords.disputes import services
from sirecords.disputes.disputed import outside_periods
from sirecords.disputes.models import Case, DisputeState
from sirecords.portal.services import holder
from sirecords.records.disclosure import record_own_read
from sirecords.registry.queries import find_person_by_id_number
from sirecords.transactions.posting import InvalidTransaction
from sirecords.workflow import documents

CHANNEL = "api"
security_log = logging.getLogger("sirecords.security")
# disputes.models.DisputeItem's values (tests/api/test_disputes.py checks they agree).
Item = Literal["contribution", "registration", "employment", "account", "contribution_years", "benefit"]
PORTAL_PROBLEMS = {401: Problem, 404: Problem, 422: Problem}
STAFF_PROBLEMS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}

me_router = Router(tags=["portal: insured person"])
employer_router = Router(tags=["employer portal"])
staff_router = Router(tags=["disputes"])


# --- what the endpoints take ------------------------------------------------------------------------------------------

class DisputeIn(Strict):
    """A written request to verify the record (第十六条). An unknown key is refused with 422 naming it."""

    item: Item = Field(description="What is disputed: contribution (a month), registration, employment, account, "
                                   "contribution_years or benefit")
    period: str = Field("", description="The disputed month YYYY-MM: required for a contribution, empty otherwise")
    claim: str = Field(description="What is wrong, in the requester's words (sealed at rest; at most 2000 characters)")


class EmployerDisputeIn(DisputeIn):
    id_number: str = Field("", description="An employee's resident ID number (in the body, never in a URL): their "
                                           "contributions or employment within their periods with the unit. Left "
                                           "out: the unit's own registration (item registration)")


class RefuseIn(Strict):
    reason: FreeText = Field(description="Why the record stands; the decision adds the right to administrative "
                                         "review or litigation (行政复议, 行政诉讼)")


class CorrectIn(Strict):
    type: str = Field(description="The correction (#12's): correct_contributions or refund_contributions for a "
                                  "contribution; correction or supplement for a registration or employment; "
                                  "correct_account_year for an account; correct_award for a benefit")
    payload: dict[str, Any] = Field(description="The correction's fields, as at the desk, about the disputed "
                                                "record's person (or the unit whose registration is disputed)")


class ReferIn(Strict):
    region: str = Field(description="The 6-digit region (GB/T 2260) where the disputed months were earned")


class StaffQuery(Schema):
    state: DisputeState | None = Field(None, description="Only the cases in this state: received, examining, "
                                                         "corrected, refused or referred")
    overdue: bool = Field(False, description="Only the open cases past their due date")


# --- what they answer -----------------------------------------------------------------------------------------------------

CaseUid = Annotated[str, uid_path("The case number: 32 lower-case hexadecimal digits")]


class _Open(Schema):
    # The named keys are the contract; a key services.as_json adds later is passed on rather than dropped.
    model_config = ConfigDict(extra="allow")


class DisputeStepOut(Schema):
    # Not "StepOut": api/transfers.py's step has that name in the OpenAPI document's components, and one name is one
    # schema there (the disputes' steps were documented with the transfers' fields: found by bench/fuzz_api.py).
    state: str = Field(description="The case's state after the step")
    at: str = Field(description="When (UTC, ISO 8601), as the ledger recorded it")


class OutcomeOut(_Open):
    state: str = Field(description="corrected, refused or referred")
    reason: str = Field(description="A refusal's reasons with the right to administrative review or litigation; the "
                                    "region referred to; the correction made")
    transaction: str | None = Field(description="The correction's business transaction, when corrected")
    decided_on: str | None = None
    region: str | None = Field(None, description="The region a referral names")


class EvidenceOut(Schema):
    kind: str = Field(description="evidence, written_request or written_authorisation")
    sha256: str = Field(description="The SHA-256 of the stored scan")
    content_type: str = Field(description="PDF, JPEG or PNG, as the content parsed")
    added_at: str | None = None


class CaseOut(_Open):
    """A dispute case as services.as_json gives it to the person or the unit."""

    case: str = Field(description="The case number")
    item: str
    period: str | None = Field(description="YYYY-MM for a contribution, else null")
    claim: str
    state: str = Field(description="received, examining, corrected, refused or referred")
    due_on: str = Field(description="To be answered by (YYYY-MM-DD, working days)")
    received_on: str
    requester_kind: str = Field(description="person, delegate or employer")
    channel: str
    steps: list[DisputeStepOut] = Field(description="Each step as the ledger has it, oldest first")
    outcome: OutcomeOut | None = Field(description="null while the case is open")
    evidence: list[EvidenceOut]


class EmployerCaseOut(CaseOut):
    subject: str = Field(description="Whose record: the employee's ID number masked, or employer:<uid> for the unit's "
                                     "own registration")


class StaffCaseOut(CaseOut):
    """A case as the staff's list shows it: the subject masked, never a full ID number or name."""

    subject: str = Field(description="The person's ID number masked (address code only), or employer:<uid>")
    examiner: str | None
    overdue: bool = Field(description="Open and past its due date")
    transaction: str | None = Field(description="The correction in review or posted for it")
    region: str | None = Field(description="The region a referred case was referred to")


class CorrectionOut(_Open):
    transaction: str = Field(description="The correction's business transaction, submitted for its four stages")
    transaction_state: str
    stages: list[str]
    case: str
    state: str = Field(description="The case's state: examining until the correction posts")


# --- helpers -------------------------------------------------------------------------------------------------------------

def _scan(file: UploadedFile, kind: str) -> services.Document:
    try:
        data = documents.received(file)  # an oversize file is refused by its size, unread
    except documents.DocumentRefused as refused:
        raise InvalidTransaction({"file": str(refused)}) from None
    return services.Document(kind, data, file.name or "")


def _evidence(actor, case: Case, scan: services.Document):
    try:
        # services.add_evidence checks the bytes and the name as every document is checked (workflow/documents.check)
        evidence = services.add_evidence(actor, case, scan, channel=CHANNEL)
    except documents.DocumentRefused as refused:
        raise InvalidTransaction({"file": str(refused)}) from None
    return {"kind": evidence.kind, "sha256": evidence.sha256, "content_type": evidence.content_type,
            "added_at": evidence.added_at}


def _own(request, uid: str) -> Case:
    """The token person's case `uid`; 404 for another's (security-logged) as for an unknown one."""
    person = request.auth.person
    case = Case.objects.filter(uid=uid).first()
    if case is not None and case.person != person.uid:
        security_log.warning("portal api refused %s: dispute case %s is not %s's", request.path, uid,
                             request.auth.username)
        case = None
    if case is None:
        raise Http404(f"you have no dispute case {uid}")
    return case


def _staff_case(request, uid: str) -> Case:
    case = services.handled(request.auth.actor, uid)
    if case is None:
        raise Http404(f"no dispute case {uid} in your regions")
    return case


def staff_json(case: Case, reviewing: dict[str, str] | None = None) -> dict[str, Any]:
    reviewing = services.in_review([case.uid]) if reviewing is None else reviewing
    return {**services.as_json(case, masked=True, reviewing=reviewing), "region": case.referred_to or None}


# --- the insured person ----------------------------------------------------------------------------------------------------

@portal_endpoint(me_router, "POST", "/me/disputes", "me_disputes", response={201: CaseOut, **PORTAL_PROBLEMS},
                 summary="File a request to verify my record (第十六条): received, with the date it is due")
def my_dispute_file(request, body: DisputeIn):
    """The person is the token's. A bad item, month or claim is 422 naming the field; so is any other key."""
    person = request.auth.person
    case = services.file(holder(request.auth.username), person=person.uid, item=body.item, period=body.period,
                         claim=body.claim, channel=CHANNEL)
    return Status(201, services.as_json(case))


@portal_endpoint(me_router, "GET", "/me/disputes", "me_disputes", response={200: list[CaseOut], **PORTAL_PROBLEMS},
                 summary="My requests to verify the record, newest first, each with its steps and outcome")
def my_disputes(request):
    refuse_other_parameters(request, "disputes")
    person = request.auth.person
    cases = services.as_json_many(services.for_person(person.uid))
    record_own_read(person, "disputes", CHANNEL)
    return cases


@portal_endpoint(me_router, "GET", "/me/disputes/{case}", "me_dispute", response={200: CaseOut, **PORTAL_PROBLEMS},
                 summary="One of my requests to verify the record (another's is 404)")
def my_dispute(request, case: CaseUid):
    refuse_other_parameters(request, "disputes")
    found = _own(request, case)
    record_own_read(request.auth.person, "disputes", CHANNEL)
    return services.as_json(found)


@portal_endpoint(me_router, "POST", "/me/disputes/{case}/evidence", "me_dispute_evidence",
                 response={201: EvidenceOut, **PORTAL_PROBLEMS},
                 summary="Add a scan (PDF, JPEG or PNG; multipart) to one of my open requests")
def my_dispute_evidence(request, case: CaseUid, file: File[UploadedFile],
                        kind: Form[Literal["evidence", "written_authorisation"]] = "evidence"):
    """A file that is not what its name says (a .png that is no PNG) is 422 with the reason, and nothing is recorded;
    so is a case already decided. Another person's case is 404."""
    found = _own(request, case)
    return Status(201, _evidence(holder(request.auth.username), found, _scan(file, kind)))


# --- the employer ----------------------------------------------------------------------------------------------------------

def _employer_json(case: Case) -> dict[str, Any]:
    return services.as_json(case, subject=True)


@portal_endpoint(employer_router, "POST", "/employer/disputes", "employer_disputes",
                 response={201: EmployerCaseOut, **PORTAL_PROBLEMS},
                 summary="File a request to verify the unit's registration or an employee's record within their "
                         "periods with the unit (第十六条)")
def employer_dispute_file(request, body: EmployerDisputeIn):
    """The unit is the token's; the requester its user. An employee outside their periods with the unit is 422 naming
    `person` (and an ID number nobody is registered with is answered alike, so the answer tells no more)."""
    unit = request.auth.employer
    person = ""
    if body.id_number.strip():
        try:
            found = find_person_by_id_number(body.id_number)
        except InvalidIdentifier as invalid:
            raise InvalidTransaction({"id_number": invalid.message}) from None
        if found is None:
            raise InvalidTransaction({"person": outside_periods("", unit.uid, body.period)})
        person = found.uid
    username = request.auth.username
    case = services.file(holder(username), person=person, employer=unit.uid, requester_kind="employer",
                         requester=username, item=body.item, period=body.period, claim=body.claim, channel=CHANNEL)
    return Status(201, _employer_json(case))


@portal_endpoint(employer_router, "GET", "/employer/disputes", "employer_disputes",
                 response={200: list[EmployerCaseOut], **PORTAL_PROBLEMS},
                 summary="The unit's requests to verify the record, newest first")
def employer_disputes(request):
    return services.as_json_many(services.for_employer(request.auth.employer.uid), subject=True)


# --- the staff ------------------------------------------------------------------------------------------------------------

@endpoint(staff_router, "GET", "/disputes", "disputes", response={200: list[StaffCaseOut], **STAFF_PROBLEMS},
          summary="The disputes of the record in my regions, by due date, subject masked (optionally one state, or "
                  "the overdue ones)")
def disputes(request, query: Query[StaffQuery]):
    cases = services.listing(query.state, overdue_only=query.overdue, actor=request.auth.actor)
    services.record_list_read(request.auth.actor, cases, CHANNEL)  # the claims are the persons' words: access-logged
    reviewing = services.in_review([case.uid for case in cases])
    return [{**item, "region": case.referred_to or None}
            for case, item in zip(cases, services.as_json_many(cases, masked=True, reviewing=reviewing), strict=True)]


@endpoint(staff_router, "POST", "/disputes/{case}/examine", "dispute_examine",
          response={200: StaffCaseOut, **STAFF_PROBLEMS},
          summary="Take up the re-examination of a received case (not by whoever posted a disputed entry: 403)")
def examine(request, case: CaseUid):
    uid = _staff_case(request, case).uid
    return staff_json(services.examine(request.auth.actor, uid, channel=CHANNEL))


@endpoint(staff_router, "POST", "/disputes/{case}/refuse", "dispute_refuse",
          response={200: StaffCaseOut, **STAFF_PROBLEMS},
          summary="Refuse a received or examined case with the reasons (the right to review or litigation stated)")
def refuse(request, case: CaseUid, body: RefuseIn):
    uid = _staff_case(request, case).uid
    return staff_json(services.refuse(request.auth.actor, uid, body.reason, channel=CHANNEL))


@endpoint(staff_router, "POST", "/disputes/{case}/correct", "dispute_correct",
          response={201: CorrectionOut, **STAFF_PROBLEMS},
          summary="Open and submit the correction of a case (its scans attached), reviewed in four stages; the case "
                  "is corrected when it posts")
def correct(request, case: CaseUid, body: CorrectIn):
    uid = _staff_case(request, case).uid
    txn = services.correct(request.auth.actor, uid, body.type, body.payload, channel=CHANNEL)
    after = Case.objects.get(uid=uid)
    return Status(201, {"transaction": txn.uid, "transaction_state": txn.state, "stages": txn.stage_list,
                        "case": uid, "state": after.state})


@endpoint(staff_router, "POST", "/disputes/{case}/refer", "dispute_refer", response={200: StaffCaseOut, **STAFF_PROBLEMS},
          summary="Refer a case whose months were earned in another region to that region")
def refer(request, case: CaseUid, body: ReferIn):
    uid = _staff_case(request, case).uid
    return staff_json(services.refer(request.auth.actor, uid, body.region, channel=CHANNEL))


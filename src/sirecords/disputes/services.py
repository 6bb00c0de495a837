"""Disputes of the record (第十六条), as the portal, the employer portal, the counter and the staff API use them:
file a request (with its scans), add evidence, re-examine, refuse, refer, correct; and the cases as each requester
may see them. Every step is a transaction posted to the ledger (disputes/transactions.py); the correction a case leads
to is reviewed in four stages and marks the case corrected when it posts.

Who may do what:
- a person files and follows their own cases; an employer's user files about its unit's registration or an
  employee's contributions or employment within their periods with it, and follows its unit's cases;
- a clerk at the counter files for a person (the scan of the signed written request required; a delegate's written
  authorisation too);
- a staff member with a business role in the case's region examines, refuses, refers or corrects — never one who
  posted any of the disputed entries (Refused, with the entry named: the API's 403);
- supervisors read the cases and the overdue ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction as db_transaction

from sirecords.crypto.sealing import SealBroken, unseal
from sirecords.disputes.disputed import disputed_entries, posters
from sirecords.disputes.kinds import (
    DISPUTE_CORRECTED,
    DISPUTE_EVIDENCE_ADDED,
    DISPUTE_EXAMINATION_STARTED,
    DISPUTE_RECEIVED,
    DISPUTE_REFERRED,
    DISPUTE_REFUSED,
)
from sirecords.disputes.models import OPEN_STATES, Case, Claim, DisputeState, Evidence
from sirecords.disputes.transactions import EVIDENCE_KINDS, EXAMINERS, case_subject, open_case
from sirecords.ledger.models import Entry
from sirecords.records.access_log import record_access
from sirecords.records.purposes import implied
from sirecords.registry.models import Employer, Person
from sirecords.transactions.actors import Actor
from sirecords.transactions.posting import InvalidTransaction, transaction_types
from sirecords.workflow import documents
from sirecords.workflow.models import BusinessTransaction, State
from sirecords.workflow.services import Refused, attach, execute, open_transaction, submit

security_log = logging.getLogger("sirecords.security")
PORTAL_MARK = ":"  # in every portal username (portal/credentials.py), in no staff one


@dataclass(frozen=True)
class Document:
    kind: str  # written_request, written_authorisation or evidence
    data: bytes
    name: str


def online(actor: Actor) -> bool:
    """A signed-in person's or employer user's own request (not the counter's)."""
    return PORTAL_MARK in actor.username


def _region() -> str:
    return settings.SIRECORDS_REGION


def _checked(item: Document) -> tuple[str, str]:
    """(sha256, content type) of a scan, checked as every document is (DocumentRefused naming the file otherwise)."""
    if item.kind not in EVIDENCE_KINDS:
        raise InvalidTransaction({"kind": f"{item.kind!r} is not a dispute's document ({', '.join(EVIDENCE_KINDS)})"})
    content = documents.check(item.data, item.name)
    return hashlib.sha256(item.data).hexdigest(), documents.ACCEPTED_TYPES[content]


# --- filing and evidence ---------------------------------------------------------------------------------------------------

def file(actor: Actor, *, item: str, claim: str, channel: str, person: str = "", employer: str = "", period: str = "",
         requester_kind: str = "person", requester: str = "", delegate: str = "",
         scans: tuple[Document, ...] = ()) -> Case:
    """Record a request to verify the record and its scans; the case, `received`, with its due date. At the counter
    (a staff actor) the scan of the signed written request is required, and a delegate's written authorisation."""
    kinds = {scan.kind for scan in scans}
    if not online(actor):
        missing = [kind for kind in ("written_request", *(("written_authorisation",) if requester_kind == "delegate" else ()))
                   if kind not in kinds]
        if missing:
            raise InvalidTransaction({"document": "the counter records a request with the scan of "
                                                  + " and ".join(documents.DOCUMENT_KINDS[k][0] + f" ({k})" for k in missing)})
    checked = [(scan, *_checked(scan)) for scan in scans]
    uid = uuid.uuid4().hex
    payload = {"case": uid, "person": person, "employer": employer, "requester_kind": requester_kind,
               "requester": requester or (f"person:{person}" if requester_kind == "person" else actor.username),
               "delegate": delegate, "item": item, "period": period, "claim": claim,
               "documents": [{"kind": scan.kind, "sha256": digest, "content_type": content}
                             for scan, digest, content in checked]}
    with db_transaction.atomic():
        txn = open_transaction(actor, "file_dispute", payload, region=_region(), reason="异议受理 dispute received",
                               channel=channel)
        for scan, _digest, _content in checked:
            attach(actor, txn, scan.kind, scan.data, scan.name)
        submit(actor, txn)
    return Case.objects.get(uid=uid)


def add_evidence(actor: Actor, case: Case, scan: Document, *, channel: str) -> Evidence:
    """Add a scan to an open case (the caller has checked the actor may: their own case, their unit's, or staff). A
    closed case is refused before the scan is read or stored (InvalidTransaction naming `case`)."""
    open_case({"case": case.uid})
    digest, content = _checked(scan)
    with db_transaction.atomic():
        txn = open_transaction(actor, "add_dispute_evidence", {"case": case.uid, "kind": scan.kind, "sha256": digest,
                                                               "content_type": content},
                               region=_region(), reason="异议材料 evidence added", channel=channel)
        attach(actor, txn, scan.kind, scan.data, scan.name)
        submit(actor, txn)
    return Evidence.objects.get(key=f"{case.uid}:{digest}")


# --- the re-examination ----------------------------------------------------------------------------------------------------

def posted_by(case: Case) -> dict[str, int]:
    """Who posted the disputed entries: username → the seq of one of them."""
    return posters(disputed_entries(case.item, case.person, case.employer if case.requester_kind == "employer" else "",
                                    case.period))


def check_examiner(actor: Actor, case: Case) -> None:
    """Refused (the API's 403), with the entry named, when the actor posted any of the disputed entries."""
    seq = posted_by(case).get(actor.username)
    if seq is not None:
        kind = Entry.objects.filter(seq=seq).values_list("kind", flat=True).first()
        security_log.warning("refused %s: examining dispute %s, having posted entry #%s", actor.username, case.uid, seq)
        raise Refused(f"you posted entry #{seq} ({kind}) of the disputed record: someone who posted none of the "
                      f"disputed entries re-examines it (第十六条)")


def _read_for(actor: Actor, case: Case, what: str, channel: str) -> None:
    """The examiner reads the person's record for the case: in the access log, which the person sees (第十六条)."""
    if case.person:
        purpose = implied("dispute", f"re-examining dispute case {case.uid}", case.uid)
        record_access(actor.username, f"person:{case.person}", what, channel, str(purpose))


# --- which staff handle a case ------------------------------------------------------------------------------------------

# Who reads the staff's list of cases: the examiners, and the supervisors (who follow the overdue ones).
READERS = (*EXAMINERS, "supervisor")


def region_of(case: Case) -> str:
    """The region that examines the case and where its steps are opened: the agency's own (one pooling region an
    installation for now; a case about months earned elsewhere is referred there)."""
    return _region()


def _pooling_regions(cases: list[Case]) -> dict[str, str]:
    persons = {case.person for case in cases if case.person}
    return dict(Person.objects.filter(uid__in=persons).values_list("uid", "pooling_region")) if persons else {}


def _handles(actor: Actor, case: Case, roles: tuple[str, ...], pooling: dict[str, str]) -> bool:
    # The case's region, and a person's pooling region too: a staff member reads only the persons of their regions
    # (records/reads.py), and a case shows the person's words about their record.
    regions = {region_of(case), *([pooling[case.person]] if case.person in pooling else [])}
    return all(any(actor.has(role, region) for role in roles) for region in regions)


def handles(actor: Actor, case: Case, roles: tuple[str, ...] = EXAMINERS) -> bool:
    """The staff member holds one of `roles` in the case's region (and the person's pooling region)."""
    return _handles(actor, case, roles, _pooling_regions([case]))


def handled(actor: Actor, uid: str, roles: tuple[str, ...] = EXAMINERS) -> Case | None:
    """The case `uid` if the staff member handles it; None for an unknown case and for another region's (the latter
    in the security log): the API answers both alike (404)."""
    case = Case.objects.filter(uid=uid).first()
    if case is not None and not handles(actor, case, roles):
        security_log.warning("refused %s: dispute case %s is outside their regions", actor.username, case.uid)
        return None
    return case


def record_list_read(actor: Actor, cases: list[Case], channel: str) -> None:
    """A staff list that shows the cases' claims (the persons' own words about their record, e.g. a wage): each person's
    read in the access log, purpose `dispute`, so the person sees who read it."""
    for case in cases:
        if case.person:
            purpose = implied("dispute", f"list of dispute cases: case {case.uid}", case.uid)
            record_access(actor.username, f"person:{case.person}", "dispute case: list", channel, str(purpose))


def locked(uid: str) -> Case:
    case = Case.objects.select_for_update().filter(uid=uid).first()
    if case is None:
        raise InvalidTransaction({"case": f"no dispute case {uid!r}"})
    return case


def examine(actor: Actor, uid: str, *, channel: str) -> Case:
    """Take up the re-examination of a received case."""
    with db_transaction.atomic():
        case = locked(uid)
        check_examiner(actor, case)
        _read_for(actor, case, "dispute case: re-examination", channel)
        execute(actor, "examine_dispute", {"case": case.uid}, region=_region(), reason="异议复核 re-examination",
                channel=channel)
    return Case.objects.get(uid=uid)


def refuse(actor: Actor, uid: str, reason: str, *, channel: str) -> Case:
    """Refuse a received or examined case with the reasons (the decision states the right to review or litigation)."""
    with db_transaction.atomic():
        case = locked(uid)
        check_examiner(actor, case)
        _unclaimed(case)
        _read_for(actor, case, "dispute case: refusal", channel)
        execute(actor, "refuse_dispute", {"case": case.uid, "reason": reason}, region=_region(),
                reason="异议不予更正 refused", channel=channel)
    return Case.objects.get(uid=uid)


def refer(actor: Actor, uid: str, region: str, *, channel: str) -> Case:
    """Refer a case whose months were earned in another region to that region."""
    with db_transaction.atomic():
        case = locked(uid)
        check_examiner(actor, case)
        _unclaimed(case)
        execute(actor, "refer_dispute", {"case": case.uid, "region": region}, region=_region(),
                reason="异议转交 referred", channel=channel)
    return Case.objects.get(uid=uid)


def _unclaimed(case: Case) -> None:
    """Refuse while a correction of the case is in review (a returned or withdrawn one frees it)."""
    claim = Claim.objects.select_for_update().filter(case=case.uid).first()
    if claim is not None and BusinessTransaction.objects.filter(uid=claim.txn, state__in=(State.DRAFT, State.SUBMITTED)).exists():
        raise InvalidTransaction({"case": f"dispute case {case.uid} has a correction in review: transaction {claim.txn}"})


def correct(actor: Actor, uid: str, type_name: str, payload: dict[str, Any], *, channel: str) -> BusinessTransaction:
    """Open and submit the correction (correct_dispute around one of #12's corrections), the case's scans attached as
    its evidence; a received case is taken up for examination first. The case is corrected when the last stage posts."""
    with db_transaction.atomic():
        case = locked(uid)
        check_examiner(actor, case)
        _unclaimed(case)
        if case.state == DisputeState.RECEIVED:
            _read_for(actor, case, "dispute case: re-examination", channel)
            execute(actor, "examine_dispute", {"case": case.uid}, region=_region(), reason="异议复核 re-examination",
                    channel=channel)
        txn = open_transaction(actor, "correct_dispute", {"case": case.uid, "type": type_name, "payload": payload},
                               region=_region(), reason=f"异议更正 correction of dispute case {case.uid}", channel=channel)
        for evidence in Evidence.objects.filter(case=case.uid).order_by("last_seq"):
            suffix = {"PDF": "pdf", "JPEG": "jpg", "PNG": "png"}[evidence.content_type]
            attach(actor, txn, "evidence", documents.load(evidence.sha256), f"dispute-{evidence.sha256[:12]}.{suffix}")
        Claim.objects.update_or_create(case=case.uid, defaults={"txn": txn.uid, "opened_by": actor.username,
                                                                "opened_at": datetime.now(UTC)})
        return submit(actor, txn)


# --- reading the cases ----------------------------------------------------------------------------------------------------

def in_review(uids: list[str]) -> dict[str, str]:
    """Of these cases, those with a correction in review now: case → the transaction."""
    claims = dict(Claim.objects.filter(case__in=uids).values_list("case", "txn"))
    pending = set(BusinessTransaction.objects.filter(uid__in=list(claims.values()), state__in=(State.DRAFT, State.SUBMITTED))
                  .values_list("uid", flat=True))
    return {case: txn for case, txn in claims.items() if txn in pending}


def _open(case: Case, field: str) -> str:
    value = getattr(case, f"{field}_sealed")
    if not value:
        return ""
    try:
        return unseal(value, f"dispute:{case.uid}:{field}")
    except SealBroken:
        return "(cannot be opened)"


# What each step was, as the API and the pages name it (a scan added leaves the state as it was).
STEP_NAMES = {DISPUTE_RECEIVED: "received", DISPUTE_EVIDENCE_ADDED: "evidence_added",
              DISPUTE_EXAMINATION_STARTED: "examination_started", DISPUTE_CORRECTED: "corrected",
              DISPUTE_REFUSED: "refused", DISPUTE_REFERRED: "referred"}
DECISIONS = (DISPUTE_CORRECTED, DISPUTE_REFUSED, DISPUTE_REFERRED)
CHUNK = 2000  # cases read at a time


def _steps_of(cases: list[Case]) -> dict[str, list[tuple[str, dict, str]]]:
    """Each case's entries in the ledger, in order: (kind, the step's `after`, when). One query per CHUNK cases."""
    found: dict[str, list[tuple[str, dict, str]]] = {case.uid: [] for case in cases}
    subjects = [case_subject(case.uid) for case in cases]
    for start in range(0, len(subjects), CHUNK):
        for subject, kind, written, at in Entry.objects.filter(subject__in=subjects[start:start + CHUNK]).order_by(
                "seq").values_list("subject", "kind", "payload", "recorded_at"):
            found[subject.removeprefix("dispute:")].append((kind, json.loads(written).get("after", {}), at))
    return found


def _evidence_of(cases: list[Case]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {case.uid: [] for case in cases}
    uids = list(found)
    for start in range(0, len(uids), CHUNK):
        for e in Evidence.objects.filter(case__in=uids[start:start + CHUNK]).order_by("last_seq"):
            found[e.case].append({"kind": e.kind, "sha256": e.sha256, "content_type": e.content_type,
                                  "added_at": e.added_at})
    return found


def _outcome(case: Case, entries: list[tuple[str, dict, str]]) -> dict[str, Any] | None:
    """null while open; else the state, the reasons (a refusal's, with the right to review or litigation; a
    referral's region; a correction's type) and the correction's transaction."""
    if case.state in OPEN_STATES:
        return None
    after = next((step for kind, step, _at in reversed(entries) if kind in DECISIONS), {})
    if case.state == DisputeState.REFUSED:
        reason = f"{_open(case, 'reason')}\n{after.get('remedy', '')}".strip()
    elif case.state == DisputeState.REFERRED:
        reason = f"转交 referred to {case.referred_to}"
    else:
        name = after.get("correction", "")
        title = transaction_types().get(name)
        reason = f"已更正 corrected: {title.title if title else name}"
    return {"state": case.state, "reason": reason, "transaction": case.transaction or None,
            "decided_on": case.decided_on, "region": case.referred_to or None}


def as_json_many(cases: list[Case], *, masked: bool = False, reviewing: dict[str, str] | None = None,
                 subject: bool = False) -> list[dict[str, Any]]:
    """The cases as the API gives them: to the person or employer whole; to staff lists with the subject masked
    (`masked`; `subject` adds only that). Their steps, scans and subjects read for all of them at once."""
    entries, evidence = _steps_of(cases), _evidence_of(cases)
    subjects = subjects_masked(cases) if masked or subject else {}
    out = []
    for case in cases:
        item = {"case": case.uid, "item": case.item, "period": case.period or None, "claim": _open(case, "claim"),
                "state": case.state, "due_on": case.due_on, "received_on": case.received_on,
                "requester_kind": case.requester_kind, "channel": case.channel,
                "steps": [{"state": step.get("state", ""), "at": at, "step": STEP_NAMES.get(kind, kind)}
                          for kind, step, at in entries[case.uid]],
                "outcome": _outcome(case, entries[case.uid]), "evidence": evidence[case.uid]}
        if reviewing is not None:
            item["transaction"] = reviewing.get(case.uid) or case.transaction or None
        if masked or subject:
            item["subject"] = subjects[case.uid]
        if masked:
            item.update(examiner=case.examiner or None, overdue=overdue(case))
        out.append(item)
    return out


def as_json(case: Case, **options) -> dict[str, Any]:
    return as_json_many([case], **options)[0]


def subjects_masked(cases: list[Case]) -> dict[str, str]:
    """Whose record each case is about, as staff lists show it: the ID number masked as everywhere
    (110105********002X); a unit's own registration by its credit code (not personal data). Two queries."""
    persons = {p.uid: p.masked_id_number for p in Person.objects.filter(uid__in={c.person for c in cases if c.person})}
    units = dict(Employer.objects.filter(uid__in={c.employer for c in cases if not c.person}).values_list("uid", "uscc"))
    return {case.uid: (persons.get(case.person, f"person:{case.person}") if case.person
                       else units.get(case.employer, f"employer:{case.employer}")) for case in cases}


def subject_masked(case: Case) -> str:
    return subjects_masked([case])[case.uid]


def overdue(case: Case, today: date | None = None) -> bool:
    return case.state in OPEN_STATES and case.due_on < (today or date.today()).isoformat()


def for_person(person: str) -> list[Case]:
    """A person's own cases (filed by them, a delegate, the counter or an employer), newest first."""
    return list(Case.objects.filter(person=person).order_by("-received_on", "-last_seq"))


def for_employer(employer: str) -> list[Case]:
    """The cases an employer's users filed for the unit, newest first."""
    return list(Case.objects.filter(employer=employer, requester_kind="employer").order_by("-received_on", "-last_seq"))


def listing(state: str | None = None, *, overdue_only: bool = False, actor: Actor | None = None,
            roles: tuple[str, ...] = READERS) -> list[Case]:
    """The cases by due date, optionally of one state or the overdue ones; with `actor`, those they handle with one
    of `roles` (their regions')."""
    cases = Case.objects.all()
    if state:
        cases = cases.filter(state=state)
    if overdue_only:
        cases = cases.filter(state__in=OPEN_STATES, due_on__lt=date.today().isoformat())
    found = list(cases.order_by("due_on", "uid"))
    if actor is None:
        return found
    pooling = _pooling_regions(found)
    return [case for case in found if _handles(actor, case, roles, pooling)]


# --- for the pages (web/views/portal_disputes.py, desk_disputes.py) ----------------------------------------------------------

def own_case(uid: str, *, person: str = "", employer: str = "") -> Case | None:
    """The case `uid` when it is the person's own, or one the employer filed for the unit; None otherwise (another
    person's or unit's case answers as an unknown one does), the attempt security-logged."""
    if person:
        case = Case.objects.filter(uid=uid, person=person).first()
    else:
        case = Case.objects.filter(uid=uid, employer=employer, requester_kind="employer").first() if employer else None
    if case is None:
        security_log.warning("dispute case %r asked for by %s, whose it is not (or unknown)", uid,
                             f"person:{person}" if person else f"employer:{employer}")
    return case

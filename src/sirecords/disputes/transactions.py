"""The transactions of a dispute of the record (第十六条), each a ledger entry of the case:

- file_dispute — the written request received: who asked (the person, a delegate with a written authorisation, an
  employer about an employee within their periods with it, or about its own registration), the item and month, the
  claim (sealed), the due date (agency policy: SIRECORDS_DISPUTE_DUE_DAYS working days);
- add_dispute_evidence — a scan added (checked as every document is; the ledger names its SHA-256);
- examine_dispute — the re-examination taken up by someone who posted none of the disputed entries (disputes/
  disputed.py; the services refuse the others first, with the reason);
- refuse_dispute — refused with the reasons, stating the right to administrative review or litigation;
- refer_dispute — the disputed months were earned in another region: referred there;
- correct_dispute — a correction through the same builders as the desk's (#12: correct_contributions, correction,
  supplement, correct_account_year, correct_award), reviewed in four stages; posting it marks the case corrected.

Every entry carries target, uid, before, after and method, so the maintenance log (第十二条) lists each step.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from sirecords.core.periods import Month
from sirecords.core.text import canonical
from sirecords.core.workdays import working_days_after
from sirecords.crypto.sealing import seal
from sirecords.disputes.disputed import outside_periods
from sirecords.disputes.kinds import (
    DISPUTE_CORRECTED,
    DISPUTE_EVIDENCE_ADDED,
    DISPUTE_EXAMINATION_STARTED,
    DISPUTE_RECEIVED,
    DISPUTE_REFERRED,
    DISPUTE_REFUSED,
)
from sirecords.disputes.models import OPEN_STATES, Case, DisputeItem, DisputeState, Requester
from sirecords.ledger.append import NewEntry
from sirecords.ledger.context import WriteContext
from sirecords.registry.maintenance_log import log_kind
from sirecords.registry.models import Employer, Person
from sirecords.transactions.posting import NO_PERSON, InvalidTransaction, added, transaction_type, transaction_type_named
from sirecords.transactions.validation import Errors, formatted, region, text, unknown_fields

# The power portal.services.holder grants a signed-in person or employer user (portal/transactions.py spells it too;
# the portal is on a floor of its own).
PORTAL_HOLDER = "portal_holder"
# Who re-examines a dispute: any business role (the four stages' reviewers included); never an administrator.
EXAMINERS = ("clerk", "maintainer", "reviewer1", "reviewer2", "reviewer3", "approver")
# Who records a request: a person or employer online, or a clerk at the counter.
FILERS = ("clerk", PORTAL_HOLDER)
# The corrections a dispute may lead to, by item (#12's reviewed transactions; each requires the evidence).
CORRECTIONS: dict[str, tuple[str, ...]] = {
    DisputeItem.CONTRIBUTION: ("correct_contributions", "refund_contributions"),
    DisputeItem.REGISTRATION: ("correction", "supplement"),
    DisputeItem.EMPLOYMENT: ("correction", "supplement"),
    DisputeItem.ACCOUNT: ("correct_account_year",),
    DisputeItem.CONTRIBUTION_YEARS: ("correct_account_year", "correct_contributions"),
    DisputeItem.BENEFIT: ("correct_award",),
}
# What a refusal states (社会保险经办条例 第五十二条; 行政复议法 第二十条: sixty days; 行政诉讼法 第四十六条: six months).
REMEDY = ("如对本决定不服，可以自知道该决定之日起六十日内依法申请行政复议，或者自知道该决定之日起六个月内依法向人民法院"
          "提起行政诉讼。 If you disagree with this decision, you may apply for administrative review within sixty days, "
          "or bring an administrative lawsuit before a people's court within six months, of learning of it.")
MAX_CLAIM = 2000
MAX_REASON = 2000

for _kind, _label in ((DISPUTE_RECEIVED, "异议受理"), (DISPUTE_EVIDENCE_ADDED, "异议材料"),
                      (DISPUTE_EXAMINATION_STARTED, "异议复核"), (DISPUTE_CORRECTED, "异议更正"),
                      (DISPUTE_REFUSED, "异议不予更正"), (DISPUTE_REFERRED, "异议转交")):
    log_kind(_kind, _label)


def due_on(received: date) -> date:
    return working_days_after(received, settings.SIRECORDS_DISPUTE_DUE_DAYS)


def sealed(case: str, field: str, value: str) -> str:
    """A case's free text, sealed to the case and the field (the maintenance log opens `<field>_sealed` this way)."""
    return seal(value, f"dispute:{case}:{field}") if value else ""


def case_subject(case: str) -> str:
    return f"dispute:{case}"


def open_case(payload: dict[str, Any], states: tuple[str, ...] = tuple(OPEN_STATES)) -> Case:
    """The case the payload names, in one of `states`; InvalidTransaction naming `case` otherwise."""
    uid = payload.get("case")
    found = Case.objects.filter(uid=uid).first() if isinstance(uid, str) and uid else None
    if found is None:
        raise InvalidTransaction({"case": f"no dispute case {uid!r}"})
    if found.state not in states:
        raise InvalidTransaction({"case": f"dispute case {found.uid} is {found.state}; this needs it "
                                          f"{' or '.join(str(s) for s in states)}"})
    return found


def _step(case: Case | str, before: str, after: dict[str, Any], method: str) -> dict[str, Any]:
    uid = case if isinstance(case, str) else case.uid
    return {"target": "dispute", "uid": uid, "case": uid, "before": {"state": before} if before else {},
            "after": after, "method": method}


def _person_subject(payload: dict[str, Any], posted: bool) -> str | None:
    case = Case.objects.filter(uid=payload.get("case") or "").first()
    if case is not None:
        return f"person:{case.person}" if case.person else NO_PERSON
    return f"person:{payload['person']}" if payload.get("person") else NO_PERSON


def _describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [added("case", "异议案件 case", payload.get("case"))]
    case = Case.objects.filter(uid=payload.get("case") or "").first()
    if case is not None:
        rows += [added("item", "异议事项 item", f"{DisputeItem(case.item).label}"),
                 added("period", "月份 month", case.period or "—"), added("state", "状态 state", case.state),
                 added("due_on", "答复期限 due on", case.due_on)]
    for name, label in (("item", "异议事项 item"), ("period", "月份 month"), ("region", "转交地区 region"),
                        ("reason", "理由 reason"), ("kind", "材料类型 kind")):
        if name in payload and not (case is not None and name in ("item", "period")):
            rows.append(added(name, label, payload.get(name)))
    return rows


# --- receiving the request ---------------------------------------------------------------------------------------------

def check_request(payload: dict[str, Any]) -> dict[str, Any]:
    """The request's fields, canonical, or InvalidTransaction naming each bad one: item, period (a contribution's
    month, YYYY-MM, not in the future), claim, who asked and, for an employer, that the person was its employee then."""
    errors = Errors()
    unknown_fields(payload, {"case", "person", "employer", "requester_kind", "requester", "delegate", "item", "period",
                             "claim", "documents"}, errors)
    item = payload.get("item")
    if item not in DisputeItem.values:
        errors["item"] = f"{item!r} is not an item of the record that can be disputed ({', '.join(DisputeItem.values)})"
    period = formatted(payload, "period", errors, required=item == DisputeItem.CONTRIBUTION, max_length=7)
    if period:
        if item != DisputeItem.CONTRIBUTION:
            errors["period"] = "only a contribution dispute names a month"
        else:
            try:
                month = Month.parse(period)
                if month > Month(date.today().year, date.today().month):
                    errors["period"] = f"{period} is in the future"
            except ValueError:
                errors["period"] = "must be a month written YYYY-MM"
    claim = text(payload, "claim", errors, required=True, max_length=MAX_CLAIM, multiline=True)
    kind = payload.get("requester_kind")
    if kind not in Requester.values:
        errors["requester_kind"] = f"{kind!r} is not who may ask ({', '.join(Requester.values)})"
    requester = text(payload, "requester", errors, required=True, max_length=200)
    delegate = text(payload, "delegate", errors, required=kind == Requester.DELEGATE, max_length=100)
    if delegate and kind != Requester.DELEGATE:
        errors["delegate"] = "only a delegate's request names the delegate"
    person = Person.objects.filter(uid=payload.get("person") or "").first() if payload.get("person") else None
    if payload.get("person") and person is None:
        errors["person"] = f"no person {payload.get('person')!r}"
    employer = Employer.objects.filter(uid=payload.get("employer") or "").first() if payload.get("employer") else None
    if payload.get("employer") and employer is None:
        errors["employer"] = f"no employer {payload.get('employer')!r}"
    if kind == Requester.EMPLOYER:
        if employer is None and "employer" not in errors:
            errors["employer"] = "an employer's request names its unit"
        if person is None and "person" not in errors and item != DisputeItem.REGISTRATION:
            errors["person"] = "an employer disputes its own registration, or an employee's contributions or employment"
        if person is not None and item not in (DisputeItem.CONTRIBUTION, DisputeItem.EMPLOYMENT):
            errors["item"] = "an employer may dispute an employee's contributions or employment with it, nothing else"
        if person is not None and employer is not None and not errors:
            problem = outside_periods(person.uid, employer.uid, period)
            if problem:
                errors["person"] = problem
    else:
        if employer is not None:
            errors["employer"] = "only an employer's request names a unit"
        if person is None and "person" not in errors:
            errors["person"] = "is required"
    errors.raise_if_any()
    return {"person": person.uid if person else "", "employer": employer.uid if employer else "", "item": item,
            "period": period, "claim": claim, "requester_kind": kind, "requester": requester, "delegate": delegate}


@transaction_type("file_dispute", gettext_lazy("Receive a request to verify the record (第十六条)"), creators=FILERS,
                  describe=_describe, subject=_person_subject)
def file_dispute(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    checked = check_request(payload)
    case = payload.get("case")
    if not isinstance(case, str) or len(case) != 32 or Case.objects.filter(uid=case).exists():
        raise InvalidTransaction({"case": "a new case needs a new uid (32 hexadecimal characters)"})
    today = date.today()
    after = {"state": DisputeState.RECEIVED.value, "person": checked["person"], "employer": checked["employer"],
             "requester_kind": checked["requester_kind"], "requester": checked["requester"],
             "delegate_sealed": sealed(case, "delegate", checked["delegate"]), "channel": ctx.channel,
             "item": checked["item"], "period": checked["period"], "claim_sealed": sealed(case, "claim", checked["claim"]),
             "received_on": today.isoformat(), "due_on": due_on(today).isoformat()}
    method = f"受理 received ({ctx.channel}, {checked['requester_kind']})"
    return [NewEntry(DISPUTE_RECEIVED, case_subject(case), _step(case, "", after, method)),
            *(_evidence_entry(case, DisputeState.RECEIVED.value, scan, ctx) for scan in _scans(payload.get("documents")))]


def _scans(listed) -> list[dict[str, str]]:
    """The scans a request or an addition names: kind, SHA-256 and content type each (the services stored them)."""
    if listed in (None, []):
        return []
    errors = Errors()
    if not isinstance(listed, list):
        errors["documents"] = "must be a list of the scans: kind, sha256, content_type"
        errors.raise_if_any()
    for n, scan in enumerate(listed):
        where = f"documents.{n}"
        if not isinstance(scan, dict) or set(scan) != {"kind", "sha256", "content_type"}:
            errors[where] = "must name the scan's kind, sha256 and content_type"
            continue
        if scan["kind"] not in EVIDENCE_KINDS:
            errors[where] = f"{scan['kind']!r} is not a dispute's document ({', '.join(EVIDENCE_KINDS)})"
        digest = scan["sha256"]
        if not (isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            errors[where] = "sha256 must be the SHA-256 of the stored scan"
        if scan["content_type"] not in ("PDF", "JPEG", "PNG"):
            errors[where] = "content_type must be PDF, JPEG or PNG"
    errors.raise_if_any()
    return listed


def _evidence_entry(case: str, state: str, scan: dict[str, str], ctx: WriteContext) -> NewEntry:
    return NewEntry(DISPUTE_EVIDENCE_ADDED, case_subject(case), {
        **_step(case, state, {"state": state, "evidence": scan["sha256"]}, f"材料 {scan['kind']} ({ctx.channel})"),
        "kind": scan["kind"], "sha256": scan["sha256"], "content_type": scan["content_type"]})


# --- evidence -------------------------------------------------------------------------------------------------------------

EVIDENCE_KINDS = ("evidence", "written_request", "written_authorisation")


@transaction_type("add_dispute_evidence", gettext_lazy("Add evidence to a dispute of the record (第十六条)"),
                  creators=FILERS, describe=_describe, subject=_person_subject)
def add_dispute_evidence(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"case", "kind", "sha256", "content_type"}, errors)
    errors.raise_if_any()
    scan = _scans([{name: payload.get(name) for name in ("kind", "sha256", "content_type")}])[0]
    case = open_case(payload)
    return [_evidence_entry(case.uid, case.state, scan, ctx)]


# --- the re-examination and its outcomes -----------------------------------------------------------------------------------

@transaction_type("examine_dispute", gettext_lazy("Re-examine a dispute of the record (第十六条)"), creators=EXAMINERS,
                  describe=_describe, subject=_person_subject)
def examine_dispute(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"case"}, errors)
    errors.raise_if_any()
    case = open_case(payload, (DisputeState.RECEIVED,))
    return [NewEntry(DISPUTE_EXAMINATION_STARTED, case_subject(case.uid), _step(
        case, case.state, {"state": DisputeState.EXAMINING.value, "examiner": ctx.actor}, "复核 re-examination started"))]


@transaction_type("refuse_dispute", gettext_lazy("Refuse a dispute of the record, with the reasons (第十六条)"),
                  creators=EXAMINERS, describe=_describe, subject=_person_subject)
def refuse_dispute(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"case", "reason"}, errors)
    reason = text(payload, "reason", errors, required=True, max_length=MAX_REASON, multiline=True)
    errors.raise_if_any()
    case = open_case(payload)
    after = {"state": DisputeState.REFUSED.value, "examiner": case.examiner or ctx.actor,
             "reason_sealed": sealed(case.uid, "reason", reason), "remedy": REMEDY, "decided_on": date.today().isoformat()}
    return [NewEntry(DISPUTE_REFUSED, case_subject(case.uid), _step(case, case.state, after, "不予更正 refused"))]


@transaction_type("refer_dispute", gettext_lazy("Refer a dispute of the record to the region where the months were earned"),
                  creators=EXAMINERS, describe=_describe, subject=_person_subject)
def refer_dispute(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    errors = Errors()
    unknown_fields(payload, {"case", "region"}, errors)
    code = region(payload, "region", errors)
    here = ctx.region or settings.SIRECORDS_REGION
    if code and code == here:
        errors["region"] = f"{code} is this region: a dispute about months earned here is examined here"
    errors.raise_if_any()
    case = open_case(payload)
    after = {"state": DisputeState.REFERRED.value, "examiner": case.examiner or ctx.actor, "referred_to": code,
             "decided_on": date.today().isoformat()}
    return [NewEntry(DISPUTE_REFERRED, case_subject(case.uid), _step(case, case.state, after, f"转交 referred to {code}"))]


def correction_of(payload: dict[str, Any]) -> tuple[Case, Any, dict[str, Any]]:
    """(the case, the correction's transaction type, its payload) that a correct_dispute payload names; the type one
    of the item's (CORRECTIONS), the payload about the case's person (or, for a unit's registration, its unit)."""
    errors = Errors()
    unknown_fields(payload, {"case", "type", "payload"}, errors)
    inner_payload = payload.get("payload")
    if not isinstance(inner_payload, dict):
        errors["payload"] = "must be the correction's payload (an object)"
    errors.raise_if_any()
    case = open_case(payload, (DisputeState.EXAMINING,))
    allowed = CORRECTIONS[case.item]
    name = canonical(payload["type"]) if isinstance(payload.get("type"), str) else ""
    if name not in allowed:
        raise InvalidTransaction({"type": f"{payload.get('type')!r}: a {case.item} dispute is corrected by "
                                          f"{' or '.join(allowed)}"})
    inner = transaction_type_named(name)
    about = inner.subject(inner_payload, False) if inner.subject else None
    if case.person:
        if about != f"person:{case.person}":
            raise InvalidTransaction({"payload": "the correction is not about the disputed record's person"})
    elif not (inner_payload.get("target") == "employer" and inner_payload.get("uid") == case.employer):
        raise InvalidTransaction({"payload": "the correction is not about the unit whose registration is disputed"})
    return case, inner, inner_payload


def _prepare_correction(payload: dict[str, Any], region_code: str) -> dict[str, Any]:
    """The correction's own computed figures (correct_account_year's), as at the desk."""
    try:
        _case, inner, inner_payload = correction_of(payload)
    except InvalidTransaction:
        return payload  # refused with the reasons when it is built
    return {**payload, "payload": inner.prepare(inner_payload, region_code)} if inner.prepare else payload


def _describe_correction(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = _describe(payload)
    name = payload.get("type")
    rows.append(added("type", "更正业务 correction", name))
    try:
        inner = transaction_type_named(name) if isinstance(name, str) else None
    except InvalidTransaction:
        inner = None
    if inner is not None and inner.describe and isinstance(payload.get("payload"), dict):
        rows += inner.describe(payload["payload"])
    return rows


@transaction_type("correct_dispute", gettext_lazy("Correct the record a dispute showed wrong (第十六条)"),
                  creators=EXAMINERS, documents=("evidence",), describe=_describe_correction, prepare=_prepare_correction,
                  subject=_person_subject)
def correct_dispute(payload: dict[str, Any], ctx: WriteContext) -> list[NewEntry]:
    case, inner, inner_payload = correction_of(payload)
    entries = inner.build(inner_payload, ctx)
    after = {"state": DisputeState.CORRECTED.value, "examiner": case.examiner or ctx.actor, "transaction": ctx.txn,
             "correction": inner.name, "decided_on": date.today().isoformat()}
    return [*entries, NewEntry(DISPUTE_CORRECTED, case_subject(case.uid),
                               _step(case, case.state, after, f"更正 corrected by {inner.name}"))]

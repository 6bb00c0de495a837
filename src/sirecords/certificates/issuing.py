"""Issuing a certificate (第十五条): the one function every channel calls — the counter, the portal, the
`sirecords certificate issue` command and the answers to applications.

`issue_document` does, in this order and all or nothing as far as the database goes:

1. builds the document from the *scoped* record (documents.build_document: a kind whose item is out of the
   requester's scope raises OutOfScope, bad input InvalidTransaction naming the field) — before anything is written;
2. logs the read: staff through records.reads.read (their region, the read limits, the access log, with the stated
   purpose), the insured person through records.disclosure.record_own_read — so the issue is listed in
   "who read my record";
3. posts the `certificate.issued` ledger entry (services.issue: who, for whom, why, which items, which entries);
4. renders the PDF with the entry's code and issue time, and signs it with the inclusion proofs of the entries it
   rests on plus the issuing entry itself (signing.sign_certificate), so the PDF also proves its own issue.

Which entries a document rests on (`evidence_seqs`): the entries about the person (registration, changes, awards,
payments: subject "person:<uid>") and the entries that commit to the rows it shows — the contribution batches of
the contributions in its period, and the crediting runs of the account years up to its year (statements). The
batch and run entries commit to their rows through a Merkle root over the rows (docs/ledger.md); the evidence proves
the entry, not the row inside it. That is a bounded set per person, and a verifier can recompute every hash.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from sirecords.accounts.models import AccountYear
from sirecords.certificates import services
from sirecords.certificates.documents import CertificateDocument, build_document
from sirecords.certificates.seal import verify_url
from sirecords.contributions.models import Contribution
from sirecords.ledger.context import CHANNELS
from sirecords.ledger.models import Entry
from sirecords.queries.scopes import Requester
from sirecords.records import reads
from sirecords.records.access_log import record_access
from sirecords.records.disclosure import person_actor, record_own_read
from sirecords.records.purposes import Purpose
from sirecords.registry.models import Person
from sirecords.transactions.actors import ANY_REGION, Actor
from sirecords.transactions.posting import InvalidTransaction

__all__ = ["IssuedCertificate", "about", "evidence_seqs", "issue_document", "person_issuer", "statement_issuer"]

PORTAL_HOLDER = "portal_holder"  # the power portal.services.holder grants; certificates/transactions.ISSUERS admits it


@dataclass(frozen=True)
class IssuedCertificate:
    code: str
    pdf: bytes
    document: CertificateDocument
    entry: Entry

    @property
    def pdf_bytes(self) -> bytes:
        return self.pdf


def person_issuer(person: Person) -> Actor:
    """The insured person issuing their own certificate in the portal: an actor with the holder's power only."""
    return Actor(username=person_actor(person), grants=frozenset({(PORTAL_HOLDER, ANY_REGION)}), display_name=person_actor(person))


def evidence_seqs(document: CertificateDocument) -> list[int]:
    """The ledger entries `document` rests on (see the module's docstring), ascending."""
    uid = document.person_uid
    seqs = set(Entry.objects.filter(subject=f"person:{uid}").values_list("seq", flat=True))
    rows = Contribution.objects.filter(person_id=uid)
    if document.period:
        rows = rows.filter(period__gte=document.period[0], period__lte=document.period[1])
    if document.kind in ("contributions", "statement", "query_result"):
        seqs.update(rows.values_list("batch__entry_seq", flat=True).distinct())
    if document.kind in ("statement", "query_result"):
        years = AccountYear.objects.filter(person_id=uid)
        if document.kind == "statement" and document.period:
            years = years.filter(year__lte=int(document.period[0][:4]))
        seqs.update(years.values_list("run_seq", flat=True).distinct())
    return sorted(seq for seq in seqs if seq)


def about(document: CertificateDocument) -> dict[str, str]:
    """What the evidence says the document is: never the name or a figure (the public page shows the same)."""
    masked = document.person_masked.split()[-1] if document.person_masked else ""
    return {"code": document.code, "kind": document.kind, "person": masked,
            "issued_at": document.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")}


def issue_document(caller: Actor | Person, person: Person, kind: str, *, requester: Requester, purpose: Purpose | str,
                   channel: str, start: str | None = None, end: str | None = None, year=None,
                   what: str = "") -> IssuedCertificate:
    """Issue a signed certificate of `kind` about `person` for `requester`, by `caller`: a staff Actor (region, read
    limits and purpose apply) or the Person themself (only their own record, as "self"). `purpose` (a Purpose or
    canonical text) is logged with the read and stated in the ledger entry. Raises OutOfScope, InvalidTransaction
    (a field and why), reads.ReadRefused (region, limits; already logged) or workflow Refused."""
    purpose_text = str(purpose).strip()
    if not purpose_text:
        raise InvalidTransaction({"purpose": "须说明用途 / is required: say why the certificate is issued (第二十一条)"})
    if isinstance(caller, Person):
        if caller.uid != person.uid or requester.served().kind != "self":
            raise InvalidTransaction({"person": "只能出具本人的证明 / a person may issue only their own certificates"})
    elif not caller.has("query_officer"):  # before anything is read (another region: reads.read refuses, logged)
        raise services.Refused(_("issuing a certificate needs the role query_officer"))
    document = build_document(kind, person, requester, start=start, end=end, year=year)
    seqs = evidence_seqs(document)
    what = what or f"certificate issued: {kind}"
    # The read is logged first and on its own: a refusal (region, limits) must stay in the access log.
    if isinstance(caller, Person):
        record_own_read(person, what, channel)
        actor = person_issuer(person)
    else:
        reads.read(reads.Reader(caller, channel), f"person:{person.uid}", what, purpose)
        actor = caller
    code, entry = services.issue(actor, person, kind, items=list(document.items) or [kind], purpose=purpose_text[:200],
                                 channel=channel if channel in CHANNELS else "web", seqs=seqs)  # the portal is "web" there
    issued_at = datetime.strptime(json.loads(entry.payload)["issued_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=document.issued_at.tzinfo)
    document = dataclasses.replace(document, code=code, issued_at=issued_at, verify_url=verify_url(code))
    # fpdf2, fontTools and pyHanko (about 0.6 s): loaded when a certificate is made, not by every command's start-up
    from sirecords.certificates.render import render
    from sirecords.certificates.signing import sign_certificate

    pdf = sign_certificate(render(document), seqs=[*seqs, entry.seq], about=about(document))
    return IssuedCertificate(code, pdf, document, entry)


BULK_PURPOSE = "statement: 年度个人权益记录对账单 the annual statement sent to every insured person (第十五条)"


def statement_issuer(actor: Actor, *, purpose: str = BULK_PURPOSE, channel: str = "system-job"):
    """The `issue` hook of bulk statements (bulk.write_statements), called with a chunk's documents: for each, the read
    in the access log; then one `issue_statements` transaction per pooling region of the chunk (services.
    issue_statements, by `actor`, a query officer there) posting a certificate.issued entry per statement; returns
    each document with the ledger's code and issue time, and the entries its PDF rests on (its issue included).

    The read is logged with record_access, not records.reads.read: the annual run reads every insured person by
    design (第十五条 orders the statement), so the per-officer read limits — which exist to stop one person browsing
    many records — would stop it; the run is one recorded job, each statement one ledger entry and one line of the
    access log, so it shows in "who read my record". One posting per chunk and region rather than per statement:
    a workflow transaction costs about 30 ms on SQLite, as much as a third of a statement (docs/certificates.md)."""

    def issue(documents: list[CertificateDocument]) -> list[tuple[CertificateDocument, list[int]]]:
        persons = {p.uid: p for p in Person.objects.filter(uid__in=[d.person_uid for d in documents])}
        by_region: dict[str, list[tuple[CertificateDocument, list[int]]]] = {}
        for document in documents:
            by_region.setdefault(persons[document.person_uid].pooling_region, []).append((document, evidence_seqs(document)))
        done: dict[str, tuple[CertificateDocument, list[int]]] = {}
        for region, group in by_region.items():
            for document, _seqs in group:
                record_access(actor.username, f"person:{document.person_uid}", "certificate issued: statement (annual run)",
                              channel, purpose)
            items = sorted({item for document, _seqs in group for item in document.items})
            issued = services.issue_statements(actor, [persons[d.person_uid] for d, _s in group], items=items,
                                               purpose=purpose[:200], channel=channel, seqs=[s for _d, s in group],
                                               region=region)
            for (document, seqs), (code, entry) in zip(group, issued, strict=True):
                issued_at = datetime.strptime(json.loads(entry.payload)["issued_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=document.issued_at.tzinfo)
                done[document.person_uid] = (dataclasses.replace(document, code=code, issued_at=issued_at,
                                                                 verify_url=verify_url(code)), [*seqs, entry.seq])
        return [done[document.person_uid] for document in documents]

    return issue

"""One function issues every certificate (certificates/issuing.py): the read logged, the issue in the ledger, the
PDF signed with the proofs of the entries it rests on; and `sirecords certificate issue` on top of it."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sirecords.certificates.issuing import evidence_seqs, issue_document
from sirecords.certificates.models import Certificate
from sirecords.certificates.verify import verify_pdf
from sirecords.ledger.models import Entry
from sirecords.queries.scopes import OutOfScope, Requester
from sirecords.records.models import AccessEvent
from sirecords.records.reads import ReadRefused
from sirecords.transactions.posting import InvalidTransaction

from ..conftest import module_credited

pytestmark = pytest.mark.django_db
credited = module_credited()  # made once for the module; each test in a rolled-back savepoint


def own(person):
    return Requester("self", person_uid=person.uid)


def test_staff_issue_is_logged_in_the_ledger_and_signed(credited, staff, our_root):
    officer = staff("iss.officer", "query_officer")
    issued = issue_document(officer, credited, "statement", requester=own(credited), purpose="counter: 办理贷款 bank loan",
                            channel="counter", year=2024)
    verdict = verify_pdf(issued.pdf, trust_root_pem=our_root, database=True)
    assert verdict.valid, verdict.problems
    assert (verdict.code, verdict.kind) == (issued.code, "statement")
    assert verdict.person == credited.masked_id_number
    payload = json.loads(issued.entry.payload)
    assert issued.entry.actor == "iss.officer" and payload["purpose"] == "counter: 办理贷款 bank loan"
    assert set(payload["seqs"]) == set(evidence_seqs(issued.document)) - {issued.entry.seq}  # now about the person too
    assert Certificate.objects.get(code=issued.code).person_id == credited.uid
    read = AccessEvent.objects.filter(subject=f"person:{credited.uid}", actor="iss.officer").latest("seq")
    assert read.what == "certificate issued: statement" and "bank loan" in read.purpose


def test_evidence_rests_on_the_batches_and_runs_shown(credited):
    from sirecords.certificates.documents import build_document
    from sirecords.contributions.models import Contribution

    document = build_document("statement", credited, own(credited), year=2024)
    seqs = evidence_seqs(document)
    batch = Contribution.objects.filter(person_id=credited.uid).first().batch.entry_seq
    assert batch in seqs
    assert set(Entry.objects.filter(subject=f"person:{credited.uid}").values_list("seq", flat=True)) <= set(seqs)


def test_the_person_issues_their_own_only(credited, our_root):
    issued = issue_document(credited, credited, "contributions", requester=own(credited), purpose="self: portal",
                            channel="portal", start="2024-01", end="2024-12")
    assert verify_pdf(issued.pdf, trust_root_pem=our_root, database=True).valid
    assert issued.entry.actor.endswith(credited.uid)
    with pytest.raises(InvalidTransaction):
        issue_document(credited, credited, "contributions", requester=Requester("employer", employer_uid="x"),
                       purpose="self", channel="portal", start="2024-01", end="2024-12")


def test_out_of_scope_is_refused_and_nothing_posted(credited, staff):
    from sirecords.registry.models import Employer

    employer = Employer.objects.first()
    officer = staff("iss.o2", "query_officer")
    with pytest.raises(OutOfScope):
        issue_document(officer, credited, "pension", requester=Requester("employer", employer_uid=employer.uid),
                       purpose="counter: employer", channel="counter")
    assert not Entry.objects.filter(kind="certificate.issued").exists()


def test_empty_purpose_and_other_region_are_refused(credited, staff):
    with pytest.raises(InvalidTransaction):
        issue_document(staff("iss.o3", "query_officer"), credited, "statement", requester=own(credited), purpose="  ",
                       channel="counter", year=2024)
    elsewhere = staff("iss.far", "query_officer", region="110100")
    with pytest.raises(ReadRefused):
        issue_document(elsewhere, credited, "statement", requester=own(credited), purpose="counter: x y z",
                       channel="counter", year=2024)
    assert AccessEvent.objects.filter(actor="iss.far", what__startswith="refused:").exists()
    assert not Entry.objects.filter(kind="certificate.issued").exists()


def test_cli_issue_then_verify(credited, staff, tmp_path, capsys):
    staff("iss.cli", "query_officer")
    out = tmp_path / "c.pdf"
    call_command("certificate", "issue", "--id-number", credited.id_number, "--kind", "contributions", "--from", "2024-01",
                 "--to", "2024-12", "--actor", "iss.cli", "--purpose", "办理贷款 bank loan", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    call_command("certificate", "verify", str(out))  # exits 0: no SystemExit
    assert "VALID" in capsys.readouterr().out
    event = AccessEvent.objects.filter(actor="iss.cli").latest("seq")
    assert event.channel == "cli" and "办理贷款" in event.purpose


@pytest.mark.parametrize("args, flag", [
    (["--kind", "statement", "--purpose", "   "], "--year"),
    (["--kind", "statement", "--year", "2024", "--purpose", " "], "--purpose"),
    (["--kind", "contributions", "--from", "2024-13", "--to", "2024-12", "--purpose", "办理贷款"], "--from"),
    (["--kind", "statement", "--year", "2024", "--purpose", "办理贷款", "--actor", "nobody"], "--actor"),
])
def test_cli_refusals_name_the_flag(credited, staff, tmp_path, args, flag):
    staff("iss.cli2", "query_officer")
    base = ["--id-number", credited.id_number, "--actor", "iss.cli2", "--out", str(tmp_path / "x.pdf")]
    with pytest.raises(CommandError, match=flag):
        call_command("certificate", "issue", *base, *args)
    assert not (tmp_path / "x.pdf").exists()
    assert not Entry.objects.filter(kind="certificate.issued").exists()


def test_cli_refuses_an_actor_without_a_reading_role_in_the_region(credited, staff, tmp_path):
    staff("iss.far2", "query_officer", region="110100")
    with pytest.raises(CommandError, match="--actor"):
        call_command("certificate", "issue", "--id-number", credited.id_number, "--kind", "statement", "--year", "2024",
                     "--actor", "iss.far2", "--purpose", "办理贷款", "--out", str(tmp_path / "x.pdf"))


def test_a_clerk_may_read_but_not_issue_and_nothing_is_logged(credited, staff):
    from sirecords.workflow.services import Refused

    with pytest.raises(Refused, match="query_officer"):
        issue_document(staff("iss.clerk", "clerk"), credited, "statement", requester=own(credited),
                       purpose="counter: 办理贷款", channel="counter", year=2024)
    assert not AccessEvent.objects.filter(actor="iss.clerk").exists()
    assert not Entry.objects.filter(kind="certificate.issued").exists()

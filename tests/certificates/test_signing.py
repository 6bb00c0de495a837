"""Signed certificates verify offline from the file and the agency root alone, and nothing else does (issue #11)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from sirecords.certificates import proofs
from sirecords.certificates.models import Certificate
from sirecords.certificates.verify import verify_pdf
from sirecords.crypto.pki import load_pki, root_pem
from sirecords.ledger import merkle
from sirecords.ledger import proofs as ledger_proofs
from sirecords.ledger.models import Entry

from .conftest import PERSON_ID, signed

pytestmark = pytest.mark.django_db


def test_a_signed_certificate_verifies_with_and_without_the_database(issued, our_root):
    for database in (True, False):
        verdict = verify_pdf(issued.pdf, trust_root_pem=our_root, database=database)
        assert verdict.valid, verdict.problems
        assert (verdict.code, verdict.kind) == (issued.code, "contributions")
        assert verdict.person != PERSON_ID and verdict.person.startswith("440305")
        assert verdict.checkpoint_size >= max(issued.seqs)
    assert verify_pdf(issued.pdf, trust_root_pem=None, database=False).valid  # the instance's own root by default


def test_issuing_is_a_ledger_entry_about_the_person_with_purpose_and_items(issued):
    entry = Entry.objects.get(kind="certificate.issued")
    payload = json.loads(entry.payload)
    assert entry.subject == f"person:{issued.person.uid}" and entry.actor == "cert.officer"
    assert (payload["code"], payload["purpose"], payload["items"]) == (issued.code, "办理贷款 bank loan", ["pension"])
    row = Certificate.objects.get(code=issued.code)
    assert (row.person_id, row.kind, row.revoked_on) == (issued.person.uid, "contributions", "")


def test_one_changed_byte_is_not_valid(issued, our_root):
    for position in (200, len(issued.pdf) // 3, len(issued.pdf) // 2, len(issued.pdf) - 300):
        data = bytearray(issued.pdf)
        data[position] ^= 0x01
        verdict = verify_pdf(bytes(data), trust_root_pem=our_root, database=False)
        assert not verdict.valid and verdict.problems, position


def test_every_changed_byte_of_the_unsigned_signature_contents_is_not_valid(issued, our_root):
    """The /Contents hex string is the one part no digest covers: its CMS and its zero padding are checked apart."""
    start = issued.pdf.index(b"/Contents <") + len(b"/Contents <")
    end = issued.pdf.index(b">", start)
    for position in (start, start + 40, (start + end) // 2, end - 2, end - 1):
        for flip in (0x01, 0x20):
            data = bytearray(issued.pdf)
            data[position] ^= flip
            assert not verify_pdf(bytes(data), trust_root_pem=our_root, database=False).valid, (position, flip)


def test_bytes_appended_after_signing_are_not_valid(issued, our_root):
    verdict = verify_pdf(issued.pdf + b"\n% added later\n", trust_root_pem=our_root, database=False)
    assert not verdict.valid


def test_a_file_signed_under_another_root_is_refused(issued, other_agency, our_root):
    theirs = signed(issued.seqs, issued.evidence["document"], keys=other_agency)
    verdict = verify_pdf(theirs, trust_root_pem=our_root, database=False)
    assert not verdict.valid
    assert any("trusted root" in problem for problem in verdict.problems)
    # and ours under their root
    verdict = verify_pdf(issued.pdf, trust_root_pem=(other_agency / "agency-root.pem").read_bytes(), database=False)
    assert not verdict.valid


def test_a_tampered_inclusion_proof_is_refused_even_when_properly_signed(issued, our_root):
    def tamper(evidence):
        node = bytearray(bytes.fromhex(evidence["entries"][0]["proof"][0]))
        node[0] ^= 0xFF
        evidence["entries"][0]["proof"][0] = node.hex()
        return evidence

    verdict = verify_pdf(signed(issued.seqs, issued.evidence["document"], tamper=tamper), trust_root_pem=our_root, database=False)
    assert not verdict.valid
    assert any("not proved in the checkpoint" in problem for problem in verdict.problems)


def test_a_changed_entry_is_refused(issued, our_root):
    def tamper(evidence):
        evidence["entries"][0]["preimage"] = evidence["entries"][0]["preimage"].replace("王", "李", 1) + " "
        return evidence

    verdict = verify_pdf(signed(issued.seqs, issued.evidence["document"], tamper=tamper), trust_root_pem=our_root, database=False)
    assert not verdict.valid


def test_a_checkpoint_key_certified_by_another_root_is_refused(issued, other_agency, our_root):
    def tamper(evidence):
        evidence["checkpoint"]["certificate"] = (other_agency / "checkpoint-key.pem").read_text()
        return evidence

    verdict = verify_pdf(signed(issued.seqs, issued.evidence["document"], tamper=tamper), trust_root_pem=our_root, database=False)
    assert not verdict.valid
    assert any("not issued by the trust root" in problem for problem in verdict.problems)


def test_a_forged_checkpoint_note_is_refused(issued, our_root):
    def tamper(evidence):
        lines = evidence["checkpoint"]["note"].split("\n")
        lines[1] = str(int(lines[1]) + 1)  # another size under the same signature
        evidence["checkpoint"]["note"] = "\n".join(lines)
        return evidence

    verdict = verify_pdf(signed(issued.seqs, issued.evidence["document"], tamper=tamper), trust_root_pem=our_root, database=False)
    assert not verdict.valid
    assert any("checkpoint's signature" in problem for problem in verdict.problems)


def test_revoked_is_not_valid_when_the_database_is_consulted(issued, staff, our_root):
    from sirecords.certificates import services
    from sirecords.workflow.services import review

    txn = services.revoke(staff("cert.clerk", "query_officer"), issued.code, reason="错误出具 issued in error", channel="counter")
    assert Certificate.objects.get(code=issued.code).revoked_on == ""  # not before its review
    review(staff("cert.r1", "reviewer1"), txn, "approve", "ok")
    assert Certificate.objects.get(code=issued.code).revoked_on
    verdict = verify_pdf(issued.pdf, trust_root_pem=our_root, database=True)
    assert not verdict.valid and any("revoked" in problem for problem in verdict.problems)
    assert verify_pdf(issued.pdf, trust_root_pem=our_root, database=False).valid  # offline cannot know


def test_pyhanko_own_validator_accepts_it_against_the_root(issued):
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    root = asn1_x509.Certificate.load(load_pki().root.public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(__import__("io").BytesIO(issued.pdf))
    status = validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(trust_roots=[root]))
    assert status.bottom_line and status.trusted and status.intact and status.valid
    assert status.signing_cert.subject.native["organization_name"]
    assert "non_repudiation" in status.signing_cert.key_usage_value.native
    assert f"code:{issued.code}" in str(reader.trailer["/Info"]["/Keywords"])  # the document information names it too


def test_cli_verify_json_and_exit_codes(issued, tmp_path, capsys, other_agency):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(issued.pdf)
    call_command("certificate", "verify", str(path), "--json")
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == {"valid", "code", "kind", "person", "issued_at", "checkpoint_size", "problems"}
    assert shown["valid"] is True and shown["code"] == issued.code and PERSON_ID not in json.dumps(shown)
    changed = bytearray(issued.pdf)
    changed[len(changed) // 2] ^= 0x01
    path.write_bytes(bytes(changed))
    with pytest.raises(SystemExit) as exited:
        call_command("certificate", "verify", str(path), "--json")
    assert exited.value.code != 0 and json.loads(capsys.readouterr().out)["valid"] is False
    path.write_bytes(issued.pdf)
    with pytest.raises(SystemExit):
        call_command("certificate", "verify", str(path), "--trust", str(other_agency / "agency-root.pem"))


def test_cli_root_prints_the_root_pem(capsys):
    call_command("certificate", "root")
    assert capsys.readouterr().out.encode() == root_pem() and root_pem().startswith(b"-----BEGIN CERTIFICATE-----")


@pytest.mark.engine_independent
def test_cli_verifies_on_a_machine_with_no_database_and_no_keys(issued, tmp_path, our_root):
    (tmp_path / "c.pdf").write_bytes(issued.pdf)
    (tmp_path / "root.pem").write_bytes(our_root)
    nowhere = tmp_path / "nowhere"
    env = {**os.environ, "SIRECORDS_HOME": str(nowhere), "DJANGO_SETTINGS_MODULE": "sirecords.settings"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "sirecords.cli", "certificate", "verify", str(tmp_path / "c.pdf"), "--json"]
    done = subprocess.run([*command, "--trust", str(tmp_path / "root.pem")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["valid"] is True
    assert not (nowhere / "sirecords.sqlite3").exists()
    changed = bytearray(issued.pdf)
    changed[1000] ^= 0x01
    (tmp_path / "c.pdf").write_bytes(bytes(changed))
    done = subprocess.run([*command, "--trust", str(tmp_path / "root.pem")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and json.loads(done.stdout)["valid"] is False


def test_cached_proofs_equal_the_ledgers_and_verify(person, post_txn, monkeypatch):
    for n in range(12):
        post_txn("register_person", {"id_number": __import__("sirecords.core.identifiers", fromlist=["x"]).make_id_number(
            "440305", __import__("datetime").date(1980, 1, 1 + n), 100 + n), "name": "测试", "region": "440305"})
    monkeypatch.setattr(proofs, "_STREAM_BELOW", 2)
    proofs._subtrees.clear()
    size = Entry.objects.count()
    proofs._anchor_cache(size)
    for seq in range(1, size + 1):
        for tree in (seq, size):
            assert proofs.inclusion_proof(seq, tree) == ledger_proofs.inclusion_proof(seq, tree)
    root = merkle.root_of_list([merkle.leaf_hash(bytes.fromhex(h)) for h in Entry.objects.order_by("seq").values_list("hash", flat=True)])
    digest = bytes.fromhex(Entry.objects.get(seq=3).hash)
    merkle.verify_inclusion(2, size, merkle.leaf_hash(digest), proofs.inclusion_proof(3, size), root)
    assert base64  # (imported for readers of the evidence format)


def test_cached_roots_of_another_ledger_are_never_used(person, post_txn, monkeypatch):
    monkeypatch.setattr(proofs, "_STREAM_BELOW", 2)
    size = Entry.objects.count()
    proofs._anchor_cache(size)
    proofs._subtrees[(0, 1)] = b"\x00" * 32  # as if left by a ledger whose first entry differs
    monkeypatch.setattr(proofs, "_anchor", (size, "f" * 64))  # …anchored on a hash this ledger does not have
    proofs._anchor_cache(size)
    assert (0, 1) not in proofs._subtrees
    assert proofs.inclusion_proof(2, size) == ledger_proofs.inclusion_proof(2, size)


@pytest.mark.engine_independent  # the PDF alone is verified (database=False): the same bytes whatever the engine
def test_a_sweep_of_single_byte_changes_over_the_whole_file_is_never_valid(issued, our_root):
    step = max(1, len(issued.pdf) // 60)  # (a sweep of every byte found none either; it takes minutes)
    accepted = []
    for position in range(0, len(issued.pdf), step):
        data = bytearray(issued.pdf)
        data[position] ^= 0x01
        if verify_pdf(bytes(data), trust_root_pem=our_root, database=False).valid:
            accepted.append(position)
    assert accepted == []


def test_evidence_signs_a_checkpoint_when_the_latest_does_not_cover_the_entries(person, post_txn, settings, our_root):
    from sirecords.ledger.models import Checkpoint

    settings.SIRECORDS_AUTO_CHECKPOINT_SECONDS = None  # no checkpoint with postings
    latest = Entry.objects.order_by("-seq").first().seq
    before = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
    post_txn("register_person", {"id_number": __import__("sirecords.core.identifiers", fromlist=["x"]).make_id_number(
        "440305", __import__("datetime").date(1990, 2, 2), 222), "name": "新人", "region": "440305"})
    newest = Entry.objects.order_by("-seq").first().seq
    assert newest > latest and before < newest
    assert Checkpoint.objects.filter(size__gte=newest).count() == 0
    evidence = json.loads(proofs.evidence_for([newest], about={"code": "X"}))
    assert Checkpoint.objects.filter(size__gte=newest).count() == 1
    assert evidence["checkpoint"]["note"].split("\n")[1] == str(newest)
    pdf = signed([newest], {"code": "X"})
    verdict = verify_pdf(pdf, trust_root_pem=our_root, database=False)
    assert verdict.valid and verdict.checkpoint_size == newest


def test_issuing_with_bad_input_names_the_field_and_writes_nothing(person, staff):
    from sirecords.certificates import services
    from sirecords.transactions.posting import InvalidTransaction

    officer = staff("cert.bad", "query_officer")
    count = Entry.objects.count()
    with pytest.raises(InvalidTransaction) as refused:
        services.issue(officer, person, "contributions", items=["pension"], purpose="loan", channel="counter", seqs=[10**9])
    assert "seqs" in refused.value.errors
    with pytest.raises(InvalidTransaction) as refused:
        services.issue(officer, person, "passport", items=[], purpose="", channel="counter", seqs=[1])
    assert {"kind", "purpose"} <= set(refused.value.errors)
    assert Entry.objects.count() == count and not Certificate.objects.exists()


@pytest.fixture
def fresh_witness(monkeypatch, tmp_path):
    """A witness folder of this test's own: the session's holds copies of other tests' (rolled back) checkpoints."""
    monkeypatch.setenv("SIRECORDS_WITNESS_DIR", str(tmp_path / "witness"))


def test_the_ledger_verifies_with_issued_and_revoked_certificates(fresh_witness, issued, staff):
    from sirecords.certificates import services
    from sirecords.workflow.services import review

    txn = services.revoke(staff("cert.clerk2", "query_officer"), issued.code.lower(), reason="撤销", channel="counter")
    review(staff("cert.r2", "reviewer1"), txn, "approve", "ok")
    call_command("verify")


def test_sign_certificate_is_evidence_and_signature_in_one_call(issued, our_root):
    from sirecords.certificates.signing import sign_certificate

    from .conftest import page

    pdf = sign_certificate(page("one call"), seqs=issued.seqs, about=issued.evidence["document"])
    verdict = verify_pdf(pdf, trust_root_pem=our_root, database=True)
    assert verdict.valid, verdict.problems
    assert verdict.code == issued.code and verdict.checkpoint_size >= max(issued.seqs)


def test_verification_codes_are_canonicalised_as_typed():
    from sirecords.certificates.services import canonical_code, new_code

    code = new_code()
    assert canonical_code(code) == code
    assert canonical_code(" " + code.lower().replace("-", " ") + " ") == code
    assert canonical_code("0O1I-L000-0000-0000") == "0011-1000-0000-0000"
    assert canonical_code("too short") == "" and canonical_code("UUUU-0000-0000-0000") == ""
    assert len({new_code() for _ in range(200)}) == 200


def test_cli_without_keys_or_trust_says_to_give_the_root(tmp_path, monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setenv("SIRECORDS_HOME", str(tmp_path / "nowhere"))
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.7\n")
    with pytest.raises(CommandError, match="--trust ROOT.pem"):
        call_command("certificate", "verify", str(tmp_path / "c.pdf"), "--offline")


def test_a_file_that_is_no_pdf_is_not_valid(our_root):
    verdict = verify_pdf(b"not a pdf at all", trust_root_pem=our_root, database=False)
    assert not verdict.valid and verdict.problems
    verdict = verify_pdf(b"%PDF-1.7\n", trust_root_pem=b"not a certificate", database=False)
    assert not verdict.valid and "trust root" in verdict.problems[0]


def test_a_root_issued_certificate_without_non_repudiation_cannot_sign_certificates(issued, agency_pki, tmp_path, our_root):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from sirecords.crypto import pki

    root = x509.load_pem_x509_certificate(our_root)
    root_key = serialization.load_pem_private_key((agency_pki / pki.ROOT_KEY).read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki._issued(root, root_key, root.subject, key.public_key(), pki._usage(digital_signature=True))
    other = tmp_path / "keys"
    other.mkdir()
    for name in (pki.ROOT_CERT, pki.CHECKPOINT_CERT):
        (other / name).write_bytes((agency_pki / name).read_bytes())
    (other / pki.PDF_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (other / pki.PDF_KEY).write_bytes(pki._key_pem(key))
    verdict = verify_pdf(signed(issued.seqs, issued.evidence["document"], keys=other), trust_root_pem=our_root, database=False)
    assert not verdict.valid

"""`sirecords statements`: one annual statement per insured person, resumable (a second run writes nothing new)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from sirecords.certificates.bulk import is_complete, statement_path, statement_persons, write_statements
from sirecords.certificates.issuing import statement_issuer
from sirecords.certificates.verify import verify_pdf
from sirecords.ledger.models import Entry
from sirecords.records.disclosure import reads_of

from .conftest import needs_poppler, pdf_text


def test_a_second_run_writes_nothing_new(credited, tmp_path, staff):
    issued = []
    hook = statement_issuer(staff("bulk.officer", "query_officer"))

    def issue(documents):
        issued.extend(documents)
        return hook(documents)

    first = write_statements(2024, tmp_path, progress=False, issue=issue)
    assert (first.persons, first.written, first.skipped, first.failed) == (1, 1, 0, [])
    path = statement_path(tmp_path, 2024, credited.uid)
    assert is_complete(path) and path.name == f"2024-{credited.uid}.pdf"
    assert credited.id_number not in path.name
    [document] = issued
    assert document.kind == "statement" and document.person_uid == credited.uid
    verdict = verify_pdf(path.read_bytes(), trust_root_pem=None, database=True)  # issued and signed
    assert verdict.valid and verdict.kind == "statement", verdict.problems
    entry = Entry.objects.get(kind="certificate.issued")
    assert entry.actor == "bulk.officer" and json.loads(entry.payload)["code"] == verdict.code
    assert "certificate issued: statement (annual run)" in [read["what"] for read in reads_of(credited)]
    before = path.stat().st_mtime_ns
    second = write_statements(2024, tmp_path, progress=False, issue=issue)
    assert (second.written, second.skipped) == (0, 1)
    assert path.stat().st_mtime_ns == before and len(issued) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_interrupted_file_is_written_again(credited, tmp_path):
    path = statement_path(tmp_path, 2024, credited.uid)
    path.write_bytes(b"%PDF-1.3\n" + b"x" * 100)  # cut off: no trailer
    (tmp_path / f".{path.name}.abc.part").write_bytes(b"%PDF-")  # a temporary file of a stopped run
    result = write_statements(2024, tmp_path, progress=False)
    assert result.written == 1 and is_complete(path)
    assert len(PdfReader(path).pages) >= 1
    assert not list(tmp_path.glob(".*.part"))


def test_region_and_year_select_the_persons(credited, tmp_path):
    assert statement_persons(2024) == [credited.uid]
    assert statement_persons(2024, credited.pooling_region) == [credited.uid]
    assert statement_persons(2024, "110000") == []
    assert statement_persons(2019) == []


@needs_poppler
def test_the_command(credited, tmp_path, capsys, staff):
    staff("bulk.cli", "query_officer")
    call_command("statements", "--year", "2024", "--out", str(tmp_path / "out"), "--actor", "bulk.cli", "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["written"] == 1 and report["failed"] == 0
    text = pdf_text(statement_path(tmp_path / "out", 2024, credited.uid).read_bytes(), tmp_path)
    assert "个人权益记录对账单" in text and credited.masked_id_number in text
    assert verify_pdf(statement_path(tmp_path / "out", 2024, credited.uid).read_bytes(), trust_root_pem=None,
                      database=True).valid
    call_command("statements", "--year", "2024", "--out", str(tmp_path / "out"), "--actor", "bulk.cli", "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (report["written"], report["skipped"]) == (0, 1)


def test_the_command_refuses_a_bad_year(tmp_path, db):
    with pytest.raises(SystemExit) as stop:
        call_command("statements", "--year", "24", "--out", str(tmp_path), "--actor", "x")
    assert stop.value.code == 1


def test_the_command_refuses_an_actor_who_is_no_query_officer(credited, tmp_path, staff):
    staff("bulk.clerk", "clerk")
    with pytest.raises(SystemExit) as stop:
        call_command("statements", "--year", "2024", "--out", str(tmp_path), "--actor", "bulk.clerk")
    assert stop.value.code == 1 and not list(tmp_path.glob("*.pdf"))

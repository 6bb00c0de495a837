"""`sirecords statements`: one annual statement per insured person, resumable (a second run writes nothing new)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from sirecords.certificates.bulk import is_complete, statement_path, statement_persons, write_statements

from .conftest import needs_poppler, pdf_text


def test_a_second_run_writes_nothing_new(credited, tmp_path):
    issued = []
    first = write_statements(2024, tmp_path, progress=False, issue=lambda doc, data: issued.append((doc, data)))
    assert (first.persons, first.written, first.skipped, first.failed) == (1, 1, 0, [])
    path = statement_path(tmp_path, 2024, credited.uid)
    assert is_complete(path) and path.name == f"2024-{credited.uid}.pdf"
    assert credited.id_number not in path.name
    [(document, data)] = issued
    assert document.kind == "statement" and document.person_uid == credited.uid and data == path.read_bytes()
    before = path.stat().st_mtime_ns
    second = write_statements(2024, tmp_path, progress=False, issue=lambda doc, data: issued.append(doc))
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
def test_the_command(credited, tmp_path, capsys):
    call_command("statements", "--year", "2024", "--out", str(tmp_path / "out"), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["written"] == 1 and report["failed"] == 0
    text = pdf_text(statement_path(tmp_path / "out", 2024, credited.uid).read_bytes(), tmp_path)
    assert "个人权益记录对账单" in text and credited.masked_id_number in text
    call_command("statements", "--year", "2024", "--out", str(tmp_path / "out"), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (report["written"], report["skipped"]) == (0, 1)


def test_the_command_refuses_a_bad_year(tmp_path, db):
    with pytest.raises(SystemExit) as stop:
        call_command("statements", "--year", "24", "--out", str(tmp_path))
    assert stop.value.code == 1

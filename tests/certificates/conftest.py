"""Certificates (issue 11): the poppler tools the tests read PDFs with; a registered person, the agency PKI in the
test home, and a signed certificate PDF resting on the person's entries."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from fpdf import FPDF

from sirecords.certificates import services
from sirecords.certificates.proofs import evidence_for
from sirecords.certificates.signing import EVIDENCE_NAME, forget_signer, sign_pdf
from sirecords.core.home import keys_dir
from sirecords.core.identifiers import make_id_number, mask_id_number
from sirecords.crypto.keys import create_keys
from sirecords.crypto.pki import ensure_pki, root_pem
from sirecords.ledger.models import Entry
from sirecords.registry.models import Person

POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts) is not installed: "
                                                       "apt-get install poppler-utils")


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_fonts(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


PERSON_ID = make_id_number("440305", date(1975, 3, 9), 412)


@pytest.fixture(autouse=True, scope="session")
def agency_pki(sirecords_home):
    ensure_pki(keys_dir(), origin=settings.SIRECORDS_LEDGER_ORIGIN)
    forget_signer()
    return keys_dir()


def page(text: str = "certificate") -> bytes:
    """A minimal one-page PDF (the real layout is certificates/render.py's)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


@dataclass
class Issued:
    person: Person
    code: str
    seqs: list[int]
    pdf: bytes
    evidence: dict


def signed(seqs, about, *, keys: Path | None = None, tamper=None) -> bytes:
    evidence = evidence_for(seqs, about=about)
    if tamper is not None:
        evidence = json.dumps(tamper(json.loads(evidence))).encode()
    return sign_pdf(page(), attachments={EVIDENCE_NAME: evidence}, keys=keys,
                    keywords=(f"code:{about.get('code', '')}", f"kind:{about.get('kind', '')}"))


@pytest.fixture
def person(db, post_txn) -> Person:
    uid = post_txn("register_person", {"id_number": PERSON_ID, "name": "王证明", "region": "440305"})[0].payload["person"]
    return Person.objects.get(uid=uid)


@pytest.fixture
def issued(person, staff) -> Issued:
    seqs = list(Entry.objects.filter(subject=f"person:{person.uid}").values_list("seq", flat=True))
    code, entry = services.issue(staff("cert.officer", "query_officer"), person, "contributions", items=["pension"],
                                 purpose="办理贷款 bank loan", channel="counter", seqs=seqs)
    about = {"code": code, "kind": "contributions", "person": mask_id_number(PERSON_ID), "issued_at": entry.payload and
             json.loads(entry.payload)["issued_at"]}
    data = signed([*seqs, entry.seq], about)
    return Issued(person, code, [*seqs, entry.seq], data, json.loads(evidence_for([*seqs, entry.seq], about=about)))


@pytest.fixture
def other_agency(tmp_path) -> Path:
    """Another agency's keys and PKI: its root is not ours."""
    directory = tmp_path / "other-keys"
    create_keys(directory)
    ensure_pki(directory, origin="other.example/ledger")
    return directory


@pytest.fixture
def our_root() -> bytes:
    return root_pem()

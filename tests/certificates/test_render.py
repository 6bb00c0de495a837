"""Each kind of certificate renders from the scoped record, with its Chinese text, the masked ID number, figures,
the embedded font, the QR code of the verification page, and nothing out of scope."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from sirecords.certificates.codes import ALPHABET, canonical_code, new_verification_code
from sirecords.certificates.documents import build_document
from sirecords.certificates.render import render
from sirecords.queries.scopes import OutOfScope, Requester
from sirecords.transactions.posting import InvalidTransaction

from .conftest import needs_poppler, pdf_fonts, pdf_text


def own(person):
    return Requester("self", person_uid=person.uid)


def embedded_fonts(data: bytes) -> list[str]:
    """The base fonts of the PDF whose descriptor embeds a font program (FontFile2 or FontFile3)."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"]["/Font"] or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(key in descriptor.get_object() for key in ("/FontFile2", "/FontFile3")):
                    found.append(str(font["/BaseFont"]))
    return found


@needs_poppler
def test_statement_shows_the_year_the_masked_number_and_the_balance(credited, tmp_path):
    from sirecords.records.personal import statement

    document = build_document("statement", credited, own(credited), year=2024)
    data = render(document)
    text = pdf_text(data, tmp_path)
    closing = next(r["closing"] for r in statement(credited) if r["year"] == 2024)
    assert "个人权益记录对账单" in text
    assert credited.masked_id_number in text and credited.id_number not in text
    assert closing in text and closing != "0.00"
    assert document.code in text and "2024" in text
    assert "emb" in pdf_fonts(data, tmp_path)
    fonts = pdf_fonts(data, tmp_path).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded ("emb yes")
    assert any("NotoSansCJKSC" in name for name in embedded_fonts(data))


@needs_poppler
def test_contributions_certificate_by_period(credited, tmp_path):
    document = build_document("contributions", credited, own(credited), start="2024-01", end="2024-12")
    text = pdf_text(render(document), tmp_path)
    assert "参保缴费证明" in text and "养老保险" in text and "2024-01 至 2024-12" in text
    assert credited.masked_id_number in text
    assert document.facts["individual"] in text and document.facts["individual"] != "0.00"


@needs_poppler
def test_the_qr_code_points_to_the_verification_page(credited, settings, tmp_path):
    import segno

    from sirecords.certificates.seal import qr_matrix, verify_url

    settings.SIRECORDS_PUBLIC_URL = "https://records.example.cn/"
    document = build_document("statement", credited, own(credited), year=2024)
    assert document.verify_url == f"https://records.example.cn/v/{document.code}" == verify_url(document.code)
    # The drawn modules are those of the QR code of that URL (segno decodes nothing, so compare with its encoding).
    expected = segno.make_qr(document.verify_url, error="m", mask=4)
    assert qr_matrix(document.verify_url) == tuple(tuple(bool(m) for m in row) for row in expected.matrix_iter(border=2))
    text = pdf_text(render(document), tmp_path)
    assert document.verify_url in text and document.code in text


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                    reason="zbar-tools (zbarimg) and poppler-utils (pdftoppm) are needed to read the QR code back")
def test_the_printed_qr_code_decodes_to_the_verification_page(credited, settings, tmp_path):
    settings.SIRECORDS_PUBLIC_URL = "https://records.example.cn"
    document = build_document("statement", credited, own(credited), year=2024)
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(render(document))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    decoded = set()
    for page in sorted(tmp_path.glob("page*.png")):
        found = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(page)],
                               capture_output=True, text=True)
        decoded |= set(found.stdout.split())
    assert decoded == {f"https://records.example.cn/v/{document.code}"}


def test_the_agency_seal_image_when_configured(credited, settings, tmp_path):
    from PIL import Image

    from sirecords.certificates.seal import generated_seal

    document = build_document("statement", credited, own(credited), year=2024)
    assert not [i for page in PdfReader(io.BytesIO(render(document))).pages for i in page.images]  # drawn in vectors
    seal = tmp_path / "seal.png"
    Image.new("RGBA", (120, 120), (200, 0, 0, 255)).save(seal)
    settings.SIRECORDS_AGENCY_SEAL = str(seal)
    images = [i for page in PdfReader(io.BytesIO(render(document))).pages for i in page.images]
    assert len(images) == 1 and images[0].image.size == (120, 120)
    with Image.open(io.BytesIO(generated_seal("测试机构"))) as image:  # the generated seal as a PNG, for pages
        assert image.size == (400, 400) and image.mode == "RGBA"


@needs_poppler
def test_a_delegate_gets_only_the_authorised_months(credited, tmp_path):
    """A delegate whose written authorisation names January 2024 gets January's row only, even for a certificate of
    the whole year, and nothing of the account (the authorisation names contributions only)."""
    delegate = Requester("delegate", delegate_index="d" * 64, items=frozenset({"contributions"}), months=("2024-01", "2024-01"))
    document = build_document("contributions", credited, delegate, start="2024-01", end="2024-12")
    text = pdf_text(render(document), tmp_path)
    assert "2024-01" in text and "2024-02" not in text
    assert document.facts["months"] == "1"
    with pytest.raises(OutOfScope):
        build_document("statement", credited, delegate, year=2024)
    with pytest.raises(InvalidTransaction) as error:  # nothing of February is within the authorisation
        build_document("contributions", credited, delegate, start="2024-02", end="2024-02")
    assert "from" in error.value.errors


def test_bad_input_names_the_field(credited):
    with pytest.raises(InvalidTransaction) as error:
        build_document("contributions", credited, own(credited), start="2024-06", end="2024-01")
    assert "to" in error.value.errors
    with pytest.raises(InvalidTransaction) as error:
        build_document("contributions", credited, own(credited), start="2019-01", end="2019-12")
    assert "from" in error.value.errors
    with pytest.raises(InvalidTransaction) as error:
        build_document("contributions", credited, own(credited), start="2024-13", end="2024-12")
    assert "from" in error.value.errors
    with pytest.raises(InvalidTransaction) as error:
        build_document("statement", credited, own(credited), year=1999)
    assert "year" in error.value.errors
    with pytest.raises(InvalidTransaction) as error:
        build_document("statement", credited, own(credited), year="20x4")
    assert "year" in error.value.errors
    with pytest.raises(InvalidTransaction) as error:
        build_document("pension", credited, own(credited))
    assert "kind" in error.value.errors
    with pytest.raises(InvalidTransaction) as error:
        build_document("diploma", credited, own(credited))
    assert "kind" in error.value.errors


def test_verification_codes():
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", code)
        assert set(code.replace("-", "")) <= set(ALPHABET)
    code = next(iter(codes))
    assert canonical_code(code.lower().replace("-", " ")) == code
    assert canonical_code("".join(chr(ord(c) + 0xFEE0) if c != "-" else c for c in code)) == code  # full-width
    for bad in ("", "ABCD", code.replace(code[0], "0", 1), code + "A"):
        with pytest.raises(InvalidTransaction) as error:
            canonical_code(bad)
        assert "code" in error.value.errors

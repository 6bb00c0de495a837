"""Small, valid documents standing in for scanned originals: in the demo, and as the samples tests share.

Each passes the document check (workflow/documents.check: parsed in full by pypdf or Pillow, nothing else
inside); the builders let tests make hostile variants from the same valid base.
"""

from __future__ import annotations

from io import BytesIO


def scan(title: str) -> bytes:
    """A one-page PDF with `title` (ASCII) on it; valid enough for any PDF reader, pypdf's strict mode included."""
    text = title.encode("ascii", "replace").replace(b"\\", b"/").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    return pdf_document([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        stream_object(stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def stream_object(data: bytes, entries: bytes = b"") -> bytes:
    """The body of a stream object holding `data` (uncompressed), with more dictionary `entries` if given."""
    return b"<< /Length " + str(len(data)).encode() + entries + b" >>\nstream\n" + data + b"\nendstream"


def pdf_document(objects: list[bytes], *, after_header: bytes = b"", root: int = 1) -> bytes:
    """A PDF of the object bodies `objects` (numbered from 1; object `root` is the catalog), with a correct
    cross-reference table. `after_header` goes between the header line and the first object (comment lines)."""
    out = bytearray(b"%PDF-1.4\n" + after_header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def image(format: str = "PNG", size: tuple[int, int] = (120, 80), mode: str = "RGB", **options) -> bytes:
    """A small JPEG or PNG photo of a page (Pillow), with the encoder's `options` (progressive, pnginfo, comment…)."""
    from PIL import Image, ImageDraw

    picture = Image.new(mode, size, "white")
    ImageDraw.Draw(picture).rectangle((size[0] // 8, size[1] // 8, size[0] // 2, size[1] // 2), fill="black")
    out = BytesIO()
    picture.save(out, format, **options)
    return out.getvalue()

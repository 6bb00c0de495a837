"""What an uploaded scan really is: parsed, never guessed from its first bytes (第十三条, issue 9 finding 13).

A file is accepted as exactly one of PDF, JPEG or PNG when it parses in full as that format — a PDF with pypdf in
strict mode (every object read), an image with Pillow (verified, then decoded in full) — and is nothing else
besides: no bytes after the document's end beyond whitespace, no HTML or script, no program and no archive
anywhere in its bytes (a polyglot that a browser or an operating system would open as something else), and no
PDF that acts on its own (JavaScript, launch actions, embedded files, forms that send data). Decompression bombs
are refused by the page and pixel limits before anything is decoded.

The first bytes only choose which parser to try. Messages are translated; `documents.check` names the file.
"""

from __future__ import annotations

import re
import struct
import warnings
from io import BytesIO

from django.utils.translation import gettext as _
from PIL import Image

from sirecords.core.lazy import lazy_import

pypdf = lazy_import("pypdf")  # loaded when a PDF is first checked, not at every command's start-up

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PDF_OBJECTS = 10_000  # a scan has a handful per page; pypdf reads some 3,000 a second, so this bounds the time
PDF_WHITESPACE = b"\x00\t\n\x0c\r "


class NotAScan(ValueError):
    """The bytes are not an acceptable scan; the message (translated) says why."""


def identify(data: bytes, *, max_pages: int, max_pixels: int) -> str:
    """The content type (PDF, JPEG or PNG) `data` is, having parsed it in full; NotAScan otherwise."""
    mime = _by_signature(data)
    if mime is None:
        raise NotAScan(_("only PDF, JPEG or PNG scans are accepted; its content is {what}").format(what=_what(data)))
    hidden = _also_something_else(data, mime)
    if hidden:
        offset, what = hidden
        raise NotAScan(_("it is a {format} that also contains {what} (at byte {offset}); a file that is also something "
                         "else is not accepted").format(format=FORMAT_NAMES[mime], what=what, offset=f"{offset:,}"))
    end = _parse_pdf(data, max_pages) if mime == PDF else _parse_image(data, mime, max_pixels)
    rest = data[end:]
    if rest.strip(PDF_WHITESPACE):
        raise NotAScan(_("it has {count} bytes after the end of the {format}; a file that is also something else is not "
                         "accepted").format(count=f"{len(rest):,}", format=FORMAT_NAMES[mime]))
    return mime


FORMAT_NAMES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}


def _by_signature(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(PNG_SIGNATURE):
        return PNG
    return None


def _what(data: bytes) -> str:
    """What a file that is no scan looks like, for the message."""
    start = data[:16].lstrip()
    for signature, what in ((b"MZ", _("a Windows program")), (b"\x7fELF", _("a Linux program")),
                            (b"PK\x03\x04", _("a ZIP archive or Office document")), (b"GIF8", _("a GIF image")),
                            (b"II*\x00", _("a TIFF image")), (b"MM\x00*", _("a TIFF image")), (b"<", _("HTML or XML"))):
        if start.startswith(signature):
            return what
    return _("not a recognised document format")


# --- a polyglot: something else inside the bytes -------------------------------------------------------------
# Each pattern is long enough that compressed image data matches it by chance less than once in ten thousand
# ten-megabyte files.

MARKUP = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head>|body[\s>]|script[\s>/]|iframe[\s>/]|object[\s>/]|embed[\s>/]"
                    rb"|svg[\s>/]|img\s[^<>]{0,200}?\bon[a-z]+\s*=|meta\s|link\s|base\s|style[\s>]|form[\s>]|\?php)"
                    rb"|javascript:", re.IGNORECASE)
PROGRAMS = re.compile(rb"This program cannot be run in DOS mode|\x7fELF[\x01\x02][\x01\x02]\x01")
ARCHIVE = re.compile(rb"PK\x03\x04[\x00-\x3f]\x00")
PDF_INSIDE = re.compile(rb"%PDF-\d\.\d")


def _also_something_else(data: bytes, mime: str) -> tuple[int, str] | None:
    """(offset, what) of the first thing in `data` that makes it also another kind of file, or None."""
    found: list[tuple[int, str]] = []
    for pattern, what in ((MARKUP, _("HTML or script")), (PROGRAMS, _("a program")), (ARCHIVE, _("a ZIP archive"))):
        match = pattern.search(data)
        if match:
            found.append((match.start(), what))
    windows = _windows_program(data)
    if windows is not None:
        found.append((windows, _("a program")))
    if mime != PDF:
        match = PDF_INSIDE.search(data)
        if match:
            found.append((match.start(), _("a PDF")))
    return min(found) if found else None


def _windows_program(data: bytes) -> int | None:
    """The offset of an MZ header whose e_lfanew points at a PE signature (a Windows program), or None."""
    for match in re.finditer(rb"MZ", data):
        start = match.start()
        if start + 0x40 > len(data):
            break
        (pe_offset,) = struct.unpack_from("<I", data, start + 0x3C)
        if 0x40 <= pe_offset <= 0x10000 and data[start + pe_offset:start + pe_offset + 4] == b"PE\x00\x00":
            return start
    return None


# --- PDF ------------------------------------------------------------------------------------------------------

# Action types (/S) and keys that make a PDF do something on its own, with what the message calls them.
ACTIONS = {
    "/JavaScript": "JavaScript", "/Launch": "launch", "/SubmitForm": "sends data", "/ImportData": "sends data",
    "/GoToR": "other file", "/GoToE": "other file", "/Rendition": "multimedia", "/Movie": "multimedia",
    "/Sound": "multimedia", "/RichMediaExecute": "multimedia",
}
KEYS = {"/JS": "JavaScript", "/JavaScript": "JavaScript", "/EmbeddedFiles": "embedded", "/EF": "embedded",
        "/XFA": "XFA", "/RichMedia": "multimedia", "/Launch": "launch"}


def _active_label(what: str) -> str:
    return {
        "JavaScript": _("JavaScript"),
        "launch": _("a launch action (it would start a program)"),
        "sends data": _("a form action that sends or loads data"),
        "other file": _("a link that opens another file"),
        "multimedia": _("multimedia that plays on its own"),
        "embedded": _("embedded files"),
        "XFA": _("an XFA form (which can carry scripts)"),
    }[what]


def _parse_pdf(data: bytes, max_pages: int) -> int:
    """Read the whole PDF strictly; refuse encryption, too many pages and active content. Returns its end."""
    try:
        reader = pypdf.PdfReader(BytesIO(data), strict=True)
        encrypted = reader.is_encrypted
        pages = None if encrypted else len(reader.pages)
        active = None if encrypted else _active_content(reader)
    except NotAScan:
        raise
    except Exception as broken:  # untrusted bytes: whatever the parser trips on means "not a valid PDF"
        raise NotAScan(_("it begins like a PDF but is not a valid PDF ({problem})").format(problem=_problem(broken))) from None
    if encrypted:
        raise NotAScan(_("the PDF is encrypted; attach an unencrypted scan"))
    if not pages:
        raise NotAScan(_("the PDF has no page"))
    if pages > max_pages:
        raise NotAScan(_("the PDF has {pages} pages; at most {limit} are accepted").format(pages=f"{pages:,}",
                                                                                         limit=f"{max_pages:,}"))
    if active:
        raise NotAScan(_("the PDF contains {what}; only plain scans are accepted").format(what=_active_label(active)))
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise NotAScan(_("it begins like a PDF but is not a valid PDF ({problem})").format(problem="no %%EOF"))
    return end + len(b"%%EOF")


def _active_content(reader: pypdf.PdfReader) -> str | None:
    """What makes the PDF act on its own (a key of ACTIONS/KEYS' labels), looking at every object it has."""
    numbers = [(number, generation) for generation, objects in reader.xref.items() for number in objects]
    numbers += [(number, 0) for number in reader.xref_objStm]
    if len(numbers) > MAX_PDF_OBJECTS:
        raise NotAScan(_("the PDF has {count} objects; at most {limit} are accepted").format(
            count=f"{len(numbers):,}", limit=f"{MAX_PDF_OBJECTS:,}"))
    for number, generation in numbers:
        found = _active_in(reader.get_object(pypdf.generic.IndirectObject(number, generation, reader)))
        if found:
            return found
    return None


def _active_in(value, depth: int = 0) -> str | None:
    """Looks into a direct object (dictionaries and arrays nested in it; references are objects of their own)."""
    if depth > 100:
        raise NotAScan(_("the PDF nests its objects too deeply"))
    if isinstance(value, pypdf.generic.DictionaryObject):
        if _resolved(value.get("/Type")) == "/EmbeddedFile":
            return "embedded"
        action = _resolved(value.get("/S"))
        if isinstance(action, str) and action in ACTIONS:
            return ACTIONS[action]
        for key, inner in value.items():
            if key in KEYS:
                return KEYS[key]
            if not isinstance(inner, pypdf.generic.IndirectObject):
                found = _active_in(inner, depth + 1)
                if found:
                    return found
    elif isinstance(value, pypdf.generic.ArrayObject):
        for inner in value:
            if not isinstance(inner, pypdf.generic.IndirectObject):
                found = _active_in(inner, depth + 1)
                if found:
                    return found
    return None


def _resolved(value):
    return value.get_object() if isinstance(value, pypdf.generic.IndirectObject) else value


def _problem(broken: Exception) -> str:
    text = str(broken).strip() or type(broken).__name__
    return text if len(text) <= 200 else text[:200] + "…"


# --- images ---------------------------------------------------------------------------------------------------

PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


def _parse_image(data: bytes, mime: str, max_pixels: int) -> int:
    """Walk the image's structure (its end, its size), refuse too many pixels, then verify and decode it in full."""
    name = PILLOW_FORMATS[mime]
    try:
        end, width, height = _png_layout(data) if mime == PNG else _jpeg_layout(data)
    except (IndexError, struct.error):
        raise NotAScan(_("it begins like a {format} image but is not a valid one ({problem})").format(
            format=name, problem=_("it ends too early"))) from None
    except ValueError as broken:
        raise NotAScan(_("it begins like a {format} image but is not a valid one ({problem})").format(
            format=name, problem=broken)) from None
    if width * height > max_pixels:
        raise NotAScan(_("the image is {width}×{height} pixels; at most {limit} pixels are accepted").format(
            width=width, height=height, limit=f"{max_pixels:,}"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[name]) as image:
                image.verify()
            with Image.open(BytesIO(data), formats=[name]) as image:
                if image.format != name or image.size != (width, height):
                    raise ValueError(f"decoded as {image.format} {image.size[0]}×{image.size[1]}")
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAScan(_("the image is {width}×{height} pixels; at most {limit} pixels are accepted").format(
            width=width, height=height, limit=f"{max_pixels:,}")) from None
    except Exception as broken:  # untrusted bytes: whatever the decoder trips on means "not valid"
        raise NotAScan(_("it begins like a {format} image but is not a valid one ({problem})").format(
            format=name, problem=_problem(broken))) from None
    return end


def _png_layout(data: bytes) -> tuple[int, int, int]:
    """(end, width, height): the chunks from IHDR to IEND."""
    at = len(PNG_SIGNATURE)
    width = height = None
    while True:
        length, kind = struct.unpack_from(">I4s", data, at)
        end = at + 12 + length
        if end > len(data):
            raise ValueError(_("it ends too early"))
        if width is None:
            if kind != b"IHDR":
                raise ValueError(_("it does not begin with an image header"))
            width, height = struct.unpack_from(">II", data, at + 8)
        if kind == b"IEND":
            return end, width, height
        at = end


SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_layout(data: bytes) -> tuple[int, int, int]:
    """(end, width, height): the marker segments from SOI to EOI, through the entropy-coded scans."""
    at, size, length = 2, None, len(data)
    while True:
        if at >= length or data[at] != 0xFF:
            raise ValueError(_("no marker at byte {offset}").format(offset=f"{at:,}"))
        while at < length and data[at] == 0xFF:  # fill bytes
            at += 1
        if at >= length:
            raise ValueError(_("it ends too early"))
        marker = data[at]
        at += 1
        if marker == 0xD9:  # EOI
            if size is None:
                raise ValueError(_("it does not begin with an image header"))
            return at, *size
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        (segment,) = struct.unpack_from(">H", data, at)
        if segment < 2 or at + segment > length:
            raise ValueError(_("no marker at byte {offset}").format(offset=f"{at:,}"))
        if marker in SOF_MARKERS:
            height, width = struct.unpack_from(">HH", data, at + 3)
            size = (width, height)
        at += segment
        if marker == 0xDA:  # SOS: entropy-coded data up to the next marker that is not a restart
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= length:
                    raise ValueError(_("it ends too early"))
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                elif following == 0xFF:
                    at += 1
                else:
                    break

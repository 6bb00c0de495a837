"""A CertificateDocument as an unsigned PDF (fpdf2), A4, Chinese text in the shipped Noto Sans CJK SC subset.

The font is the project's own file (certificates/fonts/, OFL), never a system font; fpdf2 embeds only the glyphs a
document uses, so a PDF is tens of kilobytes and shows its text on a machine with no CJK font. Layout: the agency's
name and the title, the verification code and the date of issue, the person (masked ID number), the sections (key and
value pairs, tables, the account growth chart drawn with PDF primitives), then the seal over the agency's name and
date, and the QR code of the public verification page with the code printed beside it. Each page's footer repeats
the code and the page number. Signing (PAdES) is certificates/signing.py's, on these bytes.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sirecords.certificates.documents import BarChart, CertificateDocument, Section, Table
from sirecords.certificates.seal import SEAL_SUBTITLE, agency_seal_file, font_path, qr_matrix, seal_png

__all__ = ["batch_font", "document_characters", "render"]

# fontTools reports every table it subsets at INFO: thousands of lines per bulk run, nothing anyone needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = "NotoSansSC"
MARGIN = 18.0
INK = (20, 20, 20)
GREY = (110, 110, 110)
RULE = (170, 170, 170)
HEAD_FILL = (236, 240, 245)
CHART_COLOURS = ((86, 180, 233), (0, 114, 178), (230, 159, 0))  # prior balance, credits, interest (the portal's)
LINE_COLOUR = (0, 158, 115)
CHART_HEIGHT = 45.0
PAD = 1.2  # mm of room inside a table cell, left and right


class _Pdf(FPDF):
    def __init__(self, document: CertificateDocument, font_file: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.add_font(FONT, "", font_file)
        # The font's glyphs are copied as they are (their bounds are already in the file): without this fontTools
        # decodes and re-encodes every glyph's outline to recompute bounds — the most costly step of a PDF.
        self.fonts[FONT.lower()].ttfont.recalcBBoxes = False
        self.set_font(FONT, size=10)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, size=7.5)
        self.set_text_color(*GREY)
        doc = self.document
        self.cell(0, 4, f"{doc.title} · 验证码 Verification code {doc.code} · 第 {self.page_no()}/{{nb}} 页",
                  align="C")
        self.set_text_color(*INK)


def _issued(document: CertificateDocument) -> str:
    return document.issued_at.strftime("%Y-%m-%d %H:%M UTC")


def _head(pdf: _Pdf, document: CertificateDocument) -> None:
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, document.agency, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, size=20)
    pdf.cell(0, 10, document.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9.5)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, document.title_en, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    half = (pdf.w - 2 * MARGIN) / 2
    pdf.cell(half, 5, f"验证码 Verification code: {document.code}")
    pdf.cell(half, 5, f"出具时间 Issued: {_issued(document)}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, pdf.get_y() + 1, pdf.w - MARGIN, pdf.get_y() + 1)
    pdf.ln(4)
    _pairs(pdf, document.person, size=11)
    pdf.ln(2)


def _pairs(pdf: _Pdf, pairs: tuple[tuple[str, str], ...], *, size: float = 9.5) -> None:
    """Key and value rows under a thin rule each; a value too long for its column wraps (multi_cell), the rest are
    single cells (fpdf2's table would break every cell into lines: several times slower for these short rows)."""
    pdf.set_font(FONT, size=size)
    width = pdf.w - 2 * MARGIN
    key_w, value_w, line = width * 0.45, width * 0.55, size * 0.5
    pdf.set_draw_color(*RULE)
    for key, value in pairs:
        value = value or "-"
        lines = max(_lines(pdf, key, key_w), _lines(pdf, value, value_w))
        height = line * lines + 2
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        for x, w, text in ((MARGIN, key_w, key), (MARGIN + key_w, value_w, value)):
            pdf.set_xy(x + PAD, top + 1)
            if _lines(pdf, text, w) == 1:
                pdf.cell(w - 2 * PAD, line, text)
            else:
                _paragraph(pdf, text, line, width=w - 2 * PAD)
        pdf.set_y(top + height)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + width, pdf.get_y())


def _lines(pdf: _Pdf, text: str, width: float) -> int:
    """Lines `text` takes in a column of `width` (one when it fits, the cheap and usual case)."""
    if pdf.get_string_width(text) <= width - 2 * PAD:
        return 1
    return len(_broken(pdf, text, width - 2 * PAD))


# Line breaks of texts already broken, by (text, width, font size): the notes and the closing paragraph are the same
# in every document, and breaking a paragraph into lines character by character is fpdf2's costliest step. Every
# font cut for a batch has the shipped font's widths, so the breaks are the same. Bounded: cleared when full.
_BREAKS: dict[tuple[str, float, float], tuple[str, ...]] = {}


def _broken(pdf: _Pdf, text: str, width: float) -> tuple[str, ...]:
    key = (text, round(width, 3), pdf.font_size_pt)
    lines = _BREAKS.get(key)
    if lines is None:
        if len(_BREAKS) > 4096:
            _BREAKS.clear()
        lines = _BREAKS[key] = tuple(pdf.multi_cell(width, 1, text, dry_run=True, output="LINES"))
    return lines


def _paragraph(pdf: _Pdf, text: str, height: float, *, width: float | None = None, align: str = "L") -> None:
    """`text` wrapped to `width` (the page's text width by default) from the current position, one cell per line,
    the lines broken once per distinct text (_broken); the position ends at the left margin below it."""
    x = pdf.get_x()
    width = width if width is not None else pdf.w - pdf.r_margin - x
    for line in _broken(pdf, text, width):
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            pdf.set_x(x)
        pdf.set_x(x)
        pdf.cell(width, height, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_x(pdf.l_margin)


def _table(pdf: _Pdf, data: Table) -> None:
    """A table: the header row shaded (repeated on each new page), a rule under each row, numbers right-aligned.
    Columns share the width in proportion to their widest text; a cell that does not fit its column wraps."""
    size, line = 8.5, 4.2
    pdf.set_font(FONT, size=size)
    width = pdf.w - 2 * MARGIN
    count = len(data.columns)
    needs = [max([pdf.get_string_width(str(row[i])) for row in data.rows] + [pdf.get_string_width(data.columns[i]) * 0.6]) + 3
             for i in range(count)]
    scale = width / sum(needs)
    widths = [need * scale for need in needs]
    right = [i < len(data.numeric) and data.numeric[i] for i in range(count)]

    def draw(values, *, head: bool) -> None:
        lines = [_lines(pdf, str(value), w) for value, w in zip(values, widths)]
        height = max(lines) * line + 1.6
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if not head:
                draw(data.columns, head=True)
        top, x = pdf.get_y(), MARGIN
        if head:
            pdf.set_fill_color(*HEAD_FILL)
            pdf.rect(MARGIN, top, width, height, style="F")
        for value, w, n, align in zip(values, widths, lines, right):
            pdf.set_xy(x + PAD, top + 0.8)
            if n == 1:
                pdf.cell(w - 2 * PAD, line, str(value), align="R" if align and not head else "L")
            else:
                _paragraph(pdf, str(value), line, width=w - 2 * PAD, align="R" if align and not head else "L")
            x += w
        pdf.set_y(top + height)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + width, pdf.get_y())

    pdf.set_draw_color(*RULE)
    draw(data.columns, head=True)
    for values in data.rows:
        draw(values, head=False)
    pdf.ln(1)


def _chart(pdf: _Pdf, chart: BarChart) -> None:
    """Stacked bars (prior balance, credits, interest) per year, the year-end balance written on top, an axis of
    yuan at the left; the same numbers as the portal's chart."""
    height, left_room = CHART_HEIGHT, 22.0
    if pdf.get_y() + height + 18 > pdf.h - MARGIN - 4:
        pdf.add_page()
    top = pdf.get_y() + 4
    width = pdf.w - 2 * MARGIN - left_room
    x0, base = MARGIN + left_room, top + height
    closing = [Decimal(v) for v in chart.closing]
    stacks = [[Decimal(o), Decimal(c), Decimal(i)] for o, c, i in zip(chart.opening, chart.credits, chart.interest)]
    peak = max([sum(s) for s in stacks] + closing + [Decimal(1)])
    scale = Decimal(str(height)) / peak
    pdf.set_draw_color(*RULE)
    pdf.set_font(FONT, size=7)
    for step in range(5):  # the axis: five ticks from 0 to the peak
        value = peak * step / 4
        y = base - float(value * scale)
        pdf.line(x0, y, x0 + width, y)
        pdf.set_xy(MARGIN, y - 2)
        pdf.cell(left_room - 2, 4, f"{value:,.0f}", align="R")
    count = max(len(chart.years), 1)
    slot = width / count
    bar = min(slot * 0.6, 14)
    for index, (year, stack) in enumerate(zip(chart.years, stacks)):
        x = x0 + slot * index + (slot - bar) / 2
        y = base
        for colour, value in zip(CHART_COLOURS, stack):
            if value <= 0:
                continue
            h = float(value * scale)
            pdf.set_fill_color(*colour)
            pdf.rect(x, y - h, bar, h, style="F")
            y -= h
        pdf.set_font(FONT, size=6.5)
        pdf.set_xy(x - 4, base - float(closing[index] * scale) - 4.5)
        pdf.set_text_color(*LINE_COLOUR)
        pdf.cell(bar + 8, 4, chart.closing[index], align="C")
        pdf.set_text_color(*INK)
        pdf.set_xy(x - 4, base + 0.5)
        pdf.cell(bar + 8, 4, year, align="C")
    legend_y = base + 6
    pdf.set_xy(x0, legend_y)
    for colour, name in zip((*CHART_COLOURS, LINE_COLOUR), ("上年末余额 Prior balance", "本年记账 Credits", "利息 Interest",
                                                            "年末余额 Year-end balance (数字 figures)")):
        pdf.set_fill_color(*colour)
        pdf.rect(pdf.get_x(), legend_y + 1, 3, 3, style="F")
        pdf.set_x(pdf.get_x() + 4)
        pdf.set_font(FONT, size=7)
        pdf.cell(pdf.get_string_width(name) + 5, 5, name)
    pdf.set_xy(MARGIN, legend_y + 7)


def _section(pdf: _Pdf, section: Section) -> None:
    # Keep a section's title with the start of its body (the whole chart, which does not split).
    needed = 30 + (CHART_HEIGHT - 2 if section.chart is not None else 0)
    if pdf.get_y() + needed > pdf.h - MARGIN - 4:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 7, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if section.note:
        pdf.set_font(FONT, size=9)
        _paragraph(pdf, section.note, 5)
        pdf.ln(1)
    if section.pairs:
        _pairs(pdf, section.pairs)
    if section.table is not None and section.table.rows:
        _table(pdf, section.table)
    if section.chart is not None and section.chart.years:
        _chart(pdf, section.chart)


def _qr(pdf: _Pdf, x: float, y: float, size: float, url: str) -> None:
    """The QR code drawn as filled squares (runs of dark modules per row): sharp at any zoom, nothing to decode."""
    matrix = qr_matrix(url)
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        start = None
        for col, dark in enumerate((*row, False)):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + row_index * module, (col - start) * module + 0.01, module + 0.01, style="F")
                start = None


def _seal(pdf: _Pdf, cx: float, cy: float, diameter: float, agency: str) -> None:
    """The seal over the agency's name and date: the agency's own image when configured (SIRECORDS_AGENCY_SEAL),
    else the red round seal of seal.generated_seal drawn in vectors (ring, star, the name on the upper arc,
    证明专用章 below), slightly transparent so the text under it stays legible."""
    if agency_seal_file():
        pdf.image(io.BytesIO(seal_png()), x=cx - diameter / 2, y=cy - diameter / 2, w=diameter, h=diameter)
        return
    red = (210, 20, 30)
    radius = diameter / 2
    with pdf.local_context(fill_opacity=0.85, stroke_opacity=0.85):
        pdf.set_draw_color(*red)
        pdf.set_fill_color(*red)
        pdf.set_text_color(*red)
        pdf.set_line_width(diameter * 0.03)
        pdf.circle(cx, cy, radius - diameter * 0.015)
        star = []
        for i in range(10):
            r = diameter * 0.14 * (1 if i % 2 == 0 else 0.382)
            angle = -math.pi / 2 + i * math.pi / 5
            star.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
        pdf.polygon(star, style="F")
        glyph_mm = diameter * 0.105
        pdf.set_font(FONT, size=glyph_mm / 0.3528)
        text = agency or " "
        span = math.radians(min(250, 22 * len(text) + 20))
        text_radius = radius - diameter * 0.03 - glyph_mm * 0.75
        for index, char in enumerate(text):
            angle = -span / 2 + span * (index + 0.5) / len(text)  # 0 at the top, clockwise
            px, py = cx + text_radius * math.sin(angle), cy - text_radius * math.cos(angle)
            with pdf.rotation(-math.degrees(angle), px, py):
                pdf.text(px - pdf.get_string_width(char) / 2, py + glyph_mm * 0.35, char)
        small = diameter * 0.075
        pdf.set_font(FONT, size=small / 0.3528)
        pdf.text(cx - pdf.get_string_width(SEAL_SUBTITLE) / 2, cy + diameter * 0.26 + small * 0.35, SEAL_SUBTITLE)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)


def _closing(pdf: _Pdf, document: CertificateDocument) -> None:
    """The QR code and the code at the left; the agency's name and the date at the right, the seal over them."""
    block = 48.0
    if pdf.get_y() + block + 6 > pdf.h - MARGIN - 4:
        pdf.add_page()
    top = pdf.get_y() + 6
    qr = 30.0
    _qr(pdf, MARGIN, top, qr, document.verify_url)
    pdf.set_font(FONT, size=8.5)
    for index, text in enumerate(("核验 Verify:", "扫描二维码或访问 Scan or visit", document.verify_url, "验证码 Code:", document.code)):
        pdf.set_xy(MARGIN + qr + 3, top + 2 + index * 4.4)
        pdf.cell(80, 4.4, text)
    right = pdf.w - MARGIN
    seal = 40.0
    pdf.set_font(FONT, size=10.5)
    pdf.set_xy(right - 70, top + 14)
    pdf.cell(70, 6, document.agency, align="R")
    pdf.set_xy(right - 70, top + 21)
    pdf.cell(70, 6, document.issued_at.strftime("%Y 年 %m 月 %d 日"), align="R")
    _seal(pdf, right - 35, top + 18, seal, document.agency)
    pdf.set_xy(MARGIN, top + block)
    pdf.set_font(FONT, size=7.5)
    pdf.set_text_color(*GREY)
    _paragraph(pdf, "本证明附有本机构的电子签名及所依据记录的账本包含证明，可离线核验："
                           "sirecords certificate verify 文件.pdf --trust 机构根证书.pem。 This document carries the agency's "
                           "electronic signature and the ledger inclusion proofs of the records it rests on; verify it offline "
                           "with `sirecords certificate verify FILE.pdf --trust ROOT.pem`.", 3.8)
    pdf.set_text_color(*INK)


def render(document: CertificateDocument, *, font_file: str | None = None) -> bytes:
    """The document as PDF bytes, unsigned. Deterministic for a given document (the creation date is its issue time).
    `font_file`: a `batch_font` made for a batch holding this document; the shipped font when None."""
    pdf = _Pdf(document, font_file or font_path())
    pdf.set_title(f"{document.title} {document.code}")
    pdf.set_author(document.agency)
    pdf.set_creator("sirecords")
    pdf.set_subject(document.title_en)
    pdf.set_creation_date(document.issued_at)
    pdf.alias_nb_pages()
    pdf.add_page()
    _head(pdf, document)
    for section in document.sections:
        _section(pdf, section)
    _closing(pdf, document)
    return bytes(pdf.output())


@cache
def _fixed_characters() -> frozenset[str]:
    """Every character the layout itself may print (this module's and documents.py's texts), and ASCII."""
    here = Path(__file__).parent
    text = "".join((here / name).read_text(encoding="utf-8") for name in ("render.py", "documents.py", "codes.py"))
    return frozenset(text) | {chr(c) for c in range(0x20, 0x7F)}


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strings(item)


def document_characters(document: CertificateDocument) -> frozenset[str]:
    """The characters `render` may print for this document."""
    return _fixed_characters() | frozenset("".join(_strings(document))) | frozenset(_issued(document))


def batch_font(documents: Iterable[CertificateDocument], directory: str | Path) -> str:
    """A font file in `directory` holding just the characters of `documents` (and the layout's), cut from the shipped
    font, for rendering them with `render(document, font_file=...)`.

    Why: fpdf2 loads and subsets the font for every PDF; the shipped font has 7,600 glyphs, a batch's documents use a
    few hundred, so loading a batch's own font once per document is several times cheaper (docs/certificates.md). The
    PDFs are the same: fpdf2 still embeds only the glyphs each one uses, from the same outlines. A character the
    shipped font lacks is left out here as there."""
    chars: set[str] = set()
    for document in documents:
        chars |= document_characters(document)
    font = TTFont(font_path())
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = []
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    path = Path(directory) / "batch-font.ttf"
    font.save(str(path))
    return str(path)

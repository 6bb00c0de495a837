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
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf.enums import XPos, YPos

from sirecords.certificates.documents import BarChart, CertificateDocument, Section, Table
from sirecords.certificates.seal import font_path, qr_png, seal_png

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


class _Pdf(FPDF):
    def __init__(self, document: CertificateDocument, font_file: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)
        self.add_font(FONT, "", font_file)
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


def _pairs(pdf: _Pdf, pairs: tuple[tuple[str, str], ...], *, size: float = 10) -> None:
    pdf.set_font(FONT, size=size)
    width = pdf.w - 2 * MARGIN
    with pdf.table(col_widths=(45, 55), first_row_as_headings=False, line_height=size * 0.55, borders_layout="HORIZONTAL_LINES",
                   text_align=("LEFT", "LEFT"), width=width, padding=1.2) as table:
        for key, value in pairs:
            row = table.row()
            row.cell(key)
            row.cell(value or "-")


def _table(pdf: _Pdf, data: Table) -> None:
    pdf.set_font(FONT, size=8.5)
    align = tuple("RIGHT" if (i < len(data.numeric) and data.numeric[i]) else "LEFT" for i in range(len(data.columns)))
    with pdf.table(first_row_as_headings=True, line_height=4.6, text_align=align, headings_style=_headings(),
                   borders_layout="SINGLE_TOP_LINE", padding=1, repeat_headings=1) as table:
        head = table.row()
        for column in data.columns:
            head.cell(column)
        for values in data.rows:
            row = table.row()
            for value in values:
                row.cell(str(value))


def _headings():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, size_pt=8.5, fill_color=HEAD_FILL)


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
    needed = 30 + (CHART_HEIGHT + 20 if section.chart is not None else 0)
    if pdf.get_y() + needed > pdf.h - MARGIN - 4:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 7, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if section.note:
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(0, 5, section.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    if section.pairs:
        _pairs(pdf, section.pairs)
    if section.table is not None and section.table.rows:
        _table(pdf, section.table)
    if section.chart is not None and section.chart.years:
        _chart(pdf, section.chart)


def _closing(pdf: _Pdf, document: CertificateDocument) -> None:
    """The QR code and the code at the left; the agency's name and the date at the right, the seal over them."""
    block = 48.0
    if pdf.get_y() + block + 6 > pdf.h - MARGIN - 4:
        pdf.add_page()
    top = pdf.get_y() + 6
    qr = 30.0
    pdf.image(io.BytesIO(qr_png(document.verify_url)), x=MARGIN, y=top, w=qr, h=qr)
    pdf.set_xy(MARGIN + qr + 3, top + 2)
    pdf.set_font(FONT, size=8.5)
    text_w = 80.0
    pdf.multi_cell(text_w, 4.4, f"核验 Verify:\n扫描二维码或访问 Scan or visit\n{document.verify_url}\n验证码 Code:\n{document.code}",
                   new_x=XPos.LEFT, new_y=YPos.NEXT)
    right = pdf.w - MARGIN
    seal = 40.0
    pdf.set_font(FONT, size=10.5)
    pdf.set_xy(right - 70, top + 14)
    pdf.cell(70, 6, document.agency, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(right - 70, top + 21)
    pdf.cell(70, 6, document.issued_at.strftime("%Y 年 %m 月 %d 日"), align="R")
    pdf.image(io.BytesIO(seal_png()), x=right - 35 - seal / 2, y=top - 2, w=seal, h=seal)
    pdf.set_xy(MARGIN, top + block)
    pdf.set_font(FONT, size=7.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 3.8, "本证明附有本机构的电子签名及所依据记录的账本包含证明，可离线核验："
                           "sirecords certificate verify 文件.pdf --trust 机构根证书.pem。 This document carries the agency's "
                           "electronic signature and the ledger inclusion proofs of the records it rests on; verify it offline "
                           "with `sirecords certificate verify FILE.pdf --trust ROOT.pem`.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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

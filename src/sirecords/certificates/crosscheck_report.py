"""The department's report behind a cross-check discrepancy as a one-page PDF (fpdf2, the shipped CJK font): the
document a resolve_discrepancy transaction carries for its reviewers (第六条: every change on a document). It shows
the feed row as received, the file's name, SHA-256 and line, and when it came; it is sealed like every attachment."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sirecords.certificates.seal import font_path
from sirecords.crosschecks.evidence import Report

FONT = "NotoSansSC"


def report_pdf(report: Report, discrepancy_id: str, kind: str) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.add_font(FONT, "", font_path())
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 10, "部门共享比对信息 The department's report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    for label, value in (("比对差异 Discrepancy", f"{discrepancy_id} ({kind})"), ("报送部门 Sent by", report.source),
                         ("数据类型 Feed", report.kind), ("文件 File", report.file_name), ("SHA-256", report.sha256),
                         ("行 Line", str(report.line) if report.line else "— (不在报送文件中 not in the file)"),
                         ("接收时间 Received (UTC)", report.received_at)):
        pdf.cell(55, 7, label)
        pdf.multi_cell(0, 7, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 8, "报送内容 As reported", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    if not report.fields:
        pdf.multi_cell(0, 7, "报送文件中没有该人员该月份的记录（记录中有而报送中无）。The report has no row for this person and "
                             "month: the record holds one the report left out.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for column, value in report.fields:
        pdf.cell(55, 7, column, border="B")
        pdf.multi_cell(0, 7, value or "—", border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())

"""The exemption map as a Word table: one row per exemption, each cell naming where it is stated.

Lawyers compare how different acts treat open source side by side, and finish
that comparison in Word. The columns are those of ``corpus-tool exemptions``;
every value stated in another provision carries that provision's citation and
page, as in the other formats.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from corpus_tool.tagging.exemption_formats import FIELDS, TITLES, plain_cell, register_format
from corpus_tool.tagging.exemption_map import ExemptionRecord

# XML 1.0 refuses most control characters; Word would call the file corrupt.
_XML_BAD = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _clean(text: str) -> str:
    return text.translate(_XML_BAD)


def to_docx(records: Sequence[ExemptionRecord]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    doc = Document()
    section = doc.sections[0]
    # A landscape page: seven columns of legal text do not fit a portrait one.
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_heading("Open-source exemptions: the map", level=1)
    doc.add_paragraph(
        f"{len(records)} exemption{'s' if len(records) != 1 else ''}. Each value is quoted"
        " from the provision named beside it; an empty cell means the text does not say."
    )
    table = doc.add_table(rows=1, cols=1 + len(FIELDS))
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text = "Provision"
    for cell, name in zip(header[1:], FIELDS, strict=True):
        cell.text = TITLES[name]
    for cell in header:
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for rec in records:
        row = table.add_row().cells
        row[0].text = _clean(f"{rec.citation}, {rec.doc_id}")
        for cell, name in zip(row[1:], FIELDS, strict=True):
            cell.text = _clean(plain_cell(rec, name))
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


register_format("docx", to_docx)

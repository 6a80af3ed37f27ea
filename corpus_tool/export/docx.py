"""A Word (DOCX) memo: short titles, pinpoint citations, quoted text with evidence coloured by label.

Lawyers finish memos in Word. Each document gets a heading with its short
title; each provision its citation, pinpoint (printed page where the provision
carries one, else the PDF page), machine tags and labels, the quoted text with
every piece of evidence in its label's colour (text colour and a light shading
of the same hue, so it survives black-and-white printing as bold), and the
notes grouped per author. Built with python-docx; nothing is fetched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from corpus_tool.errors import StoreError
from corpus_tool.export.memo import (
    HIT_COLOUR,
    decision_text,
    group_notes,
    label_colour,
    legend_labels,
    mark_colour,
    one_line,
    page_text,
    pieces,
    pinpoint,
    short_title,
    tag_summary,
    tint,
)
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.model import Annotation
from corpus_tool.workspace import atomic_write_bytes

# XML 1.0 refuses most control characters; Word would call the file corrupt.
_XML_BAD = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _clean(text: str) -> str:
    return text.translate(_XML_BAD)


def _shade(run: Any, fill: str) -> None:
    """A background shading of the run (Word's highlight offers 16 fixed colours only)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = run._r.get_or_add_rPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#").upper())
    props.append(shd)


class _Styles:
    """Paragraph styles by id, looked up once.

    python-docx resolves a style name by scanning every style of the document on
    each paragraph; for a memo of 1,500 provisions that was most of a minute.
    """

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.ids = {
            name: doc.styles[name].style_id
            for name in ("Title", "Heading 1", "Heading 2", "Quote", "List Bullet")
        }

    def paragraph(self, name: str, text: str = "") -> Any:
        paragraph = self.doc.add_paragraph(text)
        paragraph._p.style = self.ids[name]
        return paragraph


def _add_text(paragraph: Any, text: str, *, italic: bool = False) -> None:
    """Text with its line breaks as Word line breaks, never as new paragraphs or list items."""
    lines = [line for line in _clean(text).splitlines() if line.strip()] or [_clean(text)]
    for n, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.italic = italic or None
        if n < len(lines) - 1:
            run.add_break()


def _quote(styles: _Styles, item: ExportItem, selection: Selection) -> None:
    from docx.shared import RGBColor

    paragraph = styles.paragraph("Quote")
    for piece, marks in pieces(item):
        chosen = mark_colour(selection.scheme, marks)
        lines = _clean(piece).split("\n")
        for n, line in enumerate(lines):
            if line:
                run = paragraph.add_run(line)
                if chosen is not None and line.strip():
                    _mark, colour = chosen
                    run.bold = True
                    run.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
                    _shade(run, tint(colour))
            if n < len(lines) - 1:
                paragraph.add_run().add_break()


def _notes(styles: _Styles, item: ExportItem, selection: Selection) -> None:
    from docx.shared import RGBColor

    for group in group_notes(item.annotations):
        paragraph = styles.paragraph("List Bullet")
        who = paragraph.add_run(_clean(one_line(group.author)))
        who.bold = True
        paragraph.add_run(f" · {group.date}")
        for a in group.annotations:
            _annotation(paragraph, a, selection, RGBColor)
        if group.decisions:
            paragraph.add_run(" · reviewed: " + decision_text(group.decisions))
            for a in group.decisions:
                if a.note:
                    paragraph.add_run(" — ")
                    _add_text(paragraph, a.note)


def _annotation(paragraph: Any, a: Annotation, selection: Selection, rgb: Any) -> None:
    paragraph.add_run(" · ")
    for n, label in enumerate(a.labels):
        run = paragraph.add_run(("" if n == 0 else ", ") + label)
        run.font.color.rgb = rgb.from_string(
            label_colour(selection.scheme, label).lstrip("#").upper()
        )
        run.bold = True
    if a.decision:
        paragraph.add_run(f"{a.decision}ed machine tag {a.tag_label}")
    if a.quote:
        paragraph.add_run(": “")
        _add_text(paragraph, a.quote.exact, italic=True)
        paragraph.add_run("”")
    if a.note:
        paragraph.add_run(" — ")
        _add_text(paragraph, a.note)


def render(selection: Selection) -> bytes:
    try:
        import docx
        from docx.shared import Pt, RGBColor
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise StoreError(f"DOCX export needs python-docx: {exc}") from exc

    doc = docx.Document()
    styles = _Styles(doc)
    doc.core_properties.title = "Tagged provisions"
    styles.paragraph("Title", "Tagged provisions")
    doc.add_paragraph(
        f"Selection: {_clean(one_line(selection.description))} · {selection.summary}."
    )
    legend = doc.add_paragraph("Evidence is coloured by label: ")
    names = legend_labels(selection)
    for n, name in enumerate([*names, "query"]):
        run = legend.add_run(("" if n == 0 else ", ") + ("query hit" if name == "query" else name))
        colour = label_colour(selection.scheme, name) if name != "query" else HIT_COLOUR
        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#").upper())
        run.bold = True
    for meta, items in selection.by_document():
        heading = short_title(meta)
        styles.paragraph("Heading 1", _clean(heading))
        facts = " · ".join(one_line(f) for f in (meta.citation, meta.date) if f)
        if facts:
            doc.add_paragraph(_clean(facts))
        full = one_line(meta.title or "")
        if full and full != heading:
            run = doc.add_paragraph().add_run(_clean(full))
            run.italic = True
            run.font.size = Pt(9)
        for item in items:
            p = item.provision
            title = one_line(p.citation) + (f" — {one_line(p.heading)}" if p.heading else "")
            styles.paragraph("Heading 2", _clean(title))
            cite = doc.add_paragraph()
            cite_run = cite.add_run(_clean(pinpoint(item)))
            cite_run.italic = True
            where = page_text(item)
            if where:
                # The printed page, and the PDF page beside it for opening the file.
                cite.add_run(_clean(f"  ·  {where}")).font.size = Pt(9)
            facts_line = doc.add_paragraph()
            tags = tag_summary(item)
            if tags:
                facts_line.add_run("Machine tags: ").bold = True
                for n, (shown, t) in enumerate(
                    zip(tags, {t.label: t for t in item.effective_tags}, strict=True)
                ):
                    run = facts_line.add_run(("" if n == 0 else ", ") + shown)
                    run.font.color.rgb = RGBColor.from_string(
                        label_colour(selection.scheme, t).lstrip("#").upper()
                    )
            labels = item.labels(selection.scheme)
            if labels:
                facts_line.add_run(("  " if tags else "") + "Labels: ").bold = True
                facts_line.add_run(", ".join(labels))
            rejected = list(dict.fromkeys(t.label for t in item.rejected_tags))
            if rejected:
                facts_line.add_run("  Rejected tags: ").bold = True
                facts_line.add_run(", ".join(rejected))
            _quote(styles, item, selection)
            _notes(styles, item, selection)
    if selection.orphans:
        styles.paragraph("Heading 1", "Annotations whose text is gone")
        for a in selection.orphans:
            paragraph = styles.paragraph("List Bullet")
            paragraph.add_run(_clean(one_line(a.author))).bold = True
            paragraph.add_run(f" · {a.modified[:10]}")
            _annotation(paragraph, a, selection, RGBColor)
            paragraph.add_run(f" (was {a.provision_id})")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write(selection: Selection, path: Path, **_: Any) -> None:
    atomic_write_bytes(path, render(selection))

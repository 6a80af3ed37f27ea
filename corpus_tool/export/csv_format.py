"""CSV for spreadsheets: one row per provision, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from corpus_tool import pinpoint as pin
from corpus_tool.export.selection import ExportItem, Selection
from corpus_tool.workspace import atomic_write_bytes

COLUMNS = (
    "doc_id",
    "document",
    "citation",
    "provision_id",
    "kind",
    "heading",
    "pages",
    "machine_tags",
    "rejected_tags",
    "labels",
    "authors",
    "notes",
    "quotes",
    "evidence",
    "text",
    # Added after the first release (columns are added at the end, never moved):
    "printed_pages",  # as printed ("L 119/36"), one per page, "; "-separated
    "pinpoint",  # ready to paste into a brief
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a would-be formula with an apostrophe so Excel shows it as text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _row(item: ExportItem, selection: Selection) -> list[str]:
    decisions = item.decisions
    tags = [
        f"{t.label} ({decisions[t.tag_id]}ed)" if t.tag_id in decisions else t.label
        for t in item.effective_tags
    ]
    notes = [f"{a.author}: {a.note}" for a in item.annotations if a.note]
    quotes = [a.quote.exact for a in item.annotations if a.quote]
    evidence = [e.text for t in item.effective_tags for e in t.evidence]
    p = item.provision
    cells = [
        item.meta.doc_id,
        item.meta.title or item.meta.file,
        p.citation,
        p.id,
        p.kind,
        p.heading,
        item.page_label,
        "; ".join(tags),
        "; ".join(t.label for t in item.rejected_tags),
        "; ".join(item.labels(selection.scheme)),
        "; ".join(item.authors),
        "\n".join(notes),
        "\n".join(quotes),
        " … ".join(dict.fromkeys(evidence)),
        p.text,
        "; ".join(item.printed_pages),
        pin.pinpoint(item.meta, p, item.page_labels),
    ]
    return [neutralise(c) for c in cells]


def render(selection: Selection, *, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for item in selection.items:
        writer.writerow(_row(item, selection))
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write(selection: Selection, path: Path, *, bom: bool = False, **_: Any) -> None:
    atomic_write_bytes(path, render(selection, bom=bom))

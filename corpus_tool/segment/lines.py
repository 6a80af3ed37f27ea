"""The lines of a document's clean text, with their offsets and left edge on the page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus_tool.model import Document

_NONSPACE = re.compile(r"\S")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of ``Document.text``: ``start``/``end`` enclose its non-blank text."""

    index: int
    start: int  # offset of the first non-blank character
    end: int  # offset one past the last non-blank character
    text: str  # the line without surrounding blanks
    page: int
    x0: float | None  # left edge in PDF points, None for plain-text sources
    top: float | None
    bottom: float | None
    indent: int  # leading blanks (tabs count 4) in the raw line, for plain text
    blank_before: bool  # an empty line precedes it


def split_lines(doc: Document) -> list[Line]:
    """Non-empty lines of the document in order; empty lines only set ``blank_before``."""
    text = doc.text
    boxes = doc.boxes if doc.boxes is not None and len(doc.boxes) else None
    out: list[Line] = []
    pos = 0
    blank = False
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        raw = text[pos:nl]
        m = _NONSPACE.search(raw)
        if m is None:
            blank = True
        else:
            stripped = raw.strip()
            start = pos + m.start()
            end = start + len(stripped)
            lead = raw[: m.start()]
            indent = len(lead.replace("\t", "    "))
            if boxes is not None:
                box = boxes.locate(start)
                page, x0 = box.page, float(box.x0)
                top, bottom = float(box.top), float(box.bottom)
            else:
                page, x0, top, bottom = doc.page_at(start), None, None, None
            out.append(Line(len(out), start, end, stripped, page, x0, top, bottom, indent, blank))
            blank = False
        pos = nl + 1
    return out

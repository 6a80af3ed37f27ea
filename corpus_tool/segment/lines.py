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
    # A number label printed in the margin of this line but extracted as a line of its
    # own after it ("(113)"): its span in Document.text. ``text`` then starts with the
    # label and a space that are not at ``start`` (see ``body_after``).
    moved_label: tuple[int, int] | None = None

    def body_after(self, label_end: int) -> int:
        """Offset in Document.text where the text after a label ending at ``label_end`` starts."""
        if self.moved_label is None:
            return self.start + label_end
        shift = self.moved_label[1] - self.moved_label[0] + 1
        return self.start + max(0, label_end - shift)


_MARGIN_LABEL = re.compile(r"^(?:\(\d{1,4}\)|\d{1,3}\.|\([a-z]{1,4}\))$")


def attach_margin_labels(lines: list[Line]) -> list[Line]:
    """Put a margin number back at the start of the line it was printed beside.

    Some extractions emit a hanging number ("(113)", "2.") as a line of its own
    just after the first line of its provision, when its baseline sits a fraction
    of a point lower. The geometry tells: same page, same height, further left.
    """
    out: list[Line] = []
    k = 0
    while k < len(lines):
        ln = lines[k]
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if (
            nxt is not None
            and _MARGIN_LABEL.match(nxt.text)
            and nxt.page == ln.page
            and None not in (ln.top, ln.bottom, nxt.top, nxt.x0, ln.x0)
            and abs(nxt.top - ln.top) < 0.5 * (ln.bottom - ln.top)  # type: ignore[operator]
            and nxt.x0 < ln.x0 - 5.0  # type: ignore[operator]
        ):
            out.append(
                Line(
                    ln.index,
                    ln.start,
                    ln.end,
                    f"{nxt.text} {ln.text}",
                    ln.page,
                    nxt.x0,
                    ln.top,
                    ln.bottom,
                    ln.indent,
                    ln.blank_before,
                    (nxt.start, nxt.end),
                )
            )
            k += 2
            continue
        out.append(ln)
        k += 1
    return out


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

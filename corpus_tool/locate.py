"""Where a span of a provision is printed: its PDF pages, printed page labels and line boxes.

``locate_span`` is the one function that turns an offset pair in a provision's
text (tag evidence, a search highlight, a quote annotation) into a
``SpanLocation`` (docs/decisions.md, section 3). The provision's ``offset_map``
takes the span to ``Document.text``; the document's character boxes give pages
and boxes; ``Document.printed_page`` the labels as printed. ``Locator`` does the
same for a workspace, loading each document's extraction once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from corpus_tool.model import Box, Document, DocumentMeta, Provision, SpanLocation
from corpus_tool.offsets import Runs, collapse_mapped, to_document
from corpus_tool.workspace import Workspace


def offset_map(doc: Document, provision: Provision) -> Runs:
    """The provision's offset map; for bundles stored before maps were kept, rebuilt by alignment."""
    if provision.offset_map:
        return provision.offset_map
    text, start = provision.text, provision.start
    if doc.text[start : start + len(text)] == text:
        return ((0, start, len(text)),) if text else ()
    # An older bundle: its text is the collapsed tail of [start, end) after the label.
    collapsed, runs = collapse_mapped(doc.text, start, provision.end)
    at = collapsed.rfind(text) if text else -1
    if at < 0:
        return ((0, start, len(text)),) if text else ()
    shifted = []
    for t, d, n in runs:
        lo, hi = max(t, at), min(t + n, at + len(text))
        if lo < hi:
            shifted.append((lo - at, d + (lo - t), hi - lo))
    return tuple(shifted)


def document_span(doc: Document, provision: Provision, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` of the provision's text as offsets of ``Document.text``."""
    n = len(provision.text)
    start = min(max(start, 0), max(n - 1, 0))
    end = min(max(end, start + 1), max(n, 1))
    runs = offset_map(doc, provision)
    if not runs:
        return provision.start, provision.start
    first = to_document(runs, start)
    last = to_document(runs, end - 1)
    if first is None:
        first = runs[0][1]
    if last is None:
        last = runs[-1][1] + runs[-1][2] - 1
    return first, max(last + 1, first)


def _line_runs(doc: Document, start: int, end: int) -> tuple[list[int], list[Box]]:
    """Pages and one box per line run of the printed characters in ``[start, end)``."""
    boxes = doc.boxes
    assert boxes is not None
    text = doc.text
    pages: list[int] = []
    runs: list[list[float]] = []  # page, x0, top, x1, bottom
    last_x0 = 0.0
    for i in range(start, min(end, len(boxes))):
        if text[i].isspace():
            continue  # spaces the cleaner inserted carry the box of the character before
        page, x0, top, x1, bottom = (
            boxes.page[i],
            boxes.x0[i],
            boxes.top[i],
            boxes.x1[i],
            boxes.bottom[i],
        )
        if page not in pages:
            pages.append(page)
        if runs:
            run = runs[-1]
            height = max(bottom - top, 1.0)
            same_line = (
                run[0] == page
                and abs(top - run[2]) < height / 2
                and x0 >= last_x0 - 0.5  # a line never runs backwards
            )
            if same_line:
                run[1], run[2] = min(run[1], x0), min(run[2], top)
                run[3], run[4] = max(run[3], x1), max(run[4], bottom)
                last_x0 = x0
                continue
        runs.append([page, x0, top, x1, bottom])
        last_x0 = x0
    return pages, [Box(int(r[0]), r[1], r[2], r[3], r[4]) for r in runs]


def _pages(doc: Document, start: int, end: int) -> list[int]:
    """The PDF pages of the characters in ``[start, end)`` (array slices: fast on long spans)."""
    if doc.boxes is not None and len(doc.boxes):
        found = set(doc.boxes.page[start : max(end, start + 1)])
        return sorted(found) if found else [doc.page_at(start)]
    return sorted({doc.page_at(start), doc.page_at(max(end - 1, start))})


def locate_span(
    doc: Document, provision: Provision, start: int, end: int, *, boxes: bool = True
) -> SpanLocation:
    """Pages, printed pages and line boxes of ``provision.text[start:end]``.

    ``boxes=False`` skips the boxes (the JSON page fields need only pages).
    """
    ds, de = document_span(doc, provision, start, end)
    pages = _pages(doc, ds, de)
    runs: list[Box] = []
    if boxes and doc.boxes is not None and len(doc.boxes):
        printed, runs = _line_runs(doc, ds, de)
        if printed:  # leave out a page that holds only an inserted space of the span
            pages = sorted(printed)
    return SpanLocation(
        pages=tuple(pages),
        printed_pages=tuple(doc.printed_page(n) for n in pages),
        boxes=tuple(runs),
    )


def pinpoint(provision: Provision, printed_pages: Iterable[str]) -> str:
    """A citation with its printed page(s): "Article 53(2), p. L 119/36"."""
    printed = list(dict.fromkeys(printed_pages))
    if not printed:
        return provision.citation
    where = f"p. {printed[0]}" if len(printed) == 1 else f"pp. {printed[0]}–{printed[-1]}"
    return f"{provision.citation}, {where}" if provision.citation else where


def box_dict(box: Box) -> dict[str, Any]:
    return {
        "page": box.page,
        "x0": round(box.x0, 2),
        "top": round(box.top, 2),
        "x1": round(box.x1, 2),
        "bottom": round(box.bottom, 2),
    }


class Locator:
    """``locate_span`` over a workspace: each document's extraction is loaded once.

    Without a stored extraction (derived data deleted, a hand-made bundle) it
    falls back to the provision's own pages and the PDF page numbers.
    """

    def __init__(self, ws: Workspace | None) -> None:
        self.ws = ws
        self._docs: dict[str, Document | None] = {}

    def document(self, meta: DocumentMeta) -> Document | None:
        key = meta.sha256
        if key not in self._docs:
            doc = None
            if self.ws is not None and key:
                try:
                    doc = self.ws.load_extraction(key)
                except (OSError, ValueError, KeyError, TypeError):
                    doc = None  # unreadable derived data: fall back, never fail an output
            self._docs[key] = doc
        return self._docs[key]

    def span(
        self, meta: DocumentMeta, provision: Provision, start: int, end: int, *, boxes: bool = True
    ) -> SpanLocation:
        doc = self.document(meta)
        if doc is not None:
            return locate_span(doc, provision, start, end, boxes=boxes)
        first, last = provision.pages
        pages = tuple(range(first, last + 1))
        return SpanLocation(pages=pages, printed_pages=tuple(str(p) for p in pages))

    def span_fields(
        self, meta: DocumentMeta, provision: Provision, start: int, end: int
    ) -> dict[str, Any]:
        """The JSON fields of a span: ``pages`` and ``printed_pages``."""
        loc = self.span(meta, provision, start, end, boxes=False)
        return {"pages": list(loc.pages), "printed_pages": list(loc.printed_pages)}

    def provision_fields(self, meta: DocumentMeta, provision: Provision) -> dict[str, Any]:
        """The JSON fields of a whole provision: ``printed_pages`` and ``pinpoint``.

        The labels of the pages in its ``pages`` range, so the two fields always agree.
        """
        from corpus_tool import pinpoint as pin

        doc = self.document(meta)
        labels = doc.page_labels if doc is not None else ()
        return {
            "printed_pages": pin.printed_pages(provision, labels, meta.pages or None),
            # The citation a lawyer pastes, in the document family's format (pinpoint.toml).
            "pinpoint": pin.pinpoint(meta, provision, labels),
        }

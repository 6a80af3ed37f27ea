"""Enumerated points inside a provision: opening them and knowing when text leaves them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from corpus_tool.segment.common import Layout, ends_sentence
from corpus_tool.segment.enums import ListStack, Reading
from corpus_tool.segment.lines import Line
from corpus_tool.segment.outline import Node, Outline


@dataclass
class OpenPoint:
    node: Node
    label_rel: float | None
    label_page: int
    label_line: int  # index of the line the label is on
    hanging: bool | None = None  # continuation lines indented past the label


@dataclass
class PointTracker:
    """The lettered/numbered points under one provision (paragraph, article, section…)."""

    base_rank: float
    layout: Layout
    doc_hanging: bool = True  # does this document indent point continuation lines
    stack: ListStack = field(default_factory=ListStack)
    open_points: list[OpenPoint] = field(default_factory=list)

    @staticmethod
    def hanging_style(lines: list[Line], layout: Layout, is_label: Callable[[str], bool]) -> bool:
        """Whether the lines after a point's label are indented past it (the EU style)."""
        indented = flush = 0
        for a, b in pairwise(lines):
            if a.page != b.page or not is_label(a.text) or is_label(b.text):
                continue
            ra, rb = layout.rel(a), layout.rel(b)
            if ra is None or rb is None:
                continue
            if rb > ra + 2.0:
                indented += 1
            else:
                flush += 1
        return indented >= flush and indented > 0

    def reset(self) -> None:
        self.stack.clear()
        self.open_points.clear()

    def try_open(
        self,
        outline: Outline,
        line: Line,
        label: str,
        body: int,
        *,
        lead_in_colon: bool,
        make: Callable[[Reading, str, float], Node],
    ) -> Node | None:
        previous = outline.doc.text[max(0, line.start - 8) : line.start].rstrip()
        gap_ok = previous.endswith((";", ".", "; and", "; or", "and", "or"))
        placed = self.stack.place(label, lead_in_colon=lead_in_colon, gap_ok=gap_ok)
        if placed is None:
            return None
        index, reading = placed
        rel = self.layout.rel(line)
        if line.x0 is None and rel is not None and self.open_points:
            # Plain text (Markdown, licences): indentation says how deep a list item is,
            # even where its numbering restarts or repeats.
            inner = self.open_points[-1].label_rel
            if inner is not None and rel > inner + 1:
                index = len(self.open_points)
            elif inner is not None and rel < inner - 1:
                index = sum(
                    1
                    for op in self.open_points
                    if op.label_rel is not None and op.label_rel < rel - 1
                )
        if index > len(self.open_points):
            # The level that would hold it was closed by text: nest under what is open.
            index = len(self.open_points)
        self.stack.commit(index, reading)
        outline.close_to(self.base_rank + index, line.start)
        node = make(reading, label, self.base_rank + index)
        # A point is a unit of its own (citable, searchable, the scope of /p), and what
        # it hangs from keeps only its own text: the lead-in and any closing words.
        node.unit = True
        outline.open(node)
        if node.parent is not None:
            node.parent.lead_in = True
        del self.open_points[index:]
        self.open_points.append(OpenPoint(node, self.layout.rel(line), line.page, line.index))
        return node

    def text_line(self, outline: Outline, line: Line, previous: Line | None) -> None:
        """A non-label line: note indentation, and close points the text has left."""
        if not self.open_points:
            return
        rel = self.layout.rel(line)
        inner = self.open_points[-1]
        if (
            rel is not None
            and inner.label_rel is not None
            and inner.hanging is None
            and previous is not None
            and previous.index == inner.label_line
            and line.page == inner.label_page
        ):
            # Only the first line after the label tells how this list is laid out, and
            # only where the document hangs its points: in a flush-left layout one odd
            # line start (justified text) must not make a point "hanging".
            if rel > inner.label_rel + 2.0 and self.doc_hanging:
                inner.hanging = True
                return
            if not self.doc_hanging:
                inner.hanging = False
        close_from: int | None = None
        use_geometry = rel is not None and (self.layout.geometric or self.doc_hanging)
        if use_geometry:
            for k in range(len(self.open_points) - 1, -1, -1):
                op = self.open_points[k]
                hanging = op.hanging if op.hanging is not None else self.doc_hanging
                if rel is None or op.label_rel is None or not hanging:
                    break
                if rel <= op.label_rel + 1.5:
                    close_from = k
                else:
                    break
        elif previous is not None and ends_sentence(previous.text):
            # No indentation to go by: a new sentence after a point that ended is the
            # parent's text again (the subparagraph after a list of points).
            first = line.text[:1]
            if first.isupper() and ends_sentence(outline.doc.text[inner.node.start : previous.end]):
                close_from = 0
        if close_from is not None:
            outline.close_to(self.base_rank + close_from, line.start)
            del self.open_points[close_from:]

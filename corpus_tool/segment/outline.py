"""A document's provision tree while it is built, and its conversion to Provisions.

Family parsers open nodes at a *rank* (smaller = higher in the hierarchy); opening a
node closes every open node of equal or lower rank at that offset. A node's span
runs from its label to where it is closed; its own text starts after its label
(and heading), so ``Provision.text`` never carries the number label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus_tool.model import Document, Footnote, Provision
from corpus_tool.offsets import collapse_mapped

_WS = re.compile(r"\s+")


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(eq=False)
class Node:
    """One provision in the making."""

    kind: str
    id_part: str  # "art_53", "para_2", "point_a"
    citation: str  # "Article 53(2)"
    label: str  # short breadcrumb label: "Chapter V", "Section 2", "Article 53"
    rank: float
    start: int  # offset of the label in Document.text
    body: int  # offset where the provision's own text starts
    end: int = -1
    heading: str = ""
    scoped: bool = True  # id is prefixed by the parent's id
    unit: bool = False  # a unit a lawyer searches (see segment/__init__ docs)
    # Its text before its child units is a lead-in ("… shall make available:" before
    # points (a), (b)): when it has child units, its provision's text is only its own
    # text (lead-in and any closing words), it stays searchable, and its child units
    # are searchable too, so units never overlap (docs/decisions.md, section 2).
    lead_in: bool = False
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    defined_term: str | None = None


class Outline:
    """The open-node stack of one document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.roots: list[Node] = []
        self.stack: list[Node] = []
        # Spans of Document.text in no provision's text (front matter, table furniture).
        self.skips: list[tuple[int, int]] = []

    def close_to(self, rank: float, offset: int) -> None:
        """Close every open node whose rank is >= ``rank`` at ``offset``."""
        while self.stack and self.stack[-1].rank >= rank:
            node = self.stack.pop()
            node.end = offset

    def open(self, node: Node) -> Node:
        self.close_to(node.rank, node.start)
        node.parent = self.stack[-1] if self.stack else None
        (node.parent.children if node.parent else self.roots).append(node)
        self.stack.append(node)
        return node

    def top(self) -> Node | None:
        return self.stack[-1] if self.stack else None

    def finish(self, offset: int | None = None) -> list[Node]:
        self.close_to(float("-inf"), len(self.doc.text) if offset is None else offset)
        return self.roots


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted and merged where they overlap, so they can be cut from the end."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _units_below(node: Node) -> list[Node]:
    """The nearest unit descendants of ``node`` (their spans hold their own text)."""
    out: list[Node] = []
    for c in node.children:
        out.extend([c] if c.unit else _units_below(c))
    return out


def to_provisions(
    doc: Document, roots: list[Node], skips: list[tuple[int, int]] | tuple = ()
) -> list[Provision]:
    """Ids, citations, paths, text, pages, footnotes and searchability for the tree.

    ``skips``: spans of Document.text that belong to no provision's text (a margin
    number that extraction placed after the line it labels).
    """
    skip_spans = sorted(skips)
    text = doc.text
    calls = sorted(((f.call, f) for f in doc.footnotes if f.call is not None), key=lambda cf: cf[0])
    seen: dict[str, int] = {}
    out: list[Provision] = []
    ids: dict[int, str] = {}

    def has_unit_below(node: Node) -> bool:
        return any(c.unit or has_unit_below(c) for c in node.children)

    def visit(node: Node, path: tuple[str, ...], under_unit: bool) -> None:
        parent_id = ids.get(id(node.parent)) if node.parent is not None else None
        base = f"{parent_id}__{node.id_part}" if node.scoped and parent_id else node.id_part
        if base in seen:
            # Two provisions printed with the same number: keep both, in document order.
            seen[base] += 1
            pid = f"{base}-{seen[base]}"
        else:
            seen[base] = 1
            pid = base
        ids[id(node)] = pid
        end = _trim_end(text, node.start, node.end)
        body = min(max(node.body, node.start), end)
        own_only = node.unit and node.lead_in and has_unit_below(node)
        cut = list(skip_spans)
        if own_only:
            cut += [(c.start, c.end) for c in _units_below(node)]
        spans = []
        for s, e in _merged(cut):
            if own_only:
                s, e = max(s, body), min(e, end)  # a child's span runs to where it closed
            if body <= s < e <= end:
                spans.append((s, e))
        # Collapsed with its offset map, so a span of the provision's text can
        # always be traced back to Document.text, and so to its page and box.
        own, offset_map = collapse_mapped(text, body, end, _merged(spans))
        if own_only:
            searchable = not under_unit
        else:
            searchable = node.unit and not under_unit and not has_unit_below(node)
        if not node.unit and not node.children and not under_unit:
            searchable = True  # a leaf outside any unit must still be findable
        here = (*path, node.label or node.citation)
        notes: tuple[Footnote, ...] = tuple(f for c, f in calls if node.start <= c < end)
        out.append(
            Provision(
                file=doc.meta.file,
                doc_id=doc.meta.doc_id,
                id=pid,
                citation=node.citation,
                kind=node.kind,
                parent=parent_id,
                heading=node.heading,
                path=here,
                pages=(doc.page_at(node.start), doc.page_at(max(end - 1, node.start))),
                start=node.start,
                end=end,
                text=own,
                order=len(out),
                footnotes=notes,
                defined_term=node.defined_term,
                searchable=searchable and bool(own),
                offset_map=offset_map,
            )
        )
        for child in node.children:
            visit(child, here, under_unit or (searchable and not own_only))

    for root in roots:
        visit(root, (), False)
    return out
